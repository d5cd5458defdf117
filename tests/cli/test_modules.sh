#!/usr/bin/env bash
# Command-line contract tests of the pain-physician modules: painpath score, triage,
# block and procedures. Each example round-trips; bad input exits 2 naming the field;
# findings that need action exit 1; JSON output has the documented shape.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
NOW=2026-11-27
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
py() { # py NAME PYTHON-ASSERTIONS over d = json.load(out)
    if python3 -c "import json,sys; d=json.load(open('$T/out')); $2" 2>"$T/pyerr"; then ok "$1"; else
        bad "$1" "$(tail -1 "$T/pyerr")"; fi
}

# --- score -----------------------------------------------------------------------------
for instr in nrs peg phq2 phq9 gad2 gad7 bpi odi ndi ort ort-oud startback; do
    "$BIN" score "$instr" --example >"$T/ex.json" 2>/dev/null
    run "score $instr: its own example scores" 0 "$BIN" score "$instr" --format json "$T/ex.json"
done
echo '{"instrument": "phq9", "answers": {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}}' >"$T/phq9-item9.json"
run "PHQ-9 item 9 above 0 is critical" 1 "$BIN" score phq9 --format json "$T/phq9-item9.json"
py "PHQ-9 total and the safety flag" 'assert any(f["rule"] == "INSTR-PHQ9-SAFETY" and f["severity"] == "critical" for f in d["findings"]); assert "44261-6" in json.dumps(d)'
echo '{"instrument": "phq9", "answers": {"1": 4}}' >"$T/phq9-bad.json"
run "PHQ-9 answer out of range" 2 "$BIN" score phq9 "$T/phq9-bad.json"
expect_in "$T/err" "1" "names the item"
run "score from stdin (critical, exit 1)" 1 "$BIN" score phq9 - <"$T/phq9-item9.json"
run "score: unknown instrument" 2 "$BIN" score nosuch "$T/phq9-item9.json"

# --- triage ----------------------------------------------------------------------------
"$BIN" triage --example >"$T/tri.json"
run "triage example" 0 "$BIN" triage --now $NOW --format json "$T/tri.json"
py "triage JSON has a disposition and reasons" 'assert d["disposition"]; assert d["findings"] and all(f["rule"] and f["source"] for f in d["findings"])'
python3 - "$T/tri.json" "$T/tri-ce.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["red_flags"]["saddle_anesthesia"] = True
json.dump(d, open(sys.argv[2], "w"))
PY
run "saddle anesthesia goes to emergency care" 1 "$BIN" triage --now $NOW --format json "$T/tri-ce.json"
py "cauda equina rule fires" 'assert d["disposition"] == "emergency"; assert any(f["rule"] == "TRIAGE-RED-FLAG-CAUDA-EQUINA" for f in d["findings"])'
python3 - "$T/tri.json" "$T/tri-bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["red_flags"]["saddle_anesthesia"] = "maybe"
json.dump(d, open(sys.argv[2], "w"))
PY
run "triage: a red flag that is not true/false" 2 "$BIN" triage --now $NOW "$T/tri-bad.json"
expect_in "$T/err" "saddle_anesthesia" "names the field"

# --- block -----------------------------------------------------------------------------
"$BIN" block --example >"$T/blk.json"
run "block example" 0 "$BIN" block --format json "$T/blk.json"
py "block report: relief, verdict, findings" 'assert "BLOCK-POSITIVE" in [f["rule"] for f in d["findings"]]; assert d["conclusion"]'
echo '{"block_root_relief_pct": 90}' >"$T/p90.json"
run "a stricter root threshold" 0 "$BIN" block --format json --policy "$T/p90.json" "$T/blk.json"
py "87.5% relief is negative at 90%" 'assert "BLOCK-NEGATIVE" in [f["rule"] for f in d["findings"]]'
printf '{"blocks": [{"target": "root"\n' >"$T/blk-broken.json"
run "block: malformed JSON" 2 "$BIN" block "$T/blk-broken.json"
expect_in "$T/err" "blk-broken.json:[0-9]+:[0-9]+" "names file:line:column"

# --- procedures ------------------------------------------------------------------------
run "procedure catalogue" 0 "$BIN" procedures --format json
py "catalogue lists lumbar transforaminal ESI with CPT 64483" 'assert any("64483" in (p["cpt"] or []) for p in d); assert all(p["id"] and p["name"] for p in d)'

echo "modules cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
