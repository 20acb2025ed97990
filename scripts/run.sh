#!/usr/bin/env bash
# Installs whatever is missing, builds Switchboard with its UI embedded and opens the window.
# Arguments are passed to the app.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_app
ui/node_modules/.bin/tauri build --debug --no-bundle --ci >/dev/null
exec target/debug/switchboard "$@"
