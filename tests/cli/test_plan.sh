#!/usr/bin/env bash
# Command-line contract of `painpath plan`: the example round-trips to a plan with the
# documented JSON shape and a draft FHIR CarePlan; a red flag exits 1; bad input exits 2.
# PP_PLAN_CMD may name another command that behaves as `painpath plan` (a test driver).
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
NOW=2026-11-27
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
if [ -n "${PP_PLAN_CMD:-}" ]; then PLAN=("$PP_PLAN_CMD"); else PLAN=("$BIN" plan); fi
py() { # py NAME PYTHON-ASSERTIONS over d = json.loads(first line of out)
    if python3 -c "import json,sys; d=json.loads(open('$T/out').readline()); $2" 2>"$T/pyerr"; then
        ok "$1"; else bad "$1" "$(tail -1 "$T/pyerr")"; fi
}

run "--example" 0 "${PLAN[@]}" --example
cp "$T/out" "$T/ex.json"
run "the example plans (table)" 0 "${PLAN[@]}" --now $NOW "$T/ex.json"
expect_in "$T/out" "PLAN-INT-RADICULAR" "table names the TF ESI proposal"
expect_in "$T/out" "PLAN-MED-NSAID-AVOID" "table names the NSAID contraindication (CKD)"
run "the example plans (json)" 0 "${PLAN[@]}" --now $NOW --format json "$T/ex.json"
py "json shape" 'assert d["patient"] == "example"; assert "radicular" in d["diagnoses"] and "ckd" in d["diagnoses"]; assert d["on_opioid"] is True; assert abs(d["total_mme_per_day"] - 30) < 1e-9; assert all(set(i) >= {"rule","kind","procedures","rxnorm","drug","do_not_perform","due","goal_target","goal_loinc"} for i in d["items"]); assert all(set(f) >= {"rule","severity","summary","detail","evidence","source"} for f in d["findings"])'
py "items and findings agree" 'assert [i["rule"] for i in d["items"]] == [f["rule"] for f in d["findings"]]'
py "TF ESI lumbar from the catalogue" 'assert any(i["rule"] == "PLAN-INT-RADICULAR" and i["procedures"] == ["esi-tf-lumbar"] for i in d["items"])'
py "psychology for PHQ-9 12" 'assert any(f["rule"] == "PLAN-PSYCHOLOGY" and "Observation/phq9" in f["evidence"] for f in d["findings"])'
py "PEG goal 30% lower" 'g = [i for i in d["items"] if i["rule"] == "PLAN-GOAL"][0]; assert abs(g["goal_target"] - 4.41) < 1e-9 and g["goal_loinc"] == "91147-9" and g["due"] == "2027-02-25"'
py "opioid follow-up within 28 days" 'assert any(i["rule"] == "PLAN-FOLLOWUP-OPIOID" and i["due"] == "2026-12-25" for i in d["items"])'
py "draft CarePlan, intent proposal" 'c = d["careplan"]; assert c["resourceType"] == "CarePlan" and c["status"] == "draft" and c["intent"] == "proposal"; assert c["subject"]["reference"] == "Patient/example"; assert c["goal"] == [{"reference": "#goal-1"}] and c["contained"][0]["resourceType"] == "Goal"'
py "CarePlan activities: CPT 64483, NSAID do-not-perform, acetaminophen RxNorm 161" 'a = [x["detail"] for x in d["careplan"]["activity"]]; assert any(x.get("code", {}).get("coding", [{}])[0].get("code") == "64483" for x in a); assert any(x.get("doNotPerform") is True for x in a); assert any(x.get("productCodeableConcept", {}).get("coding", [{}])[0].get("code") == "161" for x in a); assert all(x["status"] == "not-started" for x in a)'
py "opioid stance as a CarePlan note" 'assert "lost, stolen or destroyed" in d["careplan"]["note"][0]["text"]'

# a red flag exits 1
python3 - "$T/ex.json" "$T/ce.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
b["entry"].append({"resource": {"resourceType": "Condition", "id": "ce", "subject": {"reference": "Patient/example"},
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G83.4", "display": "Cauda equina syndrome"}]}}})
json.dump(b, open(sys.argv[2], "w"))
PY
run "cauda equina: critical surgical referral, exit 1" 1 "${PLAN[@]}" --now $NOW --format json "$T/ce.json"
py "no intervention with a red flag" 'r = [i["rule"] for i in d["items"]]; assert "PLAN-SURGERY-REFERRAL" in r and "PLAN-INT-RADICULAR" not in r'

# policy keys change the plan
echo '{"plan_psych_phq9_min": 13}' >"$T/policy.json"
run "--policy plan_psych_phq9_min 13" 0 "${PLAN[@]}" --now $NOW --format json --policy "$T/policy.json" "$T/ex.json"
py "PHQ-9 12 below a policy of 13: no psychology" 'assert not any(i["rule"] == "PLAN-PSYCHOLOGY" for i in d["items"])'

# bad input and usage exit 2
echo '{"resourceType": "Bundle", "entry": [' >"$T/broken.json"
run "malformed JSON" 2 "${PLAN[@]}" --now $NOW "$T/broken.json"
expect_in "$T/err" "broken.json" "names the file"
run "no input" 2 "${PLAN[@]}" --now $NOW
run "unknown option" 2 "${PLAN[@]}" --bogus "$T/ex.json"
run "bad --format" 2 "${PLAN[@]}" --format xml "$T/ex.json"
run "bad --now" 2 "${PLAN[@]}" --now 2026-13-01 "$T/ex.json"
echo '{"plan_psych_phq9_min": 99}' >"$T/policy-bad.json"
run "policy value out of range" 2 "${PLAN[@]}" --policy "$T/policy-bad.json" "$T/ex.json"
expect_in "$T/err" "plan_psych_phq9_min" "names the policy key"

echo "plan cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
