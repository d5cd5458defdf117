#!/usr/bin/env bash
# Fails when a source file includes a module its layer may not see (DESIGN.md "The house":
# arrows point down only), or when clinical/ reaches for the clock, the environment or files.
set -eu
src=${1:?usage: layers.sh SRC_DIR}
cd "$src"

# module: the modules it may include besides itself (util is open to everyone).
allowed_for() {
    case "$1" in
    main) echo "cli http" ;;
    cli | http) echo "store fhir render clinical" ;;
    store) echo "fhir clinical" ;;
    fhir | render) echo "clinical" ;;
    clinical | util) echo "" ;;
    *) echo "" ;;
    esac
}

passed=0 failed=0
report() { echo "layers: $*"; }

layer_hits=""
while IFS= read -r file; do
    mod=${file%%/*}
    [[ "$file" == main.c ]] && mod=main
    ok="$mod util $(allowed_for "$mod")"
    while IFS= read -r line; do
        inc=$(sed -E 's/^[^"]*"([^"]+)".*/\1/' <<<"$line")
        dir=${inc%%/*}
        [[ "$inc" == */* ]] || continue # a same-directory include
        [[ " $ok " == *" $dir "* ]] || layer_hits+="$file includes \"$inc\" ($mod may use: $ok)"$'\n'
    done < <(grep -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
done < <(find . -name '*.[ch]' | sed 's|^\./||' | sort)

if [[ -n "$layer_hits" ]]; then
    report "includes against the layering:"
    printf '%s' "$layer_hits"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi

# clinical/ is pure: no clock, environment, files, randomness or processes.
impure='(^|[^_[:alnum:]])(time|clock_gettime|gettimeofday|getenv|secure_getenv|fopen|open|opendir|rand|srand|random|system|popen|fork|sqlite3_[a-z_]+|PQ[a-zA-Z]+)[[:space:]]*\('
if [[ -d clinical ]] && hits=$(grep -rnE "$impure" --include='*.c' --include='*.h' clinical |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|//)'); then
    report "clinical/ must stay pure (no clock, env, files, SQL):"
    echo "$hits"
    failed=$((failed + 1))
else
    passed=$((passed + 1))
fi

echo "layers lint: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
