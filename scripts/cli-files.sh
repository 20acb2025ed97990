#!/usr/bin/env bash
# Stages the command line's files for the .deb in target/cli-package/, where the bundle's
# deb "files" (src-tauri/tauri.conf.json) take them from:
# - switchboard-cli: a two-line script that runs the app's binary as the command line
#   (`switchboard --cli ARGS`), so the package carries one copy of the core, not two. (A symlink
#   would not do: the deb bundler copies each file's content, following links.)
# - its bash, zsh and fish completion scripts and its manual page (gzipped), each printed by the
#   app's binary of the same build from the command line's own clap definitions.
# `tauri build` runs it as the beforeBundleCommand, after building the app and before bundling
# (TAURI_ENV_DEBUG says which build); by hand, name the build (release, the default, or debug)
# after building the app.
#
#   scripts/cli-files.sh [release|debug]
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ge 1 ]; then
  PROFILE="$1"
elif [ "${TAURI_ENV_DEBUG:-}" = true ]; then
  PROFILE=debug
else
  PROFILE=release
fi
case "$PROFILE" in
  release | debug) ;;
  *) echo "cli-files: the build is release or debug, not $PROFILE" >&2; exit 2 ;;
esac
app="target/$PROFILE/switchboard"
[ -x "$app" ] || { echo "cli-files: no $app; build the app first (tauri build)" >&2; exit 1; }
out=target/cli-package
rm -rf "$out"
mkdir -p "$out"
printf '#!/bin/sh\nexec /usr/bin/switchboard --cli "$@"\n' >"$out/switchboard-cli"
chmod 0755 "$out/switchboard-cli"
# Whatever the environment says, print the scripts, not a completion's candidates.
cli() { env -u COMPLETE "$app" --cli "$@"; }
cli completions bash >"$out/switchboard-cli.bash"
cli completions zsh >"$out/_switchboard-cli"
cli completions fish >"$out/switchboard-cli.fish"
cli man | gzip -n -9 >"$out/switchboard-cli.1.gz"
for file in "$out"/*; do
  [ -s "$file" ] || { echo "cli-files: $file is empty" >&2; exit 1; }
done
