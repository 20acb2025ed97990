#!/usr/bin/env bash
# Builds the installable package: an optimised build of the app and of switchboard-cli (with its
# shell completions and manual page, staged by cli-files.sh) in a .deb
# (target/release/bundle/deb/). Install it with `sudo apt install ./target/release/bundle/deb/*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_app
bash scripts/cli-files.sh release
ui/node_modules/.bin/tauri build --bundles deb --ci
ls -l target/release/bundle/deb/*.deb
