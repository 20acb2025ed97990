#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each (default 600) and prints, per target,
# the executions, the time, the corpus growth and whether it found anything. Needs the nightly
# toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Findings land in artifacts/<target>/;
# once fixed, copy them to regressions/<target>/ so every test run replays them.
set -uo pipefail
cd "$(dirname "$0")"
seconds="${SECONDS_PER_TARGET:-600}"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
cargo +nightly fuzz build -O >/dev/null 2>&1 || { echo "fuzz build failed" >&2; exit 1; }
printf '| target | executions | seconds | execs/s | corpus (seeds → after) | findings |\n|---|---|---|---|---|---|\n'
for target in "${targets[@]}"; do
    mkdir -p "work/$target"
    seeds=$(ls "corpus/$target" | wc -l)
    log="work/$target.log"
    cargo +nightly fuzz run -O "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    took=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1)
    corpus=$(ls "work/$target" | wc -l)
    if [ $rc -eq 0 ]; then found="none"; else found="exit $rc: $(ls "artifacts/$target" 2>/dev/null | tr '\n' ' ')"; fi
    printf '| %s | %s | %s | %s | %s → %s | %s |\n' "$target" "${runs:-?}" "${took:-?}" "${rate:-?}" "$seeds" "$((seeds + corpus))" "$found"
done
