#!/usr/bin/env bash
# Command-line contract of `painpath user`, `painpath token` and the demo logins: accounts
# are added, listed, re-passworded, disabled (their sessions end), enabled and unlocked;
# bad input exits 2 naming the field; a password is never taken from argv; the database holds
# an $argon2id$ hash and never the password; a token is printed once, stored as its SHA-256
# only, listed and revoked; `painpath demo` makes one login per role linked to the clinic.
set -uo pipefail
BIN=${PP_BIN:?PP_BIN must name the painpath binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
. "$(dirname "$0")/lib.sh"
DB=$T/a.db
# the cheapest Argon2id cost, so that the many hashes below are quick (one add keeps the default)
printf '{"pwhash_ops": 1, "pwhash_mem_kib": 8}\n' >"$T/cheap.json"
CHEAP=(--security "$T/cheap.json")
PW1='Correct-Horse-7391'
PW2='Battery-Staple-5512'

# expect_rc NAME WANT_EXIT FIELD CMD...: the exit code, and stderr names FIELD ("FIELD:")
expect_field() {
    local name=$1 want=$2 field=$3
    shift 3
    run "$name" "$want" "$@"
    expect_in "$T/err" "(^|: )$field: " "$name names '$field'"
}

# ---- user add --------------------------------------------------------------------------------
printf '%s\n' "$PW1" >"$T/pw1"
run "add physician (default cost)" 0 "$BIN" user add dr.rivera --role physician \
    --practitioner demo-dr-rivera --password-stdin --db "$DB" <"$T/pw1"
expect_in "$T/out" 'user dr.rivera added \(id 1, role physician, Practitioner/demo-dr-rivera\)' \
    "add says what it made"
expect_in "$T/err" 'no Practitioner/demo-dr-rivera' "a link to an absent resource is noted"
run "add nurse" 0 "$BIN" user add nurse1 --role nurse "${CHEAP[@]}" --password-stdin --db "$DB" <"$T/pw1"
run "add patient" 0 "$BIN" user add pat1 --role patient --patient pt-1 "${CHEAP[@]}" \
    --password-stdin --db "$DB" <"$T/pw1"
printf '%s\r\n' "$PW2" | run "add front desk (CRLF line)" 0 "$BIN" user add desk --role front-desk \
    "${CHEAP[@]}" --password-stdin --db "$DB"

hash=$(sqlite3 "$DB" "SELECT password_hash FROM users WHERE username = 'dr.rivera'")
if [[ $hash == '$argon2id$v=19$m=65536,t=2,p=1$'* ]]; then ok "stored hash is Argon2id at the default cost"; else
    bad "stored hash is Argon2id at the default cost" "$hash"; fi
hash=$(sqlite3 "$DB" "SELECT password_hash FROM users WHERE username = 'nurse1'")
if [[ $hash == '$argon2id$v=19$m=8,t=1,p=1$'* ]]; then ok "--security sets the cost"; else
    bad "--security sets the cost" "$hash"; fi
if grep -q 'desk' <(sqlite3 "$DB" "SELECT username FROM users WHERE password_hash LIKE '%'||char(13)||'%'"); then
    bad "CR of a CRLF line is not part of the password"; else ok "CR of a CRLF line is not part of the password"; fi

# ---- bad input: exit 2, naming the field -----------------------------------------------------
expect_field "unknown role" 2 role "$BIN" user add x1 --role surgeon --password-stdin --db "$DB" <"$T/pw1"
expect_field "integration is not an account" 2 role "$BIN" user add x1 --role integration \
    --password-stdin --db "$DB" <"$T/pw1"
expect_field "malformed username" 2 username "$BIN" user add 'bad name' --role nurse --password-stdin \
    --db "$DB" <"$T/pw1"
expect_field "duplicate username" 2 username "$BIN" user add nurse1 --role nurse --password-stdin \
    --db "$DB" <"$T/pw1"
expect_in "$T/err" "taken" "duplicate says taken"
expect_field "patient role without --patient" 2 patient "$BIN" user add x2 --role patient \
    --password-stdin --db "$DB" <"$T/pw1"
expect_field "--patient for a nurse" 2 patient "$BIN" user add x2 --role nurse --patient pt-1 \
    --password-stdin --db "$DB" <"$T/pw1"
expect_field "empty password" 2 password "$BIN" user add x3 --role nurse --password-stdin --db "$DB" </dev/null
printf '\n' | expect_field "empty line password" 2 password "$BIN" user add x3 --role nurse \
    --password-stdin --db "$DB"
printf 'short7!\n' | expect_field "7-character password" 2 password "$BIN" user add x3 --role nurse \
    --password-stdin --db "$DB"
expect_in "$T/err" "shorter than 8" "short password says the rule"
expect_field "no tty and no --password-stdin" 2 password "$BIN" user add x4 --role nurse --db "$DB" </dev/null
run "password on argv refused" 2 "$BIN" user add x5 --role nurse --password "$PW1" --db "$DB"
expect_in "$T/err" "never taken from the command line" "argv password: says why"
run "--role missing" 2 "$BIN" user add x6 --password-stdin --db "$DB" <"$T/pw1"
run "unknown verb" 2 "$BIN" user frobnicate x --db "$DB"
n=$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE username LIKE 'x%'")
if [[ $n == 0 ]]; then ok "refused adds wrote nothing"; else bad "refused adds wrote nothing" "$n rows"; fi

# ---- list never shows a hash or a password ---------------------------------------------------
run "list" 0 "$BIN" user list --db "$DB"
expect_in "$T/out" '^1 +dr\.rivera +physician +Practitioner/demo-dr-rivera +active' "list: physician row"
expect_in "$T/out" 'pat1 +patient +Patient/pt-1 +active' "list: patient row"
cp "$T/out" "$T/list.txt"
run "list json" 0 "$BIN" user list --format json --db "$DB"
cat "$T/out" >>"$T/list.txt"
if python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); assert len(a)==4 and a[0]["username"]=="desk" and a[2]["patient"] is None and a[3]["patient"]=="pt-1"' "$T/out"; then
    ok "list json: 4 users by name, links"; else bad "list json: 4 users by name, links"; fi
