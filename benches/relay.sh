#!/usr/bin/env bash
# The relay budget: the CLI streaming a 200,000-delta (about 33 MB) loopback stream — parse,
# print, save — takes at most 2 × a raw `curl` read of the same stream, and costs at most 3,000
# CPU instructions a delta (the aim: 2,000).
#
#   benches/relay.sh [DELTAS] [PAIRS]     (defaults: 200000 and 15; CALLGRIND=0 skips the count)
#
# Builds the CLI and the fake server (release). The fake renders its benchmark stream once
# (OpenAI-style chunks of about 160 bytes, llama.cpp's shape) and writes it whole to each request
# (`--flood-prerendered`), so a raw read costs only the copy through loopback and hides nothing
# of the client's cost. Then:
# - time: alternates a raw curl read and `switchboard-cli chat` (its output to /dev/null, the
#   reply saved in a fresh data folder under /tmp for each run) and prints each pair and the
#   medians;
# - instructions: counts the CLI's instructions under `valgrind --tool=callgrind` for the
#   DELTAS-delta reply and for a one-delta reply (start-up, the request, the saves of the
#   user message and the reply), and prints the difference per delta. Counts repeat to within a
#   fraction of a percent however busy the machine is.
set -euo pipefail
cd "$(dirname "$0")/.."
deltas="${1:-200000}"
pairs="${2:-15}"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

cargo build --release --locked -q -p switchboard-cli -p switchboard-fakes
cli="$PWD/target/release/switchboard-cli"
fakes="$PWD/target/release/switchboard-fakes"

scratch="$(mktemp -d /tmp/switchboard-relay.XXXXXX)"
fake_pids=()
cleanup() {
  for pid in "${fake_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config"
export SWITCHBOARD_DATA_DIR="$scratch/switchboard"
mkdir -p "$HOME"

# Starts a fake serving an N-delta pre-rendered stream; sets fake_url to its URL. (Not run in a
# subshell: the cleanup must learn its process id.)
start_fake() {
  local n="$1" out="$scratch/fake-$1.out"
  "$fakes" --port 0 --flood-chunks "$n" --flood-prerendered >"$out" 2>&1 &
  fake_pids+=("$!")
  for _ in $(seq 100); do
    grep -q "listening on" "$out" && break
    sleep 0.05
  done
  fake_url="$(sed -n 's/^listening on //p' "$out" | head -1)"
  [ -n "$fake_url" ] || { echo "the fake server did not start" >&2; cat "$out" >&2; exit 1; }
}
start_fake "$deltas"
url="$fake_url"
# Every measured run gets a data folder of its own holding just the profile: each starts from
# the same state (opening a database checks all of it, a cost that grows with its history).
fresh() {
  local dir="$scratch/data-$1"
  SWITCHBOARD_DATA_DIR="$dir" "$cli" profile add bench --source custom --url "$2/v1" --model fake-model-1 >/dev/null
  echo "$dir"
}

now_ns() { date +%s%N; }
body='{"model":"fake-model-1","messages":[{"role":"user","content":"go"}],"stream":true}'
# The first request renders the stream; the size is that of every later one.
size="$(curl -sN -X POST -H 'content-type: application/json' -d "$body" "$url/v1/chat/completions" | wc -c)"
SWITCHBOARD_DATA_DIR="$(fresh warm "$url")" "$cli" chat bench "warm up" >/dev/null

printf 'stream: %s deltas, %.1f MB (%.0f bytes a delta), pre-rendered, loopback; %s alternating pairs\n' \
  "$deltas" "$(echo "$size / 1000000" | bc -l)" "$(echo "$size / $deltas" | bc -l)" "$pairs"
printf '%-6s %12s %12s %8s\n' pair "curl ms" "cli ms" ratio
ratios=()
curls=()
clis=()
for i in $(seq "$pairs"); do
  data="$(fresh "$i" "$url")"
  t0=$(now_ns)
  curl -sN -X POST -H 'content-type: application/json' -d "$body" "$url/v1/chat/completions" >/dev/null
  t1=$(now_ns)
  SWITCHBOARD_DATA_DIR="$data" "$cli" chat bench "pair $i" >/dev/null
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
saved="$(SWITCHBOARD_DATA_DIR="$data" "$cli" chats show "pair $pairs" 2>/dev/null | tail -c 200 || true)"
case "$saved" in
  *"t$deltas "*|*"t$deltas"*) echo "the last reply was saved whole (ends with t$deltas)" ;;
  *) echo "warning: could not confirm the saved reply ends with t$deltas" >&2 ;;
esac

[ "${CALLGRIND:-1}" = 0 ] && exit 0
command -v valgrind >/dev/null || { echo "valgrind is needed for the instruction count (CALLGRIND=0 skips it)" >&2; exit 1; }
start_fake 1
one="$fake_url"
curl -sN -X POST -H 'content-type: application/json' -d "$body" "$one/v1/chat/completions" >/dev/null
# Instructions of one CLI run (every thread) replying from the fake at $2, in a fresh data
# folder, as callgrind counts them.
instructions() {
  SWITCHBOARD_DATA_DIR="$(fresh "$1" "$2")" \
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$cli" chat bench "count" 2>&1 >/dev/null |
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' | tail -1
}
small="$(instructions count-one "$one")"
large="$(instructions count-many "$url")"
per=$(( (large - small) / (deltas - 1) ))
printf 'callgrind: %s instructions for %s deltas, %s for 1: %s a delta (budget ≤ 3,000, aim 2,000)\n' \
  "$large" "$deltas" "$small" "$per"
