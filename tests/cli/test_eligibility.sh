#!/usr/bin/env bash
# Command-line contract tests of `painpath eligibility`: the example is eligible; time-only
# obstacles give the date (exit 1); a payer table replaces the default; bad input and an
# unknown criterion kind exit 2 naming the field; JSON output has the documented shape.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
NOW=2026-12-01
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
py() { # py NAME PYTHON-ASSERTIONS over d = json.load(out)
    if python3 -c "import json,sys; d=json.load(open('$T/out')); $2" 2>"$T/pyerr"; then ok "$1"; else
        bad "$1" "$(tail -1 "$T/pyerr")"; fi
}
edit() { # edit IN OUT PYTHON-STATEMENTS over d
    python3 -c "import json,sys; d=json.load(open('$1')); $3; json.dump(d, open('$2','w'))"
}

"$BIN" eligibility --example >"$T/ex.json"
run "example is eligible" 0 "$BIN" eligibility esi-tf-lumbar --now $NOW --format json "$T/ex.json"
py "JSON shape" 'assert d["verdict"] == "eligible" and d["eligible"] is True; assert d["region"] == "lumbosacral"; assert all(c["rule"].startswith("COV-ESI") and c["status"] in ("met","not-applicable") and c["source"] for c in d["criteria"]); assert d["findings"] == []'
run "example from stdin, table" 0 "$BIN" eligibility esi-tf-lumbar --now $NOW - <"$T/ex.json"
expect_in "$T/out" "COV-ESI-SESSIONS" "table lists each criterion"

edit "$T/ex.json" "$T/young.json" 'd["history"]["pain_onset"] = "2026-11-20"; d["history"]["prior_procedures"] = []'
run "pain 11 days: eligible later" 1 "$BIN" eligibility esi-tf-lumbar --now $NOW --format json "$T/young.json"
py "eligible on onset + 28 days, rule named" 'assert d["verdict"] == "eligible-later" and d["eligible_on"] == "2026-12-18"; assert [f["rule"] for f in d["findings"]] == ["COV-ESI-PAIN-DURATION"]'

edit "$T/ex.json" "$T/us.json" 'd["procedure"]["guidance"] = "ultrasound"'
run "ultrasound ESI: not eligible" 1 "$BIN" eligibility esi-tf-lumbar --now $NOW --format json "$T/us.json"
py "names the guidance rule" 'assert d["verdict"] == "not-eligible"; assert any(f["rule"] == "COV-ESI-GUIDANCE" for f in d["findings"])'

cat >"$T/payer.json" <<'JSON'
[{"id": "PAYER-ESI-DURATION", "family": "esi", "kind": "pain-duration-days",
  "keys": ["cov_esi_pain_days"], "herpes_zoster_exempt": true, "source": "Payer X policy 7"}]
JSON
echo '{"cov_esi_pain_days": 42}' >"$T/policy.json"
run "payer table + policy: 6 weeks" 1 "$BIN" eligibility esi-tf-lumbar --now $NOW --format json --criteria "$T/payer.json" --policy "$T/policy.json" "$T/young.json"
py "only the payer row, its date" 'assert [c["rule"] for c in d["criteria"]] == ["PAYER-ESI-DURATION"]; assert d["eligible_on"] == "2027-01-01"'

echo '[{"id": "X", "family": "esi", "kind": "moon-phase"}]' >"$T/badkind.json"
run "unknown criterion kind" 2 "$BIN" eligibility esi-tf-lumbar --now $NOW --criteria "$T/badkind.json" "$T/ex.json"
expect_in "$T/err" "moon-phase" "names the kind"

edit "$T/ex.json" "$T/badlevel.json" 'd["procedure"]["levels"] = ["C5"]'
run "level outside the procedure" 2 "$BIN" eligibility esi-tf-lumbar --now $NOW "$T/badlevel.json"
expect_in "$T/err" "procedure.levels\[0\]" "names the field"
edit "$T/ex.json" "$T/badbool.json" 'd["history"]["herpes_zoster"] = "yes"'
run "not a boolean" 2 "$BIN" eligibility esi-tf-lumbar --now $NOW "$T/badbool.json"
expect_in "$T/err" "history.herpes_zoster: expected true or false" "names the field"
edit "$T/ex.json" "$T/badprior.json" 'd["history"]["prior_procedures"][0]["id"] = "nosuch"'
run "unknown prior procedure" 2 "$BIN" eligibility esi-tf-lumbar --now $NOW "$T/badprior.json"
expect_in "$T/err" "prior_procedures\[0\].id" "names the field"
run "unknown procedure id" 2 "$BIN" eligibility nosuch --now $NOW "$T/ex.json"
run "no procedure id" 2 "$BIN" eligibility
run "trigger points: no criteria" 1 "$BIN" eligibility trigger-point --now $NOW --format json "$T/young.json"
py "no-criteria verdict" 'assert d["verdict"] == "no-criteria" and d["criteria"] == []'

echo "eligibility cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
