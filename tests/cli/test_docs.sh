#!/usr/bin/env bash
# docs/CLINICAL-RULES.md must match the code: its generated rule and policy tables
# are rebuilt from the binary and compared; every rule id and key must be listed.
set -uo pipefail
BIN=${PP_BIN:?}
SRC=${PP_SOURCE_DIR:?}
T=$(mktemp)
trap 'rm -f "$T"' EXIT
pass=0
fail=0
bash "$SRC/scripts/gen-docs.sh" "$BIN" "$T"
if cmp -s "$T" "$SRC/docs/CLINICAL-RULES.md"; then
    pass=$((pass + 1)); echo "ok   docs/CLINICAL-RULES.md tables match the code"
else
    fail=$((fail + 1)); echo "FAIL docs/CLINICAL-RULES.md is stale: run make docs"
    diff "$SRC/docs/CLINICAL-RULES.md" "$T" | head -20
fi
for id in $("$BIN" rules --format json | python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(sys.stdin)))'); do
    if grep -q "\`$id\`" "$SRC/docs/CLINICAL-RULES.md"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL rule $id is not documented"; fi
done
for key in $("$BIN" policy --format json | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)))'); do
    if grep -q "\`$key\`" "$SRC/docs/CLINICAL-RULES.md"; then pass=$((pass + 1)); else
        fail=$((fail + 1)); echo "FAIL policy key $key is not documented"; fi
done
echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
