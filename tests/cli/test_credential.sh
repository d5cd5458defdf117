#!/usr/bin/env bash
# Command-line contract of `painpath credential`: the example round-trips; not qualified or
# not privileged exits 1; bad input exits 2 naming the field; the JSON output has the shape
# docs/cli-credential.md documents.
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

# --- credential --------------------------------------------------------------------------
"$BIN" credential --example >"$T/cred.json"
run "credential example: qualified" 0 "$BIN" credential --now $NOW --format json "$T/cred.json"
py "credential JSON shape" 'assert d["qualified"] is True and d["board"] == "ABA"; assert d["may_perform"] is None; assert any(f["rule"] == "CRED-BOARD-NON-ABMS" for f in d["findings"]); assert all(f["source"] for f in d["findings"])'
run "credential: privileged procedure" 0 "$BIN" credential --now $NOW --procedure esi-tf-lumbar "$T/cred.json"
expect_in "$T/out" "may perform +esi-tf-lumbar: yes" "table says may perform"
run "credential: procedure without privilege" 1 "$BIN" credential --now $NOW --format json --procedure stellate-ganglion-block "$T/cred.json"
py "may_perform false" 'assert d["may_perform"] is False and d["qualified"] is True'
run "credential: unknown procedure" 2 "$BIN" credential --now $NOW --procedure nosuch "$T/cred.json"
expect_in "$T/err" "--procedure" "names --procedure"
run "credential: certificates lapse (2030)" 1 "$BIN" credential --now 2030-01-01 --format json "$T/cred.json"
py "expired findings in 2030" 'assert d["qualified"] is False; assert any(f["rule"] == "CRED-CERT-EXPIRED" for f in d["findings"])'
run "credential from stdin" 0 "$BIN" credential --now $NOW - <"$T/cred.json"
echo '{"qualifications": [{"kind": "board", "issuer": "ABA", "end": "soon"}]}' >"$T/cred-bad.json"
run "credential: bad date" 2 "$BIN" credential --now $NOW "$T/cred-bad.json"
expect_in "$T/err" "qualifications\[0\]\.end" "names the field"
cat >"$T/prac.json" <<'JSON'
{"resourceType": "Practitioner", "id": "dr-k", "qualification": [
 {"code": {"coding": [{"system": "urn:painpath:qualification-kind", "code": "board"}]},
  "issuer": {"display": "ABPM"}}]}
JSON
run "credential: FHIR Practitioner with a non-ABMS board" 1 "$BIN" credential --now $NOW --format json "$T/prac.json"
py "ABPM not counted" 'assert d["practitioner"] == "dr-k"; assert any(f["rule"] == "CRED-BOARD-NON-ABMS" for f in d["findings"])'
echo '{"cred_fellowship_min_months": 13}' >"$T/pol.json"
run "credential: policy raises the fellowship months" 1 "$BIN" credential --now $NOW --policy "$T/pol.json" "$T/cred.json"
expect_in "$T/out" "CRED-FELLOWSHIP-SHORT" "12 months < 13"

echo "credential cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
