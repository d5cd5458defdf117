#!/usr/bin/env bash
# Command-line contract of `painpath imaging`: the example round-trips; usually not
# appropriate or urgent exits 1; bad input exits 2 naming the field; the JSON output has the
# shape docs/cli-imaging.md documents.
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

# --- imaging -----------------------------------------------------------------------------
"$BIN" imaging --example >"$T/img.json"
run "imaging example: appropriate" 0 "$BIN" imaging --now $NOW --format json "$T/img.json"
py "imaging JSON shape" 'assert d["acr_variant"] == 3 and d["rating"] == "usually_appropriate" and d["verdict"] == "appropriate" and d["urgency"] == "routine"; assert d["findings"][0]["rule"] == "IMG-V3-CANDIDATE"'
run "imaging: 5 weeks of care is too early" 1 "$BIN" imaging --now 2026-10-14 --format json "$T/img.json"
py "too early with a review date" 'assert d["verdict"] == "usually_not_appropriate" and d["review_date"] == "2026-10-20"'
python3 - "$T/img.json" "$T/img-ce.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["red_flags"]["saddle_anesthesia"] = True; d["modality"] = "xray"
json.dump(d, open(sys.argv[2], "w"))
PY
run "imaging: cauda equina is urgent" 1 "$BIN" imaging --now $NOW --format json "$T/img-ce.json"
py "emergency, V4, wrong study" 'assert d["urgency"] == "emergency" and d["acr_variant"] == 4; assert any(f["rule"] == "IMG-MODALITY-MISMATCH" for f in d["findings"])'
echo '{"region": "lumbar", "modality": "xray", "onset": "2026-11-01", "red_flags": {"fever": "yes"}}' >"$T/img-bad.json"
run "imaging: bad answer" 2 "$BIN" imaging --now $NOW "$T/img-bad.json"
expect_in "$T/err" "red_flags\.fever" "names the field"
echo '{"img_conservative_weeks": 12}' >"$T/ipol.json"
run "imaging: policy 12 weeks makes 11 too early" 1 "$BIN" imaging --now $NOW --policy "$T/ipol.json" "$T/img.json"
expect_in "$T/out" "IMG-TOO-EARLY" "too early under the policy"

echo "imaging cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
