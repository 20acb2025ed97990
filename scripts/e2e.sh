#!/usr/bin/env bash
# End-to-end tests of the real app. Runs inside test.sh's private D-Bus session (with the
# unlocked throwaway keyring): builds the app with its UI embedded, starts Xvfb and
# tauri-driver (which starts WebKitWebDriver), runs tests/e2e/run.mjs, and stops all of it.
# Screenshots are kept in target/e2e-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

echo "==> building the app (debug, UI embedded), the CLI and the fake servers"
cargo build --locked -q -p switchboard-fakes -p switchboard-cli
ui/node_modules/.bin/tauri build --debug --no-bundle --ci >/dev/null

ARTIFACTS="$ROOT/target/e2e-artifacts"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
SCRATCH="$(mktemp -d -t switchboard-e2e.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

# The app's own files (database, WebKit caches) stay in the scratch dir.
export HOME="$SCRATCH/home" XDG_CACHE_HOME="$SCRATCH/cache" XDG_CONFIG_HOME="$SCRATCH/config"
export SWITCHBOARD_DATA_DIR="$SCRATCH/data"
mkdir -p "$HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME"
export WEBKIT_DISABLE_COMPOSITING_MODE=1 NO_AT_BRIDGE=1

# Links the app opens in "the system browser" go to a recording xdg-open (the opener's first
# choice on Linux) that only appends the address to E2E_OPENED_LOG: no browser ever starts.
mkdir -p "$SCRATCH/bin"
export E2E_OPENED_LOG="$SCRATCH/opened.log"
cat >"$SCRATCH/bin/xdg-open" <<'FAKE'
#!/bin/sh
printf '%s\n' "$1" >>"$E2E_OPENED_LOG"
FAKE
chmod +x "$SCRATCH/bin/xdg-open"
export PATH="$SCRATCH/bin:$PATH"

if [ -z "${DISPLAY:-}" ]; then
  exec {displayfd}<> <(:)
  Xvfb -displayfd "$displayfd" -screen 0 1280x800x24 -nolisten tcp >"$SCRATCH/xvfb.log" 2>&1 &
  pids+=($!)
  read -r -t 20 display_number <&"$displayfd" || { echo "Xvfb did not start" >&2; cat "$SCRATCH/xvfb.log" >&2; exit 1; }
  export DISPLAY=":$display_number"
fi

wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on port $1" >&2
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# "Find local servers" probes only the port of the KoboldCpp fake the tests start; queued
# AI Horde requests are polled quickly.
E2E_KOBOLD_PORT="$(free_port)"
export SWITCHBOARD_DETECT_PORTS="$E2E_KOBOLD_PORT" SWITCHBOARD_POLL_INTERVAL_MS=100

LIGHT_PORT="$(free_port)"
tauri-driver --port "$LIGHT_PORT" --native-port "$(free_port)" >"$ARTIFACTS/tauri-driver.log" 2>&1 &
pids+=($!)
DARK_PORT="$(free_port)"
GTK_THEME=Adwaita:dark tauri-driver --port "$DARK_PORT" --native-port "$(free_port)" >"$ARTIFACTS/tauri-driver-dark.log" 2>&1 &
pids+=($!)
wait_for_port "$LIGHT_PORT"
wait_for_port "$DARK_PORT"

echo "==> end-to-end tests (screenshots in target/e2e-artifacts)"
SWITCHBOARD_APP="$ROOT/target/debug/switchboard" \
SWITCHBOARD_FAKES="$ROOT/target/debug/switchboard-fakes" \
SWITCHBOARD_CLI="$ROOT/target/debug/switchboard-cli" \
E2E_ARTIFACTS="$ARTIFACTS" E2E_DRIVER_PORT="$LIGHT_PORT" E2E_DARK_DRIVER_PORT="$DARK_PORT" \
E2E_KOBOLD_PORT="$E2E_KOBOLD_PORT" \
  node tests/e2e/run.mjs
