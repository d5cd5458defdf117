#!/usr/bin/env bash
# scripts/check.sh [PHASE...] — the body of `make check`: build and test painpath several
# ways, then print one summary. Phases (default: all four, in this order):
#   gcc    gcc -Werror build in build/ (the one `make` and `make run` use); every ctest test
#   clang  clang -Werror build in build-clang/; the unit tests
#   asan   gcc ASan+UBSan (-fno-sanitize-recover=all) build in build-asan/; unit + cli tests
#   fuzz   clang libFuzzer+ASan+UBSan build in build-fuzz/; each tests/fuzz target briefly
# Every phase runs even when an earlier one failed; the exit status is 1 if any failed.
# Knobs (environment): JOBS (2), FUZZ_SECONDS (15 per target), FUZZ_RUNS (1000000 per target),
# ASAN_LABELS (unit|cli), CLANG_LABELS (unit), BUILD_TYPE (Release).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

JOBS=${JOBS:-2}
BUILD_TYPE=${BUILD_TYPE:-Release}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
FUZZ_RUNS=${FUZZ_RUNS:-1000000}
ASAN_LABELS=${ASAN_LABELS:-unit|cli}
CLANG_LABELS=${CLANG_LABELS:-unit}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [[ -z "${ASAN_SYMBOLIZER_PATH:-}" ]] && command -v llvm-symbolizer >/dev/null 2>&1; then
    export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi

