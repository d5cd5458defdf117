#!/usr/bin/env bash
# API tests: start `painpath serve` on a free loopback port (port 0: the server prints the
# one it got) with a fresh database in a temporary directory, wait for /healthz, run `node --test tests/api/`, stop the server with SIGTERM
# and check that it exits 0 and that its log holds no patient data.
# Env: PP_BIN (the binary), PP_SOURCE_DIR (the tree), PP_SHARED_DATA (the Synthea data the
# import test loads with `painpath import --db` into the server's database, PP_DB).
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

PAINPATH_NOW=2026-11-27 "$bin" serve --listen 127.0.0.1:0 --threads 2 --db "$tmp/api.db" >"$tmp/out" 2>"$tmp/log" &
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
echo "api: node --test exit $node_rc, server exit $server_rc, $(wc -l <"$tmp/log") log lines"
exit $failed
