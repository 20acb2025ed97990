#!/usr/bin/env bash
# The whole test suite, on a fresh Debian/Ubuntu machine or in CI (as root, no display, no
# D-Bus session, no keyring): installs what is missing, then runs formatting and lint checks
# and every test against the real Secret Service in a private D-Bus session with a throwaway,
# unlocked GNOME Keyring. Everything it starts, it stops.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_all

SCRATCH="$(mktemp -d -t switchboard-test.XXXXXX)"
trap 'rm -rf "$SCRATCH"' EXIT
# The keyring, caches and anything else the tests' processes write stay in the scratch dir.
export XDG_DATA_HOME="$SCRATCH/data" XDG_RUNTIME_DIR="$SCRATCH/run" XDG_CACHE_HOME="$SCRATCH/cache"
export XDG_CONFIG_HOME="$SCRATCH/config"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
chmod 700 "$XDG_RUNTIME_DIR"

exec dbus-run-session -- bash scripts/test-session.sh "$@"
