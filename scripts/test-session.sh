#!/usr/bin/env bash
# Runs inside test.sh's private D-Bus session: unlocks a throwaway GNOME Keyring, runs the
# checks (the dependencies first: scripts/deps-check.sh and its tests) and every test — Rust,
# UI, end to end in a real window, and the installed .deb — and stops the daemon.
set -euo pipefail
cd "$(dirname "$0")/.."

printf 'switchboard-tests' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
keyring_pid="$(pgrep -u "$(id -u)" -n -f gnome-keyring-daemon || true)"
trap '[ -n "$keyring_pid" ] && kill "$keyring_pid" 2>/dev/null || true' EXIT

echo "==> dependencies: licences, bans, sources, known vulnerabilities"
bash scripts/deps-check.sh
node --test --test-reporter=spec tests/deps/
echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> UI: type check, unit tests, build"
(cd ui && npm run --silent typecheck && npm test --silent && npm run --silent build >/dev/null)
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -q -- -D warnings
echo "==> cargo doc (broken intra-doc links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q
echo "==> cargo test"
cargo test --workspace --locked "$@"
echo "==> end to end"
bash scripts/e2e.sh
echo "==> the .deb (of the debug build above): install, launch the installed app, remove"
DEB_PROFILE=debug bash scripts/deb-test.sh
