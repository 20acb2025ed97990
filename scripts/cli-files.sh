#!/usr/bin/env bash
# Stages the command line's files for the .deb in target/cli-package/, where the bundle's
# deb "files" (src-tauri/tauri.conf.json) take them from: the switchboard-cli binary of the
# given build (release, the default, or debug), its bash, zsh and fish completion scripts and its
# manual page (gzipped), each made by that binary from its own clap definitions.
# package.sh and deb-test.sh run it before `tauri build --bundles deb`.
#
#   scripts/cli-files.sh [release|debug]
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${1:-release}"
case "$PROFILE" in
  release) flags=(--release) ;;
  debug) flags=() ;;
  *) echo "cli-files: the build is release or debug, not $PROFILE" >&2; exit 2 ;;
esac
cargo build --locked -q "${flags[@]}" -p switchboard-cli
bin="target/$PROFILE/switchboard-cli"
out=target/cli-package
rm -rf "$out"
mkdir -p "$out"
install -m 0755 "$bin" "$out/switchboard-cli"
"$bin" completions bash >"$out/switchboard-cli.bash"
"$bin" completions zsh >"$out/_switchboard-cli"
"$bin" completions fish >"$out/switchboard-cli.fish"
"$bin" man | gzip -n -9 >"$out/switchboard-cli.1.gz"
for file in "$out"/*; do
  [ -s "$file" ] || { echo "cli-files: $file is empty" >&2; exit 1; }
done
