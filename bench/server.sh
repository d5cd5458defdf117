#!/usr/bin/env bash
# painpath HTTP benchmarks (the server part of make bench). Prints figures; never part of make check.
# Starts, on loopback only, nginx (static file of the FHIR read's size: the ceiling) and
# `painpath serve --threads 2` on a fresh database, runs wrk against both, times an import,
# then stops every process it started by pid and checks that each has exited.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DATA=${PP_SHARED_DATA:-$(cd .. && pwd)/shared/data}
SYN="$DATA/synthea-r4"
BIN="$BUILD/painpath"
DUR=${WRK_DURATION:-10s}
CONNS=${WRK_CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-2}
SERVE_THREADS=${SERVE_THREADS:-2}
# One Synthea patient (180 resources) is the database the FHIR read and search run against.
BUNDLE=${BENCH_BUNDLE:-$SYN/Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json}

for tool in wrk nginx curl python3; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool not found (bash scripts/deps.sh bench)"; exit 2; }
done
[ -x "$BIN" ] || { echo "bench: $BIN not built (run make bench)"; exit 2; }
[ -f "$BUNDLE" ] || { echo "bench: $BUNDLE not found"; exit 2; }

W="$(cd "$BUILD" && pwd)/bench-server"
rm -rf "$W"
mkdir -p "$W/nginx/logs" "$W/nginx/tmp" "$W/www"

pids=()
stop_all() {
    local p kids=()
    # nginx's workers are children of its master: remember them to check they exit too.
    for p in "${pids[@]}"; do
        mapfile -t -O "${#kids[@]}" kids < <(pgrep -P "$p" || true)
    done
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}" "${kids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$p" 2>/dev/null; then
            echo "bench: pid $p did not exit after SIGTERM; sending SIGKILL"
            kill -KILL "$p" 2>/dev/null || true
        fi
        wait "$p" 2>/dev/null || true  # children of this shell only; others are polled above
        if kill -0 "$p" 2>/dev/null; then
            echo "bench: pid $p is STILL running"
        else
            echo "== stopped pid $p"
        fi
    done
    pids=()
}
trap stop_all EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # URL
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "bench: $1 did not answer"; return 1
}

