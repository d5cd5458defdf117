#!/usr/bin/env bash
# Command-line contract of `painpath cds` for pain-summary, procedure-order-sign and
# imaging-order-select: the services are listed with their prefetch templates; each
# fixture of tests/fixtures/cds gives its cards (exit 0: cards are not a failure); a
# declared prefetch key that is absent is read as no data (the CLI has no store); a wrong
# hook or an unreadable draft order exits 2 naming the field with nothing on stdout.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
SRC=${PP_SOURCE_DIR:?PP_SOURCE_DIR must name the source tree}
FIX=$SRC/tests/fixtures/cds
NOW=2026-11-27
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
py() { # py NAME PYTHON-ASSERTIONS over d = json.load(out)
    if python3 -c "import json,sys; d=json.load(open('$T/out')); t=[c['indicator']+' '+c['source']['topic']['code'] for c in d.get('cards', [])]; $2" 2>"$T/pyerr"; then ok "$1"; else
        bad "$1" "$(tail -1 "$T/pyerr")"; fi
}

run "cds --list" 0 "$BIN" cds --list
py "six services, the new ones with their hooks and prefetch" 's={x["id"]: x for x in d["services"]}; assert len(s) == 6; assert s["pain-summary"]["hook"] == "patient-view" and s["procedure-order-sign"]["hook"] == "order-sign" and s["imaging-order-select"]["hook"] == "order-select"; assert sorted(s["imaging-order-select"]["prefetch"]) == ["conditions", "patient", "questionnaireResponses"]; assert "allergies" in s["procedure-order-sign"]["prefetch"]'
run "cds --help names the services" 0 "$BIN" cds --help
expect_in "$T/out" "imaging-order-select +order-select" "usage lists imaging-order-select"

run "pain-summary" 0 "$BIN" cds pain-summary --now $NOW <"$FIX/pain-summary.json"
py "pain-summary: flags first, then the four AHRQ sections" 'assert t == ["warning SUMMARY-RISK-FACTOR", "warning SUMMARY-HIGH-MME", "info SUMMARY-CONDITIONS", "info SUMMARY-ASSESSMENTS", "info SUMMARY-TREATMENTS", "info SUMMARY-RISK-CONSIDERATIONS"]; assert "Numeric pain intensity assessments** (2)" in d["cards"][3]["detail"]'
cp "$T/out" "$T/first.json"
run "pain-summary again" 0 "$BIN" cds pain-summary --now $NOW <"$FIX/pain-summary.json"
if cmp -s "$T/out" "$T/first.json"; then ok "the same request gives the same cards (uuids included)"; else bad "cards differ between runs"; fi

run "procedure-order-sign" 0 "$BIN" cds procedure-order-sign --now $NOW <"$FIX/procedure-order-sign.json"
py "one card per catalogue order: SI RFA critical, lumbar RFA warning, ESI info" 'assert t == ["critical COV-NOT-ELIGIBLE", "warning COV-NOT-ELIGIBLE", "info COV-ELIGIBLE"]; assert "**COV-SIJ-RFA**" in d["cards"][0]["detail"]'
run "procedure-order-sign, eligible later" 0 "$BIN" cds procedure-order-sign --now $NOW <"$FIX/procedure-eligible-later.json"
py "the date eligibility starts" 'assert t == ["warning COV-ELIGIBLE-LATER"]; assert "eligible from 2026-12-08" in d["cards"][0]["summary"]'

run "imaging-order-select" 0 "$BIN" cds imaging-order-select --now $NOW <"$FIX/imaging-order-select.json"
py "the selected MRI is appropriate, the X-ray is the wrong study, the CT is not selected" 'assert t == ["warning IMG-MODALITY-MISMATCH", "info IMG-V3-CANDIDATE", "info IMG-V3-CANDIDATE"]; assert not any("cds-img-1-ct" in c["detail"] for c in d["cards"])'
run "imaging-order-select, red flag" 0 "$BIN" cds imaging-order-select --now $NOW <"$FIX/imaging-red-flag.json"
py "cauda equina is critical" 'assert t == ["critical IMG-V4-CAUDA-EQUINA"]'
run "imaging 10 weeks earlier" 0 "$BIN" cds imaging-order-select --now 2026-09-18 <"$FIX/imaging-order-select.json"
py "before 6 weeks of conservative care: too early" 'assert "warning IMG-TOO-EARLY" in t'

# the CLI has no store: absent prefetch keys read as no data (exit 0, no message)
python3 - "$FIX/imaging-order-select.json" "$T/bare.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); del d["prefetch"]; json.dump(d, open(sys.argv[2], "w"))
PY
run "imaging without prefetch" 0 "$BIN" cds imaging-order-select --now $NOW <"$T/bare.json"
py "nothing dates the pain" 'assert t == ["warning IMG-ONSET-UNKNOWN", "warning IMG-ONSET-UNKNOWN"]'
expect_empty "$T/err" "absent prefetch keys print nothing on stderr"

run "a request for another hook" 2 "$BIN" cds pain-summary --now $NOW <"$FIX/imaging-order-select.json"
expect_empty "$T/out" "nothing on stdout for a wrong hook"
expect_in "$T/err" "<stdin>: hook" "the hook is named"
python3 - "$FIX/procedure-order-sign.json" "$T/badlevel.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["context"]["draftOrders"]["entry"][0]["resource"]["occurrenceDateTime"] = "soon"
json.dump(d, open(sys.argv[2], "w"))
PY
run "an unreadable draft order" 2 "$BIN" cds procedure-order-sign --now $NOW <"$T/badlevel.json"
expect_in "$T/err" "ServiceRequest/cds-proc-1-esi.occurrenceDateTime" "the order's field is named"
expect_empty "$T/out" "nothing on stdout for a bad order"

echo "cds contract: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
