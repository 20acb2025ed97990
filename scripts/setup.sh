#!/usr/bin/env bash
# Installs what Switchboard needs on a Debian/Ubuntu machine, only what is missing:
# system packages (apt), the Rust toolchain check, and the crates (cargo fetch).
# Sourced by run.sh and test.sh; safe to run again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Build: pkg-config + libdbus (the keychain client) + a C compiler (bundled SQLite).
# Tests: a private D-Bus session and GNOME Keyring (the real Secret Service), secret-tool.
SYSTEM_PACKAGES=(
  build-essential pkg-config libdbus-1-dev
  dbus dbus-bin gnome-keyring libsecret-tools
  curl ca-certificates
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

setup_all() {
  ensure_system_packages "${SYSTEM_PACKAGES[@]}"
  ensure_rust
  ensure_crates
}
