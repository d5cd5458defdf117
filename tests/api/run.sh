#!/usr/bin/env bash
# API tests: create the test accounts in a fresh database in a temporary directory (one user
# per role with `painpath user add`, an integration token with `painpath token create`),
# start `painpath serve` on a free loopback port (port 0: the server prints the one it got),
# wait for /healthz, run `node --test tests/api/`, stop the server with SIGTERM and check that
# it exits 0 and that its log holds no patient data, password or token.
# Env: PP_BIN (the binary), PP_SOURCE_DIR (the tree), PP_SHARED_DATA (the Synthea data the
# import test loads with `painpath import --db` into the server's database, PP_DB).
# The tests get PP_TOKEN (the integration token, scope *) and PP_USERS (JSON: role ->
# {username, password, practitioner | patient}); tests/api/lib.mjs uses both.
set -u
bin=${PP_BIN:?PP_BIN must name the painpath binary}
src=${PP_SOURCE_DIR:?PP_SOURCE_DIR must name the source tree}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# a database that cannot be opened fails before listening (exit 1, nothing on stdout)
"$bin" serve --listen 127.0.0.1:0 --db "$tmp/no/such/dir/x.db" >"$tmp/bad.out" 2>"$tmp/bad.err"
bad_rc=$?
if [[ $bad_rc -ne 1 || -s "$tmp/bad.out" ]] || ! grep -q 'x.db' "$tmp/bad.err"; then
    echo "api: serve with an unopenable --db: exit $bad_rc (expected 1 before listening)"
    cat "$tmp/bad.out" "$tmp/bad.err"
    failed=1
fi

# The accounts. Passwords are random per run; every secret goes into $tmp/secrets, which the
# log check below looks for.
new_password() { printf 'pp-%s' "$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)"; }
users=""
add_user() { # ROLE USERNAME [--practitioner ID | --patient ID]
    local role=$1 name=$2 link="" password
    password=$(new_password)
    shift 2
    if ! printf '%s\n' "$password" |
        "$bin" user add "$name" --role "$role" "$@" --password-stdin --db "$tmp/api.db" >"$tmp/user.out" 2>&1; then
        echo "api: painpath user add $name --role $role failed:"
        cat "$tmp/user.out"
        exit 1
    fi
    [[ $# -eq 2 ]] && link=", \"${1#--}\": \"$2\""
    users+="${users:+, }\"$role\": {\"username\": \"$name\", \"password\": \"$password\"$link}"
    printf '%s\n' "$password" >>"$tmp/secrets"
}
add_user front-desk api-front-desk
add_user nurse api-nurse --practitioner api-nurse
add_user physician api-physician --practitioner api-physician
add_user admin api-admin
add_user patient api-patient --patient api-patient
if ! "$bin" token create --name api-tests --role integration --scope '*' --db "$tmp/api.db" >"$tmp/token.out" 2>"$tmp/token.err"; then
    echo "api: painpath token create failed:"
    cat "$tmp/token.err"
    exit 1
fi
token=$(grep -xE '[A-Za-z0-9_-]{43}' "$tmp/token.out" | head -n 1)
if [[ -z "$token" ]]; then
    echo "api: no token in the output of painpath token create"
    exit 1
fi
printf '%s\n' "$token" >>"$tmp/secrets"
export PP_TOKEN=$token PP_USERS="{$users}"
# The tests share one client address (127.0.0.1), and several sign in wrongly on purpose:
# the per-client login limit is raised here so that they cannot lock each other out
# (auth.test.mjs tests that limit on a server of its own).
printf '{"client_max_failures": 10000}\n' >"$tmp/security.json"

PAINPATH_NOW=2026-11-27 "$bin" serve --listen 127.0.0.1:0 --threads 2 --db "$tmp/api.db" \
    --security "$tmp/security.json" >"$tmp/out" 2>"$tmp/log" &
pid=$!
base=""
for _ in $(seq 1 100); do
    base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/out")
    [[ -n "$base" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z "$base" ]]; then
    echo "api: the server did not start:"
    cat "$tmp/out" "$tmp/log"
    kill -TERM "$pid" 2>/dev/null
    exit 1
fi
if ! node -e 'fetch(process.argv[1] + "healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$base"; then
    echo "api: $base/healthz did not answer 200"
    failed=1
fi

PP_URL=$base PP_BIN=$bin PP_SOURCE_DIR=$src PP_DB=$tmp/api.db PP_SHARED_DATA=${PP_SHARED_DATA:-} \
    node --test "$src/tests/api/" >"$tmp/node" 2>&1
node_rc=$?
# node's summary (the whole report when something failed)
if [[ $node_rc -ne 0 ]]; then
    cat "$tmp/node"
    failed=1
else
    grep -E '^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms)' "$tmp/node"
fi

kill -TERM "$pid"
wait "$pid"
server_rc=$?
if [[ $server_rc -ne 0 ]]; then
    echo "api: the server exited $server_rc after SIGTERM (expected 0)"
    tail -n 20 "$tmp/log"
    failed=1
fi
# the request log names routes, never patients (ids used by the tests' inputs)
if grep -nE 'ana-ruiz|ben-okafor|carla-nguyen|hydrocodone|oxycodone' "$tmp/log"; then
    echo "api: patient data in the server log"
    failed=1
fi
# nor a password or token (the log line is not printed: it would show the secret)
if grep -qF -f "$tmp/secrets" "$tmp/log"; then
    echo "api: a test password or token in the server log (line $(grep -nF -f "$tmp/secrets" "$tmp/log" | cut -d: -f1 | head -n 1))"
    failed=1
fi
# every request above left its audit record; the whole chain must verify
if ! "$bin" audit verify --db "$tmp/api.db" >"$tmp/verify" 2>&1; then
    echo "api: painpath audit verify failed after the run:"
    cat "$tmp/verify"
    failed=1
fi
echo "api: node --test exit $node_rc, server exit $server_rc, $(wc -l <"$tmp/log") log lines"
exit $failed
