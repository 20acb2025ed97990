#!/usr/bin/env bash
# Cold start and idle memory of the app: see startup.mjs and README.md.
#   benches/app/startup.sh [--runs N] [--idle SECONDS]
# SWITCHBOARD_APP=path/to/switchboard picks the binary (default target/release/switchboard).
set -euo pipefail
exec node "$(dirname "$0")/startup.mjs" "$@"
