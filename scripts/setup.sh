#!/usr/bin/env bash
# Installs what Switchboard needs on a Debian/Ubuntu machine, only what is missing:
# system packages (apt), the Rust toolchain check, and the crates (cargo fetch).
# Sourced by run.sh and test.sh; safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Build: pkg-config, libdbus (the keychain client), a C compiler (bundled SQLite), and the
# WebKitGTK, tray and SVG libraries of the desktop window; Node.js for the UI.
# Tests: a private D-Bus session and GNOME Keyring (the real Secret Service), secret-tool,
# Xvfb, WebKitWebDriver and emoji/CJK fonts for the end-to-end tests in a real window;
# xdotool, xprop (x11-utils), xwd (x11-apps) and desktop-file-validate for the
# installed-package test (xdotool also answers the file dialog in the end-to-end tests); zsh and
# fish (their completion scripts are parsed by each shell), groff and man-db (the manual page is
# rendered) for the command line's tests; git for
# the dependency check (cargo deny fetches its advisory database with it, and its test serves
# one with `git daemon`).
SYSTEM_PACKAGES=(
  build-essential pkg-config libdbus-1-dev libssl-dev
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
  dbus dbus-bin dbus-x11 gnome-keyring libsecret-tools
  xvfb xauth webkit2gtk-driver fonts-noto-color-emoji fonts-wqy-microhei
  xdotool x11-utils x11-apps desktop-file-utils zsh fish groff-base man-db
  python3 curl ca-certificates git
)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_system_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> Installing system packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "==> Installing the Rust toolchain (rustup)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal -c rustfmt,clippy
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  local need="1.90.0" have
  have="$(rustc --version | awk '{print $2}')"
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -n1)" != "$need" ]; then
    echo "Rust $have is older than $need; run 'rustup update stable'." >&2
    exit 1
  fi
}

ensure_crates() {
  (cd "$ROOT" && cargo fetch --locked -q)
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ensure_system_packages nodejs npm
  fi
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -lt 20 ]; then
    echo "Node.js $(node --version 2>/dev/null || echo '(none)') is older than 20, which the UI's build tools need." >&2
    echo "Install Node.js 20 or newer (e.g. from NodeSource) and run this again." >&2
    exit 1
  fi
}

# npm packages of a folder, from its lock file, only when the lock file changed.
ensure_npm() {
  local dir="$ROOT/$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.switchboard-lock"; then
    echo "==> npm ci in $1"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.switchboard-lock)
  fi
}

# tauri-driver bridges WebDriver clients to WebKitWebDriver for the end-to-end tests.
ensure_tauri_driver() {
  if ! command -v tauri-driver >/dev/null 2>&1; then
    echo "==> Installing tauri-driver 2.1.0"
    cargo install tauri-driver@2.1.0 --locked -q
  fi
}

# cargo-deny checks the crates' licences, sources and known vulnerabilities (deps-check.sh).
# Pinned; installed (a few minutes of compiling) only when that version is missing.
CARGO_DENY_VERSION="0.20.2"
ensure_cargo_deny() {
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    echo "==> Installing cargo-deny $CARGO_DENY_VERSION"
    cargo install "cargo-deny@$CARGO_DENY_VERSION" --locked -q
  fi
}

# What running the app needs.
setup_app() {
  ensure_system_packages "${SYSTEM_PACKAGES[@]}"
  ensure_rust
  ensure_node
  ensure_crates
  ensure_npm ui
}

# What running every test needs.
setup_all() {
  setup_app
  ensure_npm tests/e2e
  ensure_tauri_driver
  ensure_cargo_deny
}