phases=("$@")
[[ ${#phases[@]} -eq 0 ]] && phases=(gcc clang asan fuzz)

# Results, one row per phase: name status seconds passed total note
rows=()
total_passed=0
total_failed=0

banner() { printf '\n==> %s\n' "$*"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# configure DIR CC [cmake -D...]: (re)configure DIR with compiler CC. A build directory
# configured earlier with another compiler is started afresh (CMake cannot switch).
configure() {
    local dir=$1 cc=$2
    shift 2
    if [[ -f "$dir/CMakeCache.txt" ]]; then
        local cached
        cached=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$dir/CMakeCache.txt")
        if [[ "$(basename "$cached")" != "$cc"* ]]; then
            echo "$dir was configured with $cached; starting it afresh with $cc"
            rm -rf "$dir"
        fi
    fi
    CC=$cc cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "$@"
}

# build DIR [TARGET]: build quietly; the whole log is printed when it fails.
build() {
    local dir=$1 target=${2:-all} log=$1/check-build.log
    if cmake --build "$dir" -j "$JOBS" --target "$target" >"$log" 2>&1; then
        echo "built $dir ($target)"
        return 0
    fi
    cat "$log"
    echo "BUILD FAILED in $dir (log: $log)"
    return 1
}

# run_ctest DIR [LABEL-REGEX]: sets ct_passed / ct_total from ctest's closing line.
ct_passed=0
ct_total=0
run_ctest() {
    local dir=$1 labels=${2:-} log=$1/check-ctest.log rc
    local -a args=(-j "$JOBS" --output-on-failure --no-tests=error)
    [[ -n "$labels" ]] && args+=(-L "$labels")
    (cd "$dir" && ctest "${args[@]}") 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
    if [[ -n "$line" ]]; then
        local failed
        failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
        ct_total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
        ct_passed=$((ct_total - failed))
    else
        ct_passed=0
        ct_total=0
    fi
    return "$rc"
}

# What each test printed (its pass counts and tables), from ctest's log, without cmocka's
# per-case RUN/OK lines. At most 80 lines a test; the full text stays in the log.
test_reports() {
    local log=$1/Testing/Temporary/LastTest.log
    [[ -f "$log" ]] || return 0
    banner "what the tests reported ($log)"
    awk '
        /^[0-9]+\/[0-9]+ Test: / { name = $3; next }
        /^Output:$/ { inout = 1; getline; n = 0; shown = 0; printf "--- %s\n", name; next }
        /^<end of output>$/ {
            if (n > shown) printf "    ... %d more lines in the log\n", n - shown
            if (shown == 0 && n == 0) print "    (no output)"
            inout = 0; next
        }
        inout {
            if ($0 ~ /^\[ RUN      \]/ || $0 ~ /^\[       OK \]/ || $0 ~ /^\[==========\] Running/ \
                || $0 ~ /^[[:space:]]*$/) next
            n++
            if (shown < 80) { print "    " $0; shown++ }
        }
    ' "$log"
}

record() { # name status seconds passed total note
    rows+=("$(printf '%-6s %-6s %7ss %5s/%-5s %s' "$1" "$2" "$3" "$4" "$5" "$6")")
    total_passed=$((total_passed + $4))
    total_failed=$((total_failed + $5 - $4))
    if [[ "$2" != ok && $5 -eq $4 ]]; then
        total_failed=$((total_failed + 1)) # a build failure counts as one failure
    fi
}

phase_gcc() {
    local t0 status=ok
    t0=$(now)
    banner "[gcc] configure + build (build/, $BUILD_TYPE, -Werror)"
    ct_passed=0 ct_total=0
    if configure build gcc >/dev/null && build build; then
        banner "[gcc] ctest: all tests"
        run_ctest build || status=FAIL
        test_reports build
    else
        status=FAIL
    fi
    record gcc "$status" "$(elapsed "$t0")" "$ct_passed" "$ct_total" "all tests"
}

phase_clang() {
    local t0 status=ok
    t0=$(now)
    banner "[clang] configure + build (build-clang/, $BUILD_TYPE, -Werror)"
    ct_passed=0 ct_total=0
    if configure build-clang clang >/dev/null && build build-clang; then
        banner "[clang] ctest -L '$CLANG_LABELS'"
        run_ctest build-clang "$CLANG_LABELS" || status=FAIL
    else
        status=FAIL
    fi
    record clang "$status" "$(elapsed "$t0")" "$ct_passed" "$ct_total" "labels $CLANG_LABELS"
}

phase_asan() {
    local t0 status=ok
    t0=$(now)
    banner "[asan] configure + build (build-asan/, gcc -O1 -g, ASan+UBSan)"
    ct_passed=0 ct_total=0
    if BUILD_TYPE=Debug configure build-asan gcc -DPP_SANITIZE=ON \
        -DCMAKE_C_FLAGS_DEBUG="-g -O1" >/dev/null && build build-asan; then
        banner "[asan] ctest -L '$ASAN_LABELS'"
        run_ctest build-asan "$ASAN_LABELS" || status=FAIL
    else
        status=FAIL
    fi
    record asan "$status" "$(elapsed "$t0")" "$ct_passed" "$ct_total" "labels $ASAN_LABELS"
}

# fuzz_run TARGET SECONDS RUNS: one libFuzzer session seeded from tests/fuzz/corpus/TARGET.
# New inputs go to build-fuzz/corpus/TARGET (the committed seeds are never written to);
# a crashing input lands in build-fuzz/artifacts/ and is printed.
fuzz_run() {
    local t=$1 seconds=$2 runs=$3 bin=build-fuzz/tests/fuzz/$1
    local seeds=tests/fuzz/corpus/$t work=build-fuzz/corpus/$t art=build-fuzz/artifacts
    local -a opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096
        -print_final_stats=1 -artifact_prefix="$art/$t-")
    [[ "$runs" != 0 ]] && opts+=(-runs="$runs")
    [[ -n "${FUZZ_SEED:-}" ]] && opts+=(-seed="$FUZZ_SEED")
    [[ -f tests/fuzz/$t.dict ]] && opts+=(-dict="tests/fuzz/$t.dict")
    mkdir -p "$work" "$art" "$seeds"
    rm -f "$art/$t-"*
    echo "\$ $bin ${opts[*]} $work $seeds"
    local log=build-fuzz/$t.log rc
    ASAN_OPTIONS="$ASAN_OPTIONS:print_legend=0" "$bin" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    grep -E '^(INFO: seed|INFO: .*files found|#[0-9]+ +DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" |
        sed 's/^/    /'
    if [[ $rc -ne 0 ]]; then
        # The report, from the first error line on (without libFuzzer's progress lines).
        local first
        first=$(grep -nE 'ERROR: |runtime error:|deadly signal|out-of-memory|timeout after' "$log" |
            head -1 | cut -d: -f1)
        grep -nvE '^#[0-9]+[[:space:]]|^(=>| ) +0x[0-9a-f]+: ' "$log" |
            awk -F: -v from="${first:-1}" \
                '$1 >= from - 3 { sub(/^[0-9]+:/, ""); print; if (++n >= 60) exit }'
        local a
        for a in "$art/$t-"*; do
            [[ -f "$a" ]] || continue
            echo "crashing input $a ($(wc -c <"$a") bytes), first 512 bytes:"
            head -c 512 "$a" | od -A d -c | head -n 40
        done
        echo "FUZZ FAILED: $t (exit $rc; full log: $log). Keep the input as a regression seed:"
        echo "  cp <that file> tests/fuzz/corpus/$t/ after fixing the bug"
    fi
    return "$rc"
}

fuzz_targets() {
    local f
    for f in tests/fuzz/fuzz_*.c; do
        [[ -f "$f" ]] && basename "$f" .c
    done
}

phase_fuzz() {
    local t0 status=ok passed=0 total=0 t
    t0=$(now)
    banner "[fuzz] configure + build (build-fuzz/, clang -fsanitize=fuzzer,address,undefined)"
    if BUILD_TYPE=Debug configure build-fuzz clang -DPP_FUZZ=ON \
        -DCMAKE_C_FLAGS_DEBUG="-g -O1" >/dev/null && build build-fuzz fuzz_all; then
        for t in $(fuzz_targets); do
            total=$((total + 1))
            banner "[fuzz] $t: up to ${FUZZ_SECONDS}s / $FUZZ_RUNS runs"
            if fuzz_run "$t" "$FUZZ_SECONDS" "$FUZZ_RUNS"; then
                passed=$((passed + 1))
            else
                status=FAIL
            fi
        done
        [[ $total -eq 0 ]] && echo "no tests/fuzz/fuzz_*.c targets"
    else
        status=FAIL
    fi
    record fuzz "$status" "$(elapsed "$t0")" "$passed" "$total" "targets, ${FUZZ_SECONDS}s each"
}

# `make fuzz`: every target (or FUZZ_TARGETS) for FUZZ_SECONDS each, no run cap, corpus kept.
phase_fuzz_long() {
    local t rc=0
    BUILD_TYPE=Debug configure build-fuzz clang -DPP_FUZZ=ON \
        -DCMAKE_C_FLAGS_DEBUG="-g -O1" >/dev/null && build build-fuzz fuzz_all || return 1
    for t in ${FUZZ_TARGETS:-$(fuzz_targets)}; do
        banner "[fuzz] $t for ${FUZZ_SECONDS}s"
        fuzz_run "$t" "$FUZZ_SECONDS" 0 || rc=1
    done
    return $rc
}

if [[ "${phases[0]}" == fuzz-long ]]; then
    phase_fuzz_long
    exit $?
fi

start=$(now)
for p in "${phases[@]}"; do
    case "$p" in
    gcc | clang | asan | fuzz) "phase_$p" ;;
    *) echo "unknown phase '$p' (gcc clang asan fuzz)"; exit 2 ;;
    esac
done

banner "summary ($(nproc) cores, JOBS=$JOBS, $(elapsed "$start")s in all)"
printf '%-6s %-6s %8s %11s %s\n' phase status time passed/all what
printf '%s\n' "${rows[@]}"
echo "check: $total_passed passed, $total_failed failed"
[[ $total_failed -eq 0 ]]