# ---- painpath serve on a fresh database with one imported Synthea patient -----------------
db="$W/bench.db"
"$BIN" import --db "$db" "$BUNDLE" >/dev/null
# FHIR and CDS requests need a principal: an integration token with every scope
TOKEN=$("$BIN" token create --name bench --role integration --scope '*' --db "$db" 2>/dev/null)
[ -n "$TOKEN" ] || { echo "bench: cannot create a token"; exit 1; }
AUTH="Authorization: Bearer $TOKEN"
pid_id=$(python3 -c 'import json,sys
b=json.load(open(sys.argv[1]))
print(next(e["resource"]["id"] for e in b["entry"] if e["resource"]["resourceType"]=="Patient"))' "$BUNDLE")

"$BIN" serve --db "$db" --listen 127.0.0.1:0 --threads "$SERVE_THREADS" --now 2026-11-27 \
    >"$W/serve.out" 2>"$W/serve.log" &
pids+=($!)
pp_port=
for _ in $(seq 100); do
    pp_port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$W/serve.out")
    [ -n "$pp_port" ] && break
    sleep 0.1
done
[ -n "$pp_port" ] || { echo "bench: painpath serve did not start"; cat "$W/serve.log"; exit 1; }
PP="http://127.0.0.1:$pp_port"
wait_http "$PP/healthz"

read_url="$PP/fhir/Patient/$pid_id"
search_url="$PP/fhir/Encounter?patient=$pid_id&_count=10"
curl -fsS -H "$AUTH" -o "$W/read.json" "$read_url"
curl -fsS -H "$AUTH" -o /dev/null "$search_url"
read_size=$(stat -c %s "$W/read.json")

# ---- the ~10 KB CDS order-sign request: the example's prefetch padded with conditions -----
python3 - examples/order-sign-request.json "$W/order-sign-10k.json" <<'PY'
import copy, json, sys
req = json.load(open(sys.argv[1]))
conds = req["prefetch"]["conditions"]["entry"]
base = conds[0]
n = 0
while len(json.dumps(req, separators=(",", ":"))) < 10 * 1024 - 300:
    e = copy.deepcopy(base)
    n += 1
    e["resource"]["id"] = "ana-pad-%d" % n
    e["resource"]["onsetDateTime"] = "2025-%02d-%02d" % (n % 12 + 1, n % 28 + 1)
    conds.append(e)
open(sys.argv[2], "w").write(json.dumps(req, separators=(",", ":")))
PY
cds_size=$(stat -c %s "$W/order-sign-10k.json")
cds_url="$PP/cds-services/opioid-order-sign"
code=$(curl -sS -o "$W/cds.out" -w '%{http_code}' -H 'Content-Type: application/json' -H "$AUTH" \
    --data-binary "@$W/order-sign-10k.json" "$cds_url")
[ "$code" = 200 ] || { echo "bench: order-sign answered $code"; cat "$W/cds.out"; exit 1; }
cat >"$W/post.lua" <<LUA
local f = assert(io.open("$W/order-sign-10k.json", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
LUA

# ---- nginx: a static file of the same size, unprivileged, foreground -----------------------
head -c "$read_size" /dev/zero | tr '\0' 'x' >"$W/www/patient.json"
ng_port=$(free_port)
cat >"$W/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/fhir+json;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $W/nginx/tmp/body;
    proxy_temp_path $W/nginx/tmp/proxy;
    fastcgi_temp_path $W/nginx/tmp/fastcgi;
    uwsgi_temp_path $W/nginx/tmp/uwsgi;
    scgi_temp_path $W/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$ng_port;
        root $W/www;
    }
}
CONF
ng=(nginx -p "$W/nginx" -e "$W/nginx/logs/error.log" -c "$W/nginx/nginx.conf")
if [ "$(id -u)" = 0 ]; then
    # Never run the bench nginx as root: drop to nobody before exec.
    chown -R 65534:65534 "$W/nginx" "$W/www"
    ng=(setpriv --reuid=65534 --regid=65534 --clear-groups "${ng[@]}")
fi
"${ng[@]}" &
pids+=($!)
NG="http://127.0.0.1:$ng_port"
wait_http "$NG/patient.json"

echo "== HTTP on loopback: $(nproc) cores shared by server and wrk; wrk -t$WRK_THREADS -c$CONNS -d$DUR --latency"
echo "== painpath serve --threads $SERVE_THREADS (db: one Synthea patient, 180 resources); nginx $(nginx -v 2>&1 | sed 's|.*/||'), worker_processes 2"
echo "== FHIR read response: $read_size bytes; nginx file: $(stat -c %s "$W/www/patient.json") bytes; order-sign request: $cds_size bytes"

# wrk NAME URL [wrk args...] -> one line: name, req/s, p99, errors
results="$W/results.tsv"
: >"$results"
bench() {
    local name=$1 url=$2
    shift 2
    local out
    out="$W/wrk-$(printf '%s' "$name" | tr -c 'A-Za-z0-9' '_').txt"
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DUR" --latency "$@" "$url" >"$out" 2>&1
    local rps p99 non2xx errs
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    p99=$(awk '$1 == "99%" {print $2}' "$out")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
    errs=$(awk '/Socket errors:/ {print $0}' "$out")
    printf '%s\t%s\t%s\n' "$name" "$rps" "$p99" >>"$results"
    printf '%-44s %10s req/s   p99 %8s%s%s\n' "$name" "$rps" "$p99" \
        "${non2xx:+   NON-2XX: $non2xx}" "${errs:+   $errs}"
}
bench "nginx static file (ceiling)" "$NG/patient.json"
bench "GET /fhir/Patient/{id} (read)" "$read_url" -H "$AUTH"
bench "GET /fhir/Encounter?patient=&_count=10" "$search_url" -H "$AUTH"
bench "POST order-sign (${cds_size} B)" "$cds_url" -s "$W/post.lua"

awk -F'\t' 'NR == 1 {ng = $2} NR == 2 {printf "== FHIR read: %.0f%% of nginx static req/s in the same run (goal >= 50%%)\n", 100 * $2 / ng}' "$results"

stop_all
# every request above was audited; the server imported its read journal at SIGTERM
"$BIN" audit verify --db "$db"

# ---- import throughput: the whole Synthea set into a fresh database ------------------------
mb=$(du -sm --apparent-size "$SYN" | cut -f1)
idb="$W/import.db"
rm -f "$idb"*
t0=$(date +%s.%N)
"$BIN" import --db "$idb" "$SYN" >/dev/null
t1=$(date +%s.%N)
python3 -c 'import sys
mb, s = float(sys.argv[1]), float(sys.argv[2]) - float(sys.argv[3])
print(f"== painpath import of {sys.argv[4]} ({mb:.0f} MB) into a fresh db: {s:.2f} s, {mb / s:.0f} MB/s (goal >= 50 MB/s)")' \
    "$mb" "$t1" "$t0" "$SYN"
