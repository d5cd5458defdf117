#!/usr/bin/env bash
# Command-line contract tests of the store commands: painpath migrate, import, export and
# backup against a fresh database in a temporary directory. A bad file exits 1 naming the
# JSON path and stores nothing; an export re-imports to the same counts.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
total() { grep -E '^  total ' "$T/out" | awk '{print $2}'; }

run "migrate creates the database" 0 "$BIN" migrate --db "$T/a.db"
expect_in "$T/out" "schema version [1-9]" "prints the schema version"
run "migrate again is a no-op" 0 "$BIN" migrate --db "$T/a.db"
run "migrate: unknown option" 2 "$BIN" migrate --frobnicate

cat >"$T/good.json" <<'JSON'
{"resourceType": "Bundle", "type": "transaction", "entry": [
 {"fullUrl": "urn:uuid:p-1", "resource": {"resourceType": "Patient", "id": "p-1"}},
 {"fullUrl": "urn:uuid:c-1", "resource": {"resourceType": "Condition", "id": "c-1",
  "subject": {"reference": "urn:uuid:p-1"}}}]}
JSON
cat >"$T/bad.json" <<'JSON'
{"resourceType": "Bundle", "type": "transaction", "entry": [
 {"resource": {"resourceType": "Patient", "id": "p-2"}},
 {"resource": {"resourceType": "Condition", "id": "no spaces allowed"}}]}
JSON
printf '{"resourceType":"Patient","id":"n-1"}\n\n{"resourceType":"Patient","id":"n-2"}\r\n' >"$T/p.ndjson"
run "import a Bundle and NDJSON" 0 "$BIN" import "$T/good.json" "$T/p.ndjson" --db "$T/a.db"
[ "$(total)" = 4 ] && ok "counts 4 resources" || bad "counts 4 resources" "$(cat "$T/out")"
run "import a bad Bundle" 1 "$BIN" import "$T/bad.json" --db "$T/a.db"
expect_in "$T/err" "bad.json: entry\[1\]\.resource\.id" "names the file and JSON path"
run "import: no PATH" 2 "$BIN" import --db "$T/a.db"
run "import: --format json" 0 "$BIN" import --format json "$T/good.json" --db "$T/a.db"
python3 -c "import json; d=json.load(open('$T/out')); assert d['resources']==2 and d['types']['Condition']==1" &&
    ok "JSON report shape" || bad "JSON report shape" "$(cat "$T/out")"

run "export" 0 "$BIN" export "$T/out-dir" --db "$T/a.db"
[ "$(total)" = 4 ] && ok "exports 4 (the bad Bundle stored nothing)" || bad "export total" "$(cat "$T/out")"
[ -f "$T/out-dir/Patient.ndjson" ] && [ "$(wc -l <"$T/out-dir/Patient.ndjson")" = 3 ] &&
    ok "Patient.ndjson has 3 lines" || bad "Patient.ndjson has 3 lines"
grep -q '"reference":"Patient/p-1"' "$T/out-dir/Condition.ndjson" &&
    ok "urn:uuid reference rewritten" || bad "urn:uuid reference rewritten"
run "export --type" 0 "$BIN" export "$T/one" --type Condition --db "$T/a.db"
[ "$(ls "$T/one")" = Condition.ndjson ] && ok "one file" || bad "one file" "$(ls "$T/one")"
run "export --type bad" 2 "$BIN" export "$T/x" --type ../etc --db "$T/a.db"
run "re-import the export" 0 "$BIN" import "$T/out-dir" --db "$T/b.db"
[ "$(total)" = 4 ] && ok "same count after re-import" || bad "same count after re-import"

# good, bad, good in one run: the batch commits both good files and none of the bad one
printf '{"resourceType":"Patient","id":"m-1"}\n' >"$T/m1.ndjson"
printf '{"resourceType":"Patient","id":"m-2"}\n{"resourceType":"Patient","id":"bad id"}\n' >"$T/m2.ndjson"
printf '{"resourceType":"Patient","id":"m-3"}\n' >"$T/m3.ndjson"
run "import good, bad, good" 1 "$BIN" import "$T/m1.ndjson" "$T/m2.ndjson" "$T/m3.ndjson" --db "$T/m.db"
expect_in "$T/out" "3 files \(1 failed\)" "reports one failed file of three"
run "export the mixed import" 0 "$BIN" export "$T/m-out" --db "$T/m.db"
[ "$(total)" = 2 ] && ! grep -q '"m-2"' "$T/m-out/Patient.ndjson" &&
    ok "the good files stored, the bad file's first line rolled back" ||
    bad "mixed import" "$(cat "$T/out"; cat "$T/m-out/Patient.ndjson")"

run "backup" 0 "$BIN" backup "$T/copy.db" --db "$T/a.db"
run "backup refuses to overwrite" 2 "$BIN" backup "$T/copy.db" --db "$T/a.db"
run "the backup exports the same" 0 "$BIN" export "$T/from-copy" --db "$T/copy.db"
[ "$(total)" = 4 ] && ok "backup holds 4" || bad "backup holds 4"

if [ -n "${PP_SHARED_DATA:-}" ]; then
    run "import all of synthea-bulk-ndjson" 0 "$BIN" import "$PP_SHARED_DATA/synthea-bulk-ndjson" --db "$T/bulk.db"
    expect_in "$T/out" "\(0 failed\)" "zero errors"
else
    bad "PP_SHARED_DATA is not set"
fi

echo "store cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