if grep -qE 'argon2|password_hash' "$T/list.txt" || grep -qF -e "$PW1" -e "$PW2" "$T/list.txt"; then
    bad "list shows no hash and no password"; else ok "list shows no hash and no password"; fi

# ---- passwd / disable / enable / unlock ------------------------------------------------------
old=$(sqlite3 "$DB" "SELECT password_hash FROM users WHERE username = 'nurse1'")
uid=$(sqlite3 "$DB" "SELECT id FROM users WHERE username = 'nurse1'")
add_session() { # USER_ID TAG
    sqlite3 "$DB" "INSERT INTO sessions (token_hash, user_id, created, last_seen, expires, csrf_hash)
        VALUES ('$2', $1, '2026-11-27T10:00:00.000Z', '2026-11-27T10:00:00.000Z',
                '2026-11-27T22:00:00.000Z', 'c')"
}
add_session "$uid" s1
add_session "$(sqlite3 "$DB" "SELECT id FROM users WHERE username = 'desk'")" s2
run "passwd" 0 "$BIN" user passwd nurse1 "${CHEAP[@]}" --password-stdin --db "$DB" <<<"$PW2"
expect_in "$T/out" '1 session ended' "passwd ends the sessions"
new=$(sqlite3 "$DB" "SELECT password_hash FROM users WHERE username = 'nurse1'")
if [[ -n $new && $new != "$old" && $new == '$argon2id$'* ]]; then ok "passwd stored a new hash"; else
    bad "passwd stored a new hash"; fi
printf 'tiny\n' | expect_field "passwd: short password" 2 password "$BIN" user passwd nurse1 \
    --password-stdin --db "$DB"
expect_field "passwd: unknown user" 2 username "$BIN" user passwd nobody --password-stdin --db "$DB" <"$T/pw1"
add_session "$uid" s3
run "disable" 0 "$BIN" user disable nurse1 --db "$DB"
n=$(sqlite3 "$DB" "SELECT count(*) FROM sessions WHERE user_id = $uid")
if [[ $n == 0 ]]; then ok "disable ends the user's sessions"; else bad "disable ends the user's sessions" "$n left"; fi
n=$(sqlite3 "$DB" "SELECT count(*) FROM sessions WHERE token_hash = 's2'")
if [[ $n == 1 ]]; then ok "another user's session stays"; else bad "another user's session stays"; fi
run "list after disable" 0 "$BIN" user list --db "$DB"
expect_in "$T/out" 'nurse1 +nurse +- +disabled' "list shows disabled"
run "enable" 0 "$BIN" user enable nurse1 --db "$DB"
run "list after enable" 0 "$BIN" user list --db "$DB"
expect_in "$T/out" 'nurse1 +nurse +- +active' "list shows active again"
sqlite3 "$DB" "UPDATE users SET failed_logins = 5, locked_until = '2999-01-01T00:00:00.000Z' WHERE id = $uid"
run "list while locked" 0 "$BIN" user list --db "$DB"
expect_in "$T/out" 'nurse1 .*locked until 2999-01-01' "list shows the lock"
run "unlock" 0 "$BIN" user unlock nurse1 --db "$DB"
n=$(sqlite3 "$DB" "SELECT failed_logins || '|' || ifnull(locked_until, '') FROM users WHERE id = $uid")
if [[ $n == '0|' ]]; then ok "unlock clears the lock"; else bad "unlock clears the lock" "$n"; fi
expect_field "disable: unknown user" 2 username "$BIN" user disable nobody --db "$DB"

