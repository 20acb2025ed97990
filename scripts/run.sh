#!/usr/bin/env bash
# Installs what is missing and runs Switchboard. Until the desktop window lands, the product
# is its command line: arguments are passed to switchboard-cli (default: --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_all
cargo build --locked --release -q -p switchboard-cli
if [ $# -eq 0 ]; then set -- --help; fi
exec target/release/switchboard-cli "$@"
