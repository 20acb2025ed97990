#!/usr/bin/env bash
# Checks the dependencies (part of test.sh): `cargo deny` — licences, bans and sources against
# deny.toml, and advisories (known vulnerabilities, yanked crates) against the RustSec database —
# then `npm audit --omit=dev` of the window's shipped npm packages.
#
# A known vulnerability, a licence or source deny.toml does not allow, or a banned crate fails
# it. An advisory source that cannot be reached does not: that check is reported as SKIPPED,
# with the reason, and everything else still runs. SWITCHBOARD_REQUIRE_ADVISORIES=1 makes an
# unreachable advisory source fail the run instead (for machines that should reach them).
#
# Usage: deps-check.sh [licenses] [bans] [sources] [advisories] [npm]   (default: all of them)
# For its own tests: DEPS_DENY_CONFIG (default deny.toml), DEPS_MANIFEST (default the workspace's
# Cargo.toml), DEPS_NPM_DIRS (default "ui"), DEPS_NPM_REGISTRY (default npm's own).
# It writes nothing into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

CONFIG="${DEPS_DENY_CONFIG:-deny.toml}"
MANIFEST="${DEPS_MANIFEST:-Cargo.toml}"
NPM_DIRS="${DEPS_NPM_DIRS:-ui}"
checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=(licenses bans sources advisories npm)
wants() { printf '%s\n' "${checks[@]}" | grep -qx "$1"; }

deny() { cargo deny --manifest-path "$MANIFEST" --config "$CONFIG" "$@"; }
failed=()
skipped=()

skip() {
  local what="$1" why="$2"
  if [ "${SWITCHBOARD_REQUIRE_ADVISORIES:-0}" = 1 ]; then
    echo "FAILED: $what cannot run: $why (SWITCHBOARD_REQUIRE_ADVISORIES=1)" >&2
    failed+=("$what")
  else
    echo "SKIPPED: $what: $why"
    skipped+=("$what")
  fi
}

offline=()
for check in licenses bans sources; do wants "$check" && offline+=("$check"); done
if [ ${#offline[@]} -gt 0 ]; then
  echo "==> cargo deny check ${offline[*]}"
  # --offline: these need only Cargo.lock and the crates `cargo fetch` already has.
  deny --locked --offline check "${offline[@]}" || failed+=("cargo deny ${offline[*]}")
fi

if wants advisories; then
  echo "==> cargo deny check advisories"
  fetch_log="$(mktemp)"
  if deny --locked fetch db >"$fetch_log" 2>&1; then
    deny --locked check advisories || failed+=("cargo deny advisories")
  else
    # Why the database could not be fetched, in git's own words (its last "fatal:" line).
    reason="$(grep -m1 -o 'fatal: .*' "$fetch_log" || tail -n1 "$fetch_log")"
    url="$(grep -m1 -o 'advisory database [^ ]*' "$fetch_log" | cut -d' ' -f3 || true)"
    skip "Rust advisories (known vulnerabilities and yanked crates)" \
      "the RustSec advisory database ${url:-(see deny.toml)} cannot be fetched — ${reason:-no reason given}"
  fi
  rm -f "$fetch_log"
fi

if wants npm; then
  for dir in $NPM_DIRS; do
    echo "==> npm audit --omit=dev in $dir"
    status=0
    node scripts/npm-audit.mjs "$dir" ${DEPS_NPM_REGISTRY:+"$DEPS_NPM_REGISTRY"} || status=$?
    case "$status" in
      0) ;;
      3) skip "npm advisories for $dir" "the npm registry's audit endpoint cannot be reached (above)" ;;
      *) failed+=("npm audit $dir") ;;
    esac
  done
fi

joined() { local IFS='|'; echo "$*" | sed 's/|/; /g'; }
if [ ${#failed[@]} -gt 0 ]; then
  echo "dependency check FAILED: $(joined "${failed[@]}")" >&2
  exit 1
fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "dependency check passed, but NOT checked: $(joined "${skipped[@]}")"
else
  echo "dependency check passed"
fi
