#!/usr/bin/env bash
# Every app benchmark, one after the other: start-up and idle memory, streaming, a long chat.
#   benches/app/run-all.sh            (release build: ui/node_modules/.bin/tauri build --no-bundle)
#   SWITCHBOARD_APP=target/debug/switchboard benches/app/run-all.sh   (quick check on a debug build)
# Figures go to standard output and to target/bench-app/<date>.txt. Exits 0 when every
# measurement could be made, whatever the figures; 2 when one could not.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p target/bench-app
OUT="target/bench-app/$(date -u +%Y-%m-%dT%H%M%SZ).txt"
status=0
for bench in startup stream history; do
  echo "==> benches/app/$bench.mjs" | tee -a "$OUT"
  node "benches/app/$bench.mjs" 2>&1 | tee -a "$OUT"
  code=${PIPESTATUS[0]}
  if [ "$code" -ne 0 ]; then
    echo "==> benches/app/$bench.mjs: the measurement failed (exit $code)" | tee -a "$OUT"
    status=2
  fi
  echo | tee -a "$OUT"
done
echo "figures saved in $OUT"
exit "$status"