# ---- the typed password: at a terminal, twice, without echo ----------------------------------
cat >"$T/typed_pw.py" <<'EOF'
import os, pty, signal, sys, time
bin_, db, cheap, pw, again = sys.argv[1:6]
signal.alarm(60)  # never hang the suite
pid, fd = pty.fork()
if pid == 0:
    os.execv(bin_, [bin_, "user", "add", "typed", "--role", "admin", "--security", cheap, "--db", db])
out = b""
def read_until(marker, limit=10.0):
    global out
    end = time.time() + limit
    while marker not in out and time.time() < end:
        try:
            out += os.read(fd, 1024)
        except OSError:
            break
read_until(b"password for typed:")
os.write(fd, (pw + "\n").encode())
read_until(b"again:")
os.write(fd, (again + "\n").encode())
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
EOF
run "typed passwords that differ" 2 python3 "$T/typed_pw.py" "$BIN" "$DB" "$T/cheap.json" "$PW1" "$PW2"
expect_in "$T/out" "differ" "mismatch is refused"
run "typed password" 0 python3 "$T/typed_pw.py" "$BIN" "$DB" "$T/cheap.json" "$PW1" "$PW1"
expect_in "$T/out" "user typed added" "typed: added"
if grep -qF -- "$PW1" "$T/out"; then bad "typed password is not echoed"; else ok "typed password is not echoed"; fi

# ---- the password is nowhere in the database files -------------------------------------------
if cat "$DB"* | grep -qaF -e "$PW1" -e "$PW2"; then bad "no password in the database"; else
    ok "no password in the database"; fi

# ---- tokens ----------------------------------------------------------------------------------
run "token create" 0 "$BIN" token create --name "EHR bridge" --scope "cds fhir:read" --db "$DB"
tok=$(cat "$T/out")
if [[ $tok =~ ^[A-Za-z0-9_-]{43}$ ]]; then ok "token: 43 base64url characters alone on stdout"; else
    bad "token: 43 base64url characters alone on stdout" "$tok"; fi
expect_in "$T/err" "shown only now" "token create says it is shown once"
sha=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
stored=$(sqlite3 "$DB" "SELECT token_hash FROM tokens WHERE name = 'EHR bridge'")
if [[ $stored == "$sha" ]]; then ok "the stored token is its SHA-256"; else bad "the stored token is its SHA-256" "$stored"; fi
if cat "$DB"* | grep -qaF -- "$tok"; then bad "the token is nowhere in the database"; else
    ok "the token is nowhere in the database"; fi
run "token create json, expiring" 0 "$BIN" token create --name exp30 --scope '*' --expires-days 30 \
    --format json --db "$DB"
if python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert len(o["token"])==43 and o["role"]=="integration" and o["expires"].endswith("Z")' "$T/out"; then
    ok "token create json"; else bad "token create json" "$(cat "$T/out")"; fi
tok2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$T/out")
run "personal token" 0 "$BIN" token create --name "pat phone" --user pat1 --scope fhir:read --db "$DB"
expect_field "token: unknown scope item" 2 scope "$BIN" token create --name x --scope 'cds bogus' --db "$DB"
expect_in "$T/err" "'bogus'" "scope error names the item"
expect_field "token: bad name" 2 name "$BIN" token create --name ' x' --scope cds --db "$DB"
expect_field "token: unknown role" 2 role "$BIN" token create --name x --role boss --scope cds --db "$DB"
expect_field "token: role not the user's" 2 role "$BIN" token create --name x --user pat1 --role admin \
    --scope cds --db "$DB"
expect_field "token: patient token without user" 2 user "$BIN" token create --name x --role patient \
    --scope fhir:read --db "$DB"
expect_field "token: unknown user" 2 user "$BIN" token create --name x --user nobody --scope cds --db "$DB"
expect_field "token: expires-days 0" 2 expires-days "$BIN" token create --name x --scope cds \
    --expires-days 0 --db "$DB"
run "token: --name missing" 2 "$BIN" token create --scope cds --db "$DB"
n=$(sqlite3 "$DB" "SELECT count(*) FROM tokens")
if [[ $n == 3 ]]; then ok "refused creates wrote nothing"; else bad "refused creates wrote nothing" "$n tokens"; fi

