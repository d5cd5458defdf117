#!/usr/bin/env bash
# scripts/gen-docs.sh PAINPATH [FILE] — refresh the generated tables of
# docs/CLINICAL-RULES.md (between the BEGIN/END markers) from the binary's own
# rule and policy tables, so the document cannot drift from the code.
# With FILE, writes the result there instead of in place (used by the docs test).
set -euo pipefail
bin=${1:?usage: gen-docs.sh PAINPATH [OUT]}
root=$(cd "$(dirname "$0")/.." && pwd)
doc="$root/docs/CLINICAL-RULES.md"
out=${2:-$doc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" rules --format markdown >"$tmp/rules"
"$bin" policy --format markdown >"$tmp/policy"
awk -v rules="$tmp/rules" -v policy="$tmp/policy" '
    /<!-- BEGIN generated: rules -->/  { print; while ((getline l < rules) > 0) print l; skip = 1; next }
    /<!-- BEGIN generated: policy -->/ { print; while ((getline l < policy) > 0) print l; skip = 1; next }
    /<!-- END generated -->/           { skip = 0 }
    !skip                              { print }
' "$doc" >"$tmp/doc"
mv "$tmp/doc" "$out"
