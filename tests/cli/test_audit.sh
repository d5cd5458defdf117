#!/usr/bin/env bash
# Command-line contract tests of `painpath audit verify` and `painpath audit list`: a server
# on a fresh database records the requests it answers (here refused ones, which need no
# account); verify passes (exit 0), then fails (exit 1, naming the record) on copies an
# attacker edited with sqlite3, on a deleted newest record and without the key. Reads a
# server journalled are imported by verify when it died, and by the server at SIGTERM.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
T=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"

for tool in curl sqlite3; do
    command -v "$tool" >/dev/null || { echo "test_audit: $tool not found"; exit 1; }
done

# (a database that does not exist is a usage error, not an empty trail)
run "verify: no such database" 2 "$BIN" audit verify --db "$T/none.db"
"$BIN" migrate --db "$T/empty.db" >/dev/null
run "verify: an empty trail" 0 "$BIN" audit verify --db "$T/empty.db"
expect_in "$T/out" "0 records, chain intact" "an empty chain is intact"
run "audit: no subcommand" 2 "$BIN" audit
run "audit: unknown subcommand" 2 "$BIN" audit frobnicate
run "audit list: bad format" 2 "$BIN" audit list --db "$T/empty.db" --format xml

# a server records four requests (refused: nobody is signed in)
"$BIN" serve --listen 127.0.0.1:0 --threads 2 --db "$T/a.db" >"$T/serve.out" 2>"$T/serve.err" &
pid=$!
base=""
for _ in $(seq 1 100); do
    base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$T/serve.out")
    [ -n "$base" ] && break
    sleep 0.1
done
[ -n "$base" ] || { echo "test_audit: the server did not start"; cat "$T/serve.err"; exit 1; }
base=${base%/}
curl -s -o /dev/null "$base/fhir/Patient/cli-p1"
curl -s -o /dev/null "$base/fhir/Observation?patient=cli-p1"
curl -s -o /dev/null "$base/fhir/Patient/cli-p2"
curl -s -o /dev/null "$base/healthz" # not audited
curl -s -o /dev/null "$base/fhir/Patient/cli-p1/_history"
kill -TERM "$pid"
wait "$pid"
pid=""

run "verify: a whole chain" 0 "$BIN" audit verify --db "$T/a.db"
expect_in "$T/out" "4 records, chain intact" "counts the records"
run "list" 0 "$BIN" audit list --db "$T/a.db"
expect_in "$T/out" "^SEQ +AT +AGENT" "a table header"
expect_in "$T/out" "read +Patient/cli-p1 +cli-p1 +denied" "the refused read, its patient and outcome"
expect_in "$T/out" "\(4 of 4 records\)" "every record listed"
run "list --patient" 0 "$BIN" audit list --db "$T/a.db" --patient cli-p2
expect_in "$T/out" "\(1 of 1 records\)" "one record of that patient"
run "list --agent (nobody)" 0 "$BIN" audit list --db "$T/a.db" --agent someone
expect_in "$T/out" "\(0 of 0 records\)" "no record of that agent"
run "list --format json" 0 "$BIN" audit list --db "$T/a.db" --format json --limit 2
expect_in "$T/out" '"total": 4' "json: the total"
expect_in "$T/out" '"seq": 4, "at": "[0-9]{4}-' "json: newest first"
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["records"]) == 2' "$T/out" 2>/dev/null; then
    ok "json: parses, two records (--limit)"
else
    bad "json: parses, two records (--limit)" "$(head -c 300 "$T/out")"
fi

# an attacker's copies: triggers dropped, then edited
copy() { # NAME SQL
    rm -f "$T/$1.db"
    sqlite3 "$T/a.db" "VACUUM INTO '$T/$1.db'"
    cp "$T/a.db.audit-key" "$T/$1.db.audit-key"
    sqlite3 "$T/$1.db" "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; $2" >/dev/null
}
if sqlite3 "$T/a.db" "UPDATE audit SET outcome = 'success' WHERE seq = 1" 2>/dev/null; then
    bad "the trail refuses an UPDATE"