run "token list" 0 "$BIN" token list --db "$DB"
expect_in "$T/out" '^1 +EHR bridge +integration +- +active +never +cds fhir:read$' "list: integration token"
expect_in "$T/out" '^3 +pat phone +patient +pat1 +active' "list: personal token"
run "token revoke" 0 "$BIN" token revoke 1 --db "$DB"
run "token revoke again" 0 "$BIN" token revoke 1 --db "$DB"
expect_field "token revoke unknown" 2 id "$BIN" token revoke 99 --db "$DB"
expect_field "token revoke not a number" 2 id "$BIN" token revoke abc --db "$DB"
run "user disable pat1" 0 "$BIN" user disable pat1 --db "$DB"
run "token list json" 0 "$BIN" token list --format json --db "$DB"
if python3 -c '
import json,sys
a = {t["id"]: t for t in json.load(open(sys.argv[1]))}
assert a[1]["status"] == "revoked" and a[2]["status"] == "active" and a[3]["status"] == "user disabled"
assert a[3]["user"] == "pat1" and a[1]["user"] is None
assert all("token" not in t and "token_hash" not in t for t in a.values())' "$T/out"; then
    ok "token list json: revoked, active, user disabled; no secrets"; else bad "token list json" "$(cat "$T/out")"; fi
if grep -qF -e "$tok" -e "$tok2" -e "$sha" "$T/out"; then bad "token list shows no token or hash"; else
    ok "token list shows no token or hash"; fi
sqlite3 "$DB" "UPDATE tokens SET expires = '2020-01-01T00:00:00.000Z' WHERE id = 2"
run "token list (expired)" 0 "$BIN" token list --db "$DB"
expect_in "$T/out" '^2 +exp30 +integration +- +expired' "list shows expired"

# ---- demo logins -----------------------------------------------------------------------------
D=$T/demo.db
run "demo" 0 "$BIN" demo --db "$D" --patients 12 --now 2026-11-27
expect_in "$T/out" 'physician +demo-physician +demo-physician-pass +Practitioner/demo-dr-rivera' "demo: physician login"
expect_in "$T/out" 'nurse +demo-nurse +demo-nurse-pass +Practitioner/demo-rn-' "demo: nurse login"
expect_in "$T/out" 'front-desk +demo-frontdesk +demo-frontdesk-pass +-' "demo: front desk login"
expect_in "$T/out" 'admin +demo-admin +demo-admin-pass +-' "demo: admin login"
expect_in "$T/out" 'patient +demo-patient +demo-patient-pass +Patient/demo-pt-' "demo: patient login"
pt=$(sqlite3 "$D" "SELECT patient FROM users WHERE username = 'demo-patient'")
pr=$(sqlite3 "$D" "SELECT practitioner FROM users WHERE username = 'demo-physician'")
n=$(sqlite3 "$D" "SELECT count(*) FROM resource WHERE type = 'Patient' AND id = '$pt'")
m=$(sqlite3 "$D" "SELECT count(*) FROM resource WHERE type = 'Practitioner' AND id = '$pr'")
if [[ $n == 1 && $m == 1 ]]; then ok "demo logins link to the clinic's resources"; else
    bad "demo logins link to the clinic's resources" "$pt $pr"; fi
run "demo --logins" 0 "$BIN" demo --logins --db "$D"
expect_in "$T/out" 'demo-admin +demo-admin-pass' "--logins reads them back"
run "demo again is refused" 2 "$BIN" demo --db "$D" --patients 12 --now 2026-11-27
n=$(sqlite3 "$D" "SELECT count(*) FROM users")
if [[ $n == 5 ]]; then ok "refused demo adds no users"; else bad "refused demo adds no users" "$n"; fi
run "passwd demo-admin" 0 "$BIN" user passwd demo-admin "${CHEAP[@]}" --password-stdin --db "$D" <"$T/pw1"
run "demo --logins json" 0 "$BIN" demo --logins --format json --db "$D"
if python3 -c '
import json,sys
l = {x["username"]: x for x in json.load(open(sys.argv[1]))["logins"]}
assert len(l) == 5 and l["demo-admin"]["password"] is None
assert l["demo-nurse"]["password"] == "demo-nurse-pass" and l["demo-patient"]["patient"].startswith("demo-pt-")' "$T/out"; then
    ok "--logins json: a changed password is not shown"; else bad "--logins json" "$(cat "$T/out")"; fi
run "demo --force keeps the logins" 0 "$BIN" demo --db "$D" --patients 12 --now 2026-11-27 --force
expect_in "$T/out" 'admin +demo-admin +\(changed\)' "--force kept the changed account"
n=$(sqlite3 "$D" "SELECT count(*) FROM users")
if [[ $n == 5 ]]; then ok "--force adds no second set"; else bad "--force adds no second set" "$n"; fi
run "demo --logins on a database without them" 0 "$BIN" demo --logins --db "$T/empty.db"
expect_in "$T/out" 'no demo logins' "--logins: none"

echo "accounts cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
