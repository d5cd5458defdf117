#!/usr/bin/env bash
# Command-line contract of `painpath summary`: the example round-trips, the JSON has the
# documented shape, the AHRQ CDS Connect Pain Management Summary test cases
# ($PP_SHARED_DATA/pain-summary-r4) load and summarise at 2018-12-10, bad input exits 2.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
DATA=${PP_SHARED_DATA:?PP_SHARED_DATA must name the third-party data}
NOW=2018-12-10
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
py() { # py NAME PYTHON-ASSERTIONS over rows = [json.loads(line) for line in out]
    if python3 -c "import json; rows=[json.loads(l) for l in open('$T/out') if l.strip()]; $2" 2>"$T/pyerr"; then
        ok "$1"; else bad "$1" "$(tail -1 "$T/pyerr")"; fi
}

run "--example" 0 "$BIN" summary --example
cp "$T/out" "$T/example.json"
if python3 -c "import json; assert json.load(open('$T/example.json'))['resourceType'] == 'Bundle'"; then
    ok "the example is one FHIR Bundle"; else bad "the example is one FHIR Bundle"; fi
run "the example summarises" 0 "$BIN" summary --now "$NOW" --format json "$T/example.json"
py "example: PEG items and the non-opioid" 'd=rows[0]; p=d["sections"]["peg_assessments"][0]; assert p["items"] == {"pain": 7, "enjoyment_of_life": 6, "general_activity": 5}, p; assert d["sections"]["non_opioid_medications"][0]["date"] == "2018-10-15"; assert d["meets_inclusion"] is True'
run "the example from standard input" 0 "$BIN" summary --now "$NOW" - <"$T/example.json"
expect_in "$T/out" "peg_assessments: 1" "table lists the PEG"

# AHRQ CDS Connect Pain Management Summary test cases
run "pain-summary-r4 bundles (directory)" 0 "$BIN" summary --now "$NOW" --format json "$DATA/pain-summary-r4/bundles"
# nine bundles, six patient ids: the reusable-resource cases share the patient's id
py "six patients, every section key present" 'assert len(rows) == 6; keys = {"conditions_associated_with_chronic_pain","risk_factors","pain_intensity_assessments","peg_assessments","startback_assessments","opioid_medications","non_opioid_medications","non_pharmacologic_treatments","stool_softeners_and_laxatives","most_recent_mme","urine_drug_screens","benzodiazepine_medications","naloxone_medications","risk_screenings"}; assert all(set(r["sections"]) == keys for r in rows)'
run "kitchen sink" 0 "$BIN" summary --now "$NOW" --format json "$DATA/pain-summary-r4/bundles/Has_Everything_But_the_Kitchen_Sink.json"
py "kitchen sink: suicide attempt visit, 2 naloxone, MME 20" 'd=rows[0]; s=d["sections"]; assert any(x["type"] == "Encounter" and x["date"] == "2015-02-01" for x in s["risk_factors"]); assert len(s["naloxone_medications"]) == 2; assert s["most_recent_mme"][0]["value"] == 20; assert "benzodiazepine" in d["risk_flags"]'
run "a 15-year-old is outside the population" 0 "$BIN" summary --now "$NOW" --format json "$DATA/pain-summary-r4/bundles/Aged_17_years_or_younger.json"
py "SUMMARY-INCLUSION finding" 'd=rows[0]; assert d["meets_inclusion"] is False; assert any(f["rule"] == "SUMMARY-INCLUSION" for f in d["findings"])'
echo '{"summary_treatment_months": 12}' >"$T/policy.json"
run "--policy narrows the treatment window" 0 "$BIN" summary --now "$NOW" --policy "$T/policy.json" --format json "$DATA/pain-summary-r4/bundles/Brenda_Jackson.json"
py "Brenda: 8 opioid orders in 12 months, not 16" 'assert len(rows[0]["sections"]["opioid_medications"]) == 8'

# bad input
run "no input" 2 "$BIN" summary
run "bad format" 2 "$BIN" summary --format xml "$T/example.json"
run "missing file" 2 "$BIN" summary /nonexistent/file.json
echo '{"resourceType": "Observation", "status": 3}' >"$T/bad.json"
run "wrong JSON type" 2 "$BIN" summary "$T/bad.json"
expect_in "$T/err" "status" "the message names the field"
printf '{"resourceType": ' >"$T/trunc.json"
run "truncated JSON" 2 "$BIN" summary "$T/trunc.json"
expect_in "$T/err" "trunc.json:1:" "the message gives line and column"

echo "summary cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