else
    ok "the trail refuses an UPDATE"
fi
copy edit "UPDATE audit SET outcome = 'success' WHERE seq = 2"
run "verify: an edited record" 1 "$BIN" audit verify --db "$T/edit.db"
expect_in "$T/out" "BROKEN at record 2: .*hash" "names the edited record"
copy hole "DELETE FROM audit WHERE seq = 3"
run "verify: a deleted record" 1 "$BIN" audit verify --db "$T/hole.db"
expect_in "$T/out" "BROKEN at record 3: .*missing" "names the deleted record"
copy tail "DELETE FROM audit WHERE seq = 4"
run "verify: the newest deleted" 1 "$BIN" audit verify --db "$T/tail.db"
expect_in "$T/out" "BROKEN at record 4" "names the deleted newest record"
copy swap "UPDATE audit SET seq = -1 WHERE seq = 1; UPDATE audit SET seq = 1 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = -1"
run "verify: two records swapped" 1 "$BIN" audit verify --db "$T/swap.db"
expect_in "$T/out" "BROKEN at record 1" "names the first swapped record"
copy nokey "SELECT 1"
rm -f "$T/nokey.db.audit-key"
run "verify: the key missing" 1 "$BIN" audit verify --db "$T/nokey.db"
expect_in "$T/err" "audit key .* missing" "says the key is missing"
run "verify: the original is still whole" 0 "$BIN" audit verify --db "$T/a.db"

# the read-audit journal: lines a server wrote but did not import (it died) are imported by
# verify / list first, then removed
"$BIN" migrate --db "$T/j.db" >/dev/null
printf 'A1\t2026-11-27T09:00:00.000Z\t0\tbench\tintegration\t10.1.2.3\tread\tPatient\tjp1\tjp1\tsuccess\t\n' \
    >"$T/j.db.audit-journal.3"
run "verify: imports a journal left behind" 0 "$BIN" audit verify --db "$T/j.db"
expect_in "$T/out" "1 records, chain intact" "the journalled read is in the chain"
if [ -e "$T/j.db.audit-journal.3" ]; then bad "the imported journal file is removed"; else
    ok "the imported journal file is removed"; fi
run "list: the journalled read" 0 "$BIN" audit list --db "$T/j.db" --patient jp1 --format json
expect_in "$T/out" '"client": "10.1.2.3"' "with its fields"

# SIGTERM: reads answered just before it are in the chain once the server has exited
"$BIN" migrate --db "$T/t.db" >/dev/null
tok=$("$BIN" token create --name t --role integration --scope '*' --db "$T/t.db" 2>/dev/null)
"$BIN" serve --listen 127.0.0.1:0 --threads 2 --db "$T/t.db" >"$T/serve2.out" 2>"$T/serve2.err" &
pid=$!
base=""
for _ in $(seq 1 100); do
    base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$T/serve2.out")
    [ -n "$base" ] && break
    sleep 0.1
done
base=${base%/}
n=0
for i in $(seq 1 25); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
        "$base/fhir/Patient?identifier=sigterm-$i")
    [ "$code" = 200 ] && n=$((n + 1))
done
kill -TERM "$pid"
wait "$pid" 2>/dev/null
pid=""
if [ "$n" -eq 25 ]; then ok "25 searches answered"; else bad "25 searches answered" "only $n"; fi
run "verify after SIGTERM" 0 "$BIN" audit verify --db "$T/t.db"
"$BIN" audit list --db "$T/t.db" --format json >"$T/list" 2>&1
got=$(grep -c '"action": "search"' "$T/list")
if [ "$got" -eq 25 ]; then ok "every search before SIGTERM recorded"; else
    bad "every search before SIGTERM recorded" "$got of 25"; fi
if ls "$T"/t.db.audit-journal.[0-9]* >/dev/null 2>&1; then bad "no journal left after SIGTERM"; else
    ok "no journal left after SIGTERM"; fi

echo "test_audit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
