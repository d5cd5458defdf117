#!/usr/bin/env bash
# Command-line contract tests: exit codes, error messages naming file:line:column
# or the JSON path, no partial output on bad input, and the JSON shapes that users'
# scripts rely on (README.md). Drives the built binary ($PP_BIN) on our own fixtures.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
SRC=${PP_SOURCE_DIR:?PP_SOURCE_DIR must name the source tree}
DEMO="$SRC/examples/clinic-demo.json"
NOW=2026-11-27
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

. "$(dirname "$0")/lib.sh"

# jq-like checks with python3: json_check NAME PYTHON-EXPR-over-lines (list of dicts `L`)
json_check() {
    if python3 - "$T/out" "$2" <<'PY'
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {d.get("patient"): d for d in L}
ok = eval(sys.argv[2], {"L": L, "by": by})
sys.exit(0 if ok else 1)
PY
    then ok "$1"; else bad "$1" "$2 is false for: $(head -c 400 "$T/out")"; fi
}

# --- painpath mme: the JSON contract ---------------------------------------------------
run "mme json on the demo clinic" 0 "$BIN" mme --format json --now $NOW "$DEMO"
json_check "one line per patient" 'len(L) == 5 and all(set(d) == {"patient","total_mme_per_day","complete","orders"} for d in L)'
json_check "order keys" 'all(set(o) == {"id","rxnorm","name","status","daily_dose","factor","mme_per_day","reason"} for d in L for o in d["orders"])'
json_check "fentanyl 75 mcg/h patch is 180 MME/day" '[o for o in by["ben-okafor"]["orders"] if o["id"]=="ben-fentanyl"][0]["mme_per_day"] == 180'
json_check "total sums counted orders (180 + 30)" 'by["ben-okafor"]["total_mme_per_day"] == 210 and by["ben-okafor"]["complete"]'
json_check "patch daily dose in mcg/h" '[o for o in by["ben-okafor"]["orders"] if o["id"]=="ben-fentanyl"][0]["daily_dose"] == {"value": 75, "unit": "mcg/h"}'
json_check "a completed order is not-active, not counted" '[o for o in by["ben-okafor"]["orders"] if o["id"]=="ben-fentanyl-prev"][0]["status"] == "not-active"'
json_check "no dose: status no-dosage and no number" '[o for o in by["eva-schmidt"]["orders"] if o["id"]=="eva-tramadol"][0]["status"] == "no-dosage" and [o for o in by["eva-schmidt"]["orders"] if o["id"]=="eva-tramadol"][0]["mme_per_day"] is None'
json_check "buprenorphine excluded" '[o for o in by["eva-schmidt"]["orders"] if o["id"]=="eva-bup"][0]["status"] == "excluded"'
json_check "nothing computable: total null, complete false" 'by["eva-schmidt"]["total_mme_per_day"] is None and by["eva-schmidt"]["complete"] is False'
json_check "patients in id order" '[d["patient"] for d in L] == sorted(d["patient"] for d in L)'

run "mme table" 0 "$BIN" mme --now $NOW "$DEMO"
expect_in "$T/out" "ben-okafor +total 210 MME/day" "table shows the patient total"
run "one thread gives the same output" 0 "$BIN" mme --format json --threads 1 --now $NOW "$DEMO"
cp "$T/out" "$T/one"
"$BIN" mme --format json --threads 2 --now $NOW "$DEMO" >"$T/two"
if cmp -s "$T/one" "$T/two"; then ok "threads do not change the output"; else bad "threads do not change the output"; fi

