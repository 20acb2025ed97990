#!/usr/bin/env bash
# The relay budget of design.md §7: the CLI streaming a 200,000-delta (about 35 MB) loopback
# stream — decode, print, save — takes at most 2 × a raw `curl` read of the same stream.
#
#   benches/relay.sh [DELTAS] [PAIRS]     (defaults: 200000 and 7)
#
# Builds the CLI and the fake server (release), starts the fake's benchmark stream on loopback
# (llama.cpp's chunk shape, as fast as the connection takes it), then alternates a raw curl read
# and `switchboard-cli chat` (its output to /dev/null, the reply saved in a scratch database)
# and prints each pair and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
deltas="${1:-200000}"
pairs="${2:-7}"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

cargo build --release --locked -q -p switchboard-cli -p switchboard-fakes
cli="$PWD/target/release/switchboard-cli"
fakes="$PWD/target/release/switchboard-fakes"

scratch="$(mktemp -d -t switchboard-relay.XXXXXX)"
fake_pid=""
cleanup() {
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config"
export SWITCHBOARD_DATA_DIR="$scratch/switchboard"
mkdir -p "$HOME"

"$fakes" --port 0 --flood-chunks "$deltas" >"$scratch/fake.out" 2>&1 &
fake_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$scratch/fake.out" && break
  sleep 0.05
done
url="$(sed -n 's/^listening on //p' "$scratch/fake.out" | head -1)"
[ -n "$url" ] || { echo "the fake server did not start" >&2; cat "$scratch/fake.out" >&2; exit 1; }

"$cli" profile add bench --source custom --url "$url/v1" --model fake-model-1 >/dev/null

now_ns() { date +%s%N; }
body='{"model":"fake-model-1","messages":[{"role":"user","content":"go"}],"stream":true}'
size="$(curl -sN -X POST -H 'content-type: application/json' -d "$body" "$url/v1/chat/completions" | wc -c)"
"$cli" chat bench "warm up" >/dev/null

printf 'stream: %s deltas, %.1f MB, loopback; %s alternating pairs\n' "$deltas" "$(echo "$size / 1000000" | bc -l)" "$pairs"
printf '%-6s %12s %12s %8s\n' pair "curl ms" "cli ms" ratio
ratios=()
curls=()
clis=()
for i in $(seq "$pairs"); do
  t0=$(now_ns)
  curl -sN -X POST -H 'content-type: application/json' -d "$body" "$url/v1/chat/completions" >/dev/null
  t1=$(now_ns)
  "$cli" chat bench "pair $i" >/dev/null
  t2=$(now_ns)
  c=$(( (t1 - t0) / 1000 ))
  s=$(( (t2 - t1) / 1000 ))
  r=$(echo "scale=3; $s / $c" | bc)
  curls+=("$c"); clis+=("$s"); ratios+=("$r")
  printf '%-6s %12.1f %12.1f %8.2f\n' "$i" "$(echo "$c/1000" | bc -l)" "$(echo "$s/1000" | bc -l)" "$r"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf 'median: curl %.1f ms, cli %.1f ms, ratio %.2f × (budget ≤ 2 ×)\n' \
  "$(echo "$(median "${curls[@]}")/1000" | bc -l)" "$(echo "$(median "${clis[@]}")/1000" | bc -l)" "$(median "${ratios[@]}")"
# The reply was saved whole.
saved="$("$cli" chats show "pair $pairs" 2>/dev/null | tail -c 200 || true)"
case "$saved" in
  *"t$deltas "*|*"t$deltas"*) echo "the last reply was saved whole (ends with t$deltas)" ;;
  *) echo "warning: could not confirm the saved reply ends with t$deltas" >&2 ;;
esac
