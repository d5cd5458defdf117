#!/usr/bin/env bash
# painpath benchmarks (make bench). Prints figures; never part of make check.
#  1. `painpath check` (MME + all opioid findings) over the whole Synthea R4 set vs Python's
#     json.load merely parsing the same files, timed with hyperfine in the same run.
#  2. In-memory evaluation per patient (parsing excluded): median and p99 (bench_eval).
#  3. The HTTP server against nginx on loopback, and import throughput (bench/server.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DATA=${PP_SHARED_DATA:-$(cd .. && pwd)/shared/data}
SYN="$DATA/synthea-r4"
BIN="$BUILD/painpath"
[ -x "$BIN" ] || { echo "bench: $BIN not built (run make bench)"; exit 2; }
[ -d "$SYN" ] || { echo "bench: $SYN not found"; exit 2; }

cores=$(nproc)
mb=$(du -sm --apparent-size "$SYN" | cut -f1)
echo "== painpath benchmarks: $(date -u +%Y-%m-%dT%H:%MZ), $cores cores, $(uname -m)"
echo "== data: $SYN ($mb MB, $(ls "$SYN"/*.json | wc -l) files)"

cat > "$BUILD/bench_pyparse.py" <<'PY'
import glob, json, sys
for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
    with open(f, "rb") as fh:
        json.load(fh)
PY

out="$BUILD/bench-check.json"
hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$out" \
    -n "python json.load (parse only)" "python3 $BUILD/bench_pyparse.py $SYN" \
    -n "painpath check, all cores" "$BIN check --format json --now 2026-11-27 $SYN > /dev/null" \
    -n "painpath check, 1 thread" "$BIN check --format json --threads 1 --now 2026-11-27 $SYN > /dev/null"

python3 - "$out" "$mb" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
mb = float(sys.argv[2])
py = res[0]["median"]
for r in res:
    print(f"{r['command']:<34} median {r['median']:.3f} s  min {r['min']:.3f} s  "
          f"max {r['max']:.3f} s  {mb / r['median']:.0f} MB/s  ({r['median'] / py:.2f}x python)")
PY

echo "== in-memory evaluation per patient (parsing excluded)"
"$BUILD/bench/bench_eval" "$SYN"

echo "== HTTP server and import (bench/server.sh)"
BUILD="$BUILD" PP_SHARED_DATA="$DATA" bash bench/server.sh