# --- the 2016 table is a named alternative --------------------------------------------
cat >"$T/hm.json" <<'J'
{"resourceType": "Bundle", "type": "collection", "entry": [
 {"resource": {"resourceType": "Patient", "id": "p1", "birthDate": "1970-01-01"}},
 {"resource": {"resourceType": "MedicationRequest", "id": "m1", "status": "active",
  "intent": "order", "subject": {"reference": "Patient/p1"},
  "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
    "code": "897696", "display": "hydromorphone hydrochloride 2 MG Oral Tablet"}]},
  "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 6, "periodUnit": "h"}},
    "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}]}}]}
J
echo '{"mme_table": "cdc2016"}' >"$T/p2016.json"
run "hydromorphone, 2022 table" 0 "$BIN" mme --format json --now $NOW "$T/hm.json"
json_check "2022: 8 mg x 5 = 40" 'by["p1"]["total_mme_per_day"] == 40'
run "hydromorphone, 2016 table" 0 "$BIN" mme --format json --policy "$T/p2016.json" --now $NOW "$T/hm.json"
json_check "2016: 8 mg x 4 = 32" 'by["p1"]["total_mme_per_day"] == 32'

# --- bad input: exit 2, a precise message, nothing on stdout -----------------------------
printf '{"resourceType": "Bundle",\n "entry": [}\n' >"$T/broken.json"
run "malformed JSON" 2 "$BIN" mme "$T/broken.json"
expect_in "$T/err" "broken.json:2:[0-9]+" "names file:line:column"
expect_in "$T/err" "expected" "says what was expected"
expect_empty "$T/out" "prints no partial result"

echo '{"hello": "world"}' >"$T/notfhir.json"
run "JSON that is not FHIR" 2 "$BIN" mme "$T/notfhir.json"
expect_in "$T/err" "resourceType" "names the missing resourceType"

cat >"$T/wrongtype.json" <<'J'
{"resourceType": "Bundle", "type": "collection", "entry": [
 {"resource": {"resourceType": "MedicationRequest", "id": "m1", "status": 5,
  "subject": {"reference": "Patient/p1"}}}]}
J
run "a field of the wrong type" 2 "$BIN" mme "$T/wrongtype.json"
expect_in "$T/err" "entry\[0\]\.resource\.status" "names the JSON path"

mkdir -p "$T/mixed"
cp "$DEMO" "$T/mixed/a.json"
cp "$T/broken.json" "$T/mixed/b.json"
run "a directory with one bad file" 2 "$BIN" mme --format json "$T/mixed"
expect_empty "$T/out" "no partial output from the good file"

run "missing file" 2 "$BIN" mme "$T/does-not-exist.json"
run "no input" 2 "$BIN" mme
run "bad --now" 2 "$BIN" mme --now 2026-13-01 "$DEMO"
expect_in "$T/err" "--now" "names the option"
run "bad --format" 2 "$BIN" mme --format xml "$DEMO"
run "unknown option" 2 "$BIN" mme --frobnicate "$DEMO"
run "unknown command" 2 "$BIN" frobnicate

echo '{"mme_caution": 50, "no_such_key": 1}' >"$T/badkey.json"
run "unknown policy key" 2 "$BIN" mme --policy "$T/badkey.json" "$DEMO"
expect_in "$T/err" "no_such_key" "names the unknown key"
echo '{"mme_caution": "fifty"}' >"$T/badval.json"
run "policy value of the wrong type" 2 "$BIN" mme --policy "$T/badval.json" "$DEMO"
expect_in "$T/err" "mme_caution" "names the key with the bad value"

# --- painpath policy ------------------------------------------------------------------
run "policy table" 0 "$BIN" policy
expect_in "$T/out" "CLINICAL-FACTS" "every key cites its source"
run "policy json" 0 "$BIN" policy --format json --policy "$T/p2016.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["mme_table"]=="cdc2016" and d["mme_caution"]==50 else 1)' "$T/out" \
    && ok "policy json reflects the override" || bad "policy json reflects the override"

# --- painpath check ----------------------------------------------------------------------
run "check finds a critical (lost-prescription replacement)" 1 "$BIN" check --format json --now $NOW "$DEMO"
json_check "replacement refused" 'any(f["rule"]=="PRACTICE-NO-REPLACEMENT" and f["severity"]=="critical" for f in by["carla-nguyen"]["findings"])'
json_check "every finding explains itself" 'all(f["rule"] and f["summary"] and len(f["summary"]) <= 140 and f["source"] for d in L for f in d["findings"])'

# --- painpath cds ------------------------------------------------------------------------
run "cds discovery" 0 "$BIN" cds --list
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ids={s["id"] for s in d["services"]}; sys.exit(0 if {"opioid-order-select","opioid-order-sign","opioid-patient-view"} <= ids else 1)' "$T/out" \
    && ok "discovery lists the three opioid services" || bad "discovery lists the three opioid services"
printf '{"hook": "order-sign",\n "context": {' >"$T/req-broken.json"
run "cds with malformed JSON" 2 "$BIN" cds opioid-order-sign --now $NOW <"$T/req-broken.json"
expect_in "$T/err" "stdin.*:2:[0-9]+" "names <stdin>:line:column"
expect_empty "$T/out" "cds prints nothing on bad input"
run "cds order-sign on the example request" 0 "$BIN" cds opioid-order-sign --now $NOW <"$SRC/examples/order-sign-request.json"
python3 - "$T/out" <<'PY' && ok "order-sign: 10-day acute course gets REC06 and PRACTICE-SHORT-COURSE with a 7-day update" || bad "order-sign cards"
import json, sys
cards = json.load(open(sys.argv[1]))["cards"]
by = {c["source"]["topic"]["code"]: c for c in cards}
assert all(c["source"]["topic"]["system"] == "urn:painpath:rule" for c in cards)
assert all(len(c["summary"]) <= 140 and c["indicator"] in ("info", "warning", "critical") for c in cards)
for rule in ("CDC22-REC06", "PRACTICE-SHORT-COURSE"):
    act = by[rule]["suggestions"][0]["actions"][0]
    assert act["type"] == "update"
    assert act["resource"]["dispenseRequest"]["expectedSupplyDuration"]["value"] == 7
assert "CDC22-REC01" in by and "PRACTICE-RISK-EDUCATION" in by
PY
echo '{"practice_short_course_max_days": 10, "cdc_acute_max_days": 10}' >"$T/p10.json"
run "order-sign with a 10-day policy" 0 "$BIN" cds opioid-order-sign --now $NOW --policy "$T/p10.json" <"$SRC/examples/order-sign-request.json"
python3 -c 'import json,sys; c=[x["source"]["topic"]["code"] for x in json.load(open(sys.argv[1]))["cards"]]; sys.exit(0 if "PRACTICE-SHORT-COURSE" not in c and "CDC22-REC06" not in c else 1)' "$T/out" \
    && ok "policy override silences the 7-day rules at 10 days" || bad "policy override silences the 7-day rules at 10 days"
run "cds unknown service" 2 "$BIN" cds no-such-service <"$T/req-broken.json"

echo "cli contract: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
