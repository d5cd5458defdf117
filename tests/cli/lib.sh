# tests/cli/lib.sh — what the command-line contract scripts share. Source it after setting
# T (a temporary directory); it keeps the pass/fail counts in `pass` and `fail`.
#   ok NAME / bad NAME [WHY]            count a check
#   run NAME EXPECTED_EXIT CMD...       run CMD, stdout in $T/out, stderr in $T/err
#   expect_in FILE PATTERN NAME         FILE matches the extended regular expression
#   expect_empty FILE NAME              FILE is empty
pass=${pass:-0}
fail=${fail:-0}
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "     $2"; }
run() {
    local name=$1 want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else
        bad "$name" "exit $got, want $want; stderr: $(head -c 300 "$T/err")"; fi
}
expect_in() {
    if grep -qE -- "$2" "$1"; then ok "$3"; else bad "$3" "no /$2/ in: $(head -c 300 "$1")"; fi
}
expect_empty() {
    if [ ! -s "$1" ]; then ok "$2"; else bad "$2" "not empty: $(head -c 200 "$1")"; fi
}
