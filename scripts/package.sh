#!/usr/bin/env bash
# Builds the installable package: an optimised build of the app, which is also switchboard-cli
# (the package's /usr/bin/switchboard-cli script runs `switchboard --cli`; the bundle's
# beforeBundleCommand, cli-files.sh, stages it with its shell completions and manual page), in a
# .deb (target/release/bundle/deb/), recompressed with xz (scripts/repack-deb.sh). Install it with `sudo apt install ./target/release/bundle/deb/*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_app
ui/node_modules/.bin/tauri build --bundles deb --ci
# Tauri compresses the package with gzip; Debian's own packages use xz, about a third smaller.
for deb in target/release/bundle/deb/*.deb; do bash scripts/repack-deb.sh "$deb"; done
ls -l target/release/bundle/deb/*.deb
