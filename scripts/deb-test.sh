#!/usr/bin/env bash
# Tests the installable package for real: builds the .deb when it is missing or older than the
# sources (or takes the path of one), reports its size against the 10 MB budget, checks its
# control fields and contents, installs it with dpkg, checks the installed files (binary,
# desktop entry, icons, shared libraries; switchboard-cli, the script that runs the app's binary
# as the command line, with no display, keeping its exit codes; its shell completions, which
# complete a profile's name in a real bash, and its manual page), launches the INSTALLED app on its own Xvfb display in
# its own D-Bus session with a throwaway home, waits for its window to be mapped, stops it and
# removes the package. Needs root (or sudo) for dpkg. Everything it starts, it stops.
#
#   scripts/deb-test.sh [path/to/Switchboard_x.y.z_arch.deb]
#
# DEB_PROFILE=debug packages the debug build instead (what the test suite does: it reuses the
# end-to-end tests' build, so the package costs seconds rather than a release build's minutes;
# its size is shown but only a release package is held to the budget).
#
# Refuses to run when the package is already installed: it would replace and then remove it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

BUDGET_BYTES=10000000 # 10 MB
PROFILE="${DEB_PROFILE:-release}"
case "$PROFILE" in
  release) build_flags=() ;;
  debug) build_flags=(--debug) ;;
  *) echo "deb-test: DEB_PROFILE must be release or debug, not $PROFILE" >&2; exit 2 ;;
esac
WINDOW_TITLE="Switchboard"
WINDOW_TIMEOUT=20 # seconds
started_at=$SECONDS

step() { echo "==> $*"; }
ok() { echo "    ok: $*"; }
fail() {
  echo "deb-test: FAILED: $*" >&2
  exit 1
}
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}
for tool in dpkg dpkg-deb Xvfb dbus-run-session xdotool xprop xwd python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "'$tool' is missing; run scripts/setup.sh (or scripts/test.sh) first"
done

# ---- the package: given, or built when missing or older than the sources --------------------
version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' src-tauri/tauri.conf.json)"
if [ $# -ge 1 ]; then
  DEB="$(realpath "$1")"
  [ -f "$DEB" ] || fail "no such package: $1"
else
  DEB="$ROOT/target/$PROFILE/bundle/deb/Switchboard_${version}_$(dpkg --print-architecture).deb"
  reason=""
  if [ ! -f "$DEB" ]; then
    reason="it does not exist yet"
  else
    newer="$(find Cargo.toml Cargo.lock src-tauri ui/index.html ui/package.json ui/package-lock.json \
      ui/tsconfig.json ui/vite.config.ts ui/src \
      \( -path src-tauri/gen -o -path '*/tests' -o -path '*/benches' \) -prune \
      -o -type f -newer "$DEB" -print -quit)"
    [ -z "$newer" ] || reason="$newer is newer"
  fi
  if [ -n "$reason" ]; then
    step "building the .deb ($reason): tauri build ${build_flags[*]} --bundles deb"
    build_log="$ROOT/target/deb-build-$PROFILE.log"
    mkdir -p "$ROOT/target"
    build_start=$SECONDS
    # (Its beforeBundleCommand, scripts/cli-files.sh, stages the command line's files.)
    if ! ui/node_modules/.bin/tauri build "${build_flags[@]}" --bundles deb --ci >"$build_log" 2>&1; then
      tail -n 40 "$build_log" >&2
      fail "tauri build --bundles deb failed (whole log: $build_log)"
    fi
    [ -f "$DEB" ] && bash scripts/repack-deb.sh "$DEB" >>"$build_log"
    ok "built in $((SECONDS - build_start)) s, recompressed with xz (log: $build_log)"
  fi
  [ -f "$DEB" ] || fail "the build did not produce $DEB; what it made: $(ls "target/$PROFILE/bundle/deb/" 2>/dev/null)"
fi
echo "    package: $DEB"

# ---- size against the budget ------------------------------------------------------------------
step "size"
size="$(stat -c %s "$DEB")"
size_mb="$(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1000000 }')"
size_mib="$(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1048576 }')"
installed_kib="$(dpkg-deb -f "$DEB" Installed-Size)"
installed_mib="$(awk -v k="$installed_kib" 'BEGIN { printf "%.1f", k / 1024 }')"
echo "    $size bytes = $size_mb MB ($size_mib MiB); $installed_mib MiB installed; budget < 10 MB"
if [ "$PROFILE" = debug ] && [ $# -eq 0 ]; then
  ok "a debug package: its size is not held to the budget (the release package is)"
else
  [ "$size" -lt "$BUDGET_BYTES" ] || fail "the package is $size_mb MB, over the 10 MB budget"
  ok "$size_mb MB is within the 10 MB budget ($(awk -v b="$size" -v m="$BUDGET_BYTES" 'BEGIN { printf "%d", 100 * b / m }')% of it)"
fi

# ---- control fields -----------------------------------------------------------------------------
step "control fields (dpkg-deb -I)"
field() { dpkg-deb -f "$DEB" "$1"; }
PKG="$(field Package)"
for f in Package Version Architecture Installed-Size Maintainer Section Priority Homepage Depends Recommends Description; do
  printf '    %-15s %s\n' "$f:" "$(field "$f" | head -n 1)"
done
depends="$(field Depends)"
for need in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1 libdbus-1-3; do
  grep -Eq "(^|, )$need( |,|$)" <<<"$depends" || fail "Depends lacks $need: $depends"
done
ok "Depends names the WebKitGTK, GTK, D-Bus and tray (libayatana-appindicator3-1) libraries"
grep -Eq '(^|, )gnome-keyring( |,|$)' <<<"$(field Recommends)" || fail "Recommends lacks gnome-keyring"
ok "Recommends gnome-keyring (the Secret Service that keeps the API keys)"

# ---- contents -----------------------------------------------------------------------------------
step "contents (dpkg-deb -c)"
# Its regular files, as absolute paths (dpkg-deb lists them as "./usr/…" or "usr/…").
contents="$(dpkg-deb -c "$DEB" | awk '$1 ~ /^-/ { print $NF }' | sed -E 's|^\.?/?|/|')"
sed 's/^/    /' <<<"$contents"
grep -qx /usr/bin/switchboard <<<"$contents" || fail "the package has no /usr/bin/switchboard"
grep -Eq '^/usr/share/applications/[^/]+\.desktop$' <<<"$contents" || fail "the package has no desktop entry"
grep -Eq '^/usr/share/icons/hicolor/[^/]+/apps/[^/]+\.png$' <<<"$contents" || fail "the package has no hicolor icons"
ok "binary, desktop entry and hicolor icons are in the package"
CLI_FILES=(
  /usr/bin/switchboard-cli
  /usr/share/bash-completion/completions/switchboard-cli
  /usr/share/zsh/vendor-completions/_switchboard-cli
  /usr/share/fish/vendor_completions.d/switchboard-cli.fish
  /usr/share/man/man1/switchboard-cli.1.gz
)
for file in "${CLI_FILES[@]}"; do
  grep -qx "$file" <<<"$contents" || fail "the package has no $file"
done
ok "switchboard-cli, its bash, zsh and fish completions and its manual page are in the package"

# ---- install ------------------------------------------------------------------------------------
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed"; then
  fail "package '$PKG' is already installed on this machine; this test installs and removes it. Remove it first: sudo dpkg -r $PKG"
fi

SCRATCH="$(mktemp -d -t switchboard-deb.XXXXXX)"
installed=0
pids=()
cleanup() {
  local status=$?
  set +e
  for pid in "${pids[@]}"; do
    # Each was started with setsid: stop its whole process group (the app's WebKit helpers too).
    kill -TERM -- "-$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null
  done
  wait 2>/dev/null
  if [ "$installed" = 1 ]; then
    echo "==> removing the package (dpkg -r $PKG)" >&2
    as_root dpkg -r "$PKG" >/dev/null || { echo "deb-test: could not remove $PKG" >&2; status=1; }
  fi
  rm -rf "$SCRATCH"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "installing (dpkg -i)"
installed=1
if ! as_root dpkg -i "$DEB" >"$SCRATCH/dpkg.log" 2>&1; then
  cat "$SCRATCH/dpkg.log"
  echo "    dpkg could not configure it; installing the missing dependencies (apt-get install -f)"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -f -y -qq >"$SCRATCH/apt.log" 2>&1 ||
    { cat "$SCRATCH/apt.log" >&2; fail "apt-get install -f could not install the dependencies"; }
fi
dpkg-query -W -f='${Status}' "$PKG" | grep -q "install ok installed" ||
  fail "after dpkg -i, $PKG is '$(dpkg-query -W -f='${Status}' "$PKG")'"
ok "$PKG $(dpkg-query -W -f='${Version}' "$PKG") is installed"

# ---- installed files ----------------------------------------------------------------------------
step "installed files"
BIN=/usr/bin/switchboard
[ -x "$BIN" ] || fail "$BIN is missing or not executable"
ok "$BIN ($(awk -v b="$(stat -c %s "$BIN")" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"

missing_libs="$(ldd "$BIN" | grep 'not found' || true)"
[ -z "$missing_libs" ] || fail "shared libraries of $BIN not found: $missing_libs"
ok "every shared library it links is found (ldd)"
# Every library it links comes from a package its Depends pull in (directly or through them).
shlib_pkgs="$(mkdir -p "$SCRATCH/shl/debian" && cd "$SCRATCH/shl" &&
  printf 'Source: x\n\nPackage: x\nArchitecture: any\n' >debian/control &&
  dpkg-shlibdeps -O "$BIN" 2>/dev/null | sed -n 's/^shlibs:Depends=//p' | tr ',' '\n' | awk '{ print $1 }' | sort -u)" || true
if [ -n "$shlib_pkgs" ]; then
  dep_names="$(tr ',|' '\n\n' <<<"$depends" | awk 'NF { print $1 }' | sort -u)"
  closure="$( (echo "$dep_names"; apt-cache depends --recurse --installed --no-recommends --no-suggests \
    --no-conflicts --no-breaks --no-replaces --no-enhances $dep_names 2>/dev/null |
    sed -n 's/^ *\(Pre\)\{0,1\}Depends: <\{0,1\}\([^ >:]*\).*/\2/p; /^[a-z0-9]/p') | sed 's/:.*//' | sort -u)"
  uncovered="$(comm -23 <(echo "$shlib_pkgs") <(echo "$closure"))"
  [ -z "$uncovered" ] || fail "the binary links libraries of packages Depends does not pull in: $uncovered"
  ok "the packages of those libraries ($(echo $shlib_pkgs | tr ' ' ',')) all come with Depends"
fi

desktop="$(dpkg -L "$PKG" | grep -E '^/usr/share/applications/[^/]+\.desktop$' | head -n 1)"
[ -n "$desktop" ] && [ -f "$desktop" ] || fail "no desktop entry installed under /usr/share/applications"
sed 's/^/    | /' "$desktop"
entry() { sed -n "s/^$1=//p" "$desktop" | head -n 1; }
[ "$(entry Type)" = Application ] || fail "$desktop: Type is '$(entry Type)', not Application"
[ "$(entry Name)" = Switchboard ] || fail "$desktop: Name is '$(entry Name)', not Switchboard"
exec_cmd="$(entry Exec | awk '{ print $1 }')"
[ "$(PATH=/usr/local/bin:/usr/bin:/bin command -v "$exec_cmd")" = "$BIN" ] ||
  fail "$desktop: Exec '$(entry Exec)' does not start $BIN"
icon="$(entry Icon)"
[ -n "$icon" ] || fail "$desktop: no Icon"
[ -n "$(entry Categories)" ] || fail "$desktop: no Categories"
if command -v desktop-file-validate >/dev/null 2>&1; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate rejects $desktop"
  ok "desktop-file-validate accepts it"
fi
ok "$desktop: Name=Switchboard, Exec runs $BIN, Icon=$icon, Categories=$(entry Categories)"

icons="$(ls /usr/share/icons/hicolor/*/apps/"$icon".png 2>/dev/null || true)"
[ -n "$icons" ] || fail "no /usr/share/icons/hicolor/*/apps/$icon.png for Icon=$icon"
sizes="$(sed -E 's|/usr/share/icons/hicolor/([^/]+)/apps/.*|\1|' <<<"$icons" | sort -V | tr '\n' ' ')"
for size in 32x32 128x128 256x256; do
  grep -qx "/usr/share/icons/hicolor/$size/apps/$icon.png" <<<"$icons" || fail "no $size icon (have: $sizes)"
done
# Each PNG's pixel size is its folder's size times its scale (128x128@2 holds 256 px).
while read -r png; do
  dir="$(basename "$(dirname "$(dirname "$png")")")"
  want="${dir%%x*}"
  [[ "$dir" == *@2 ]] && want=$((want * 2))
  read -r width height < <(od -An -tu1 -j16 -N8 "$png" |
    awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }')
  [ "$width" = "$want" ] && [ "$height" = "$want" ] || fail "$png is ${width}x$height px; its folder wants ${want}x$want"
done <<<"$icons"
ok "hicolor icons: $sizes(each the pixel size its folder wants)"

CLI=/usr/bin/switchboard-cli
[ -x "$CLI" ] || fail "$CLI is missing or not executable"
# The command line is the app's binary (one copy of the core): the installed file is a script
# that runs `switchboard --cli`.
[ "$(stat -c %s "$CLI")" -lt 200 ] && grep -qx 'exec /usr/bin/switchboard --cli "\$@"' "$CLI" ||
  fail "$CLI is not the script that runs $BIN --cli: $(head -c 200 "$CLI" | cat -v)"
# It runs with no display, no Wayland and no D-Bus session, where the app cannot start: it
# touches none of GTK, the window, the tray or the single-instance handover.
headless=(env -u DISPLAY -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS -u COMPLETE SWITCHBOARD_DATA_DIR="$SCRATCH/cli-headless")
[ "$("${headless[@]}" "$CLI" --version)" = "switchboard-cli $version" ] || fail "$CLI --version does not say switchboard-cli $version"
"${headless[@]}" "$CLI" profile add headless --source custom --url http://127.0.0.1:9 >/dev/null ||
  fail "$CLI profile add failed with no display"
[ "$("${headless[@]}" "$CLI" profile list --json | python3 -c 'import json,sys; print(",".join(p["name"] for p in json.load(sys.stdin)))')" = headless ] ||
  fail "$CLI profile list --json does not list the profile just added"
set +e
usage="$("${headless[@]}" "$CLI" profile frobnicate 2>&1 >/dev/null)"
usage_code=$?
missing="$("${headless[@]}" "$CLI" profile show nobody 2>&1 >/dev/null)"
missing_code=$?
set -e
[ "$usage_code" = 2 ] && grep -q '^Usage: switchboard-cli profile ' <<<"$usage" ||
  fail "a usage mistake exits $usage_code (not 2) or does not name switchboard-cli: $usage"
[ "$missing_code" = 3 ] && grep -q '^error: There is no profile named "nobody"' <<<"$missing" ||
  fail "a missing profile exits $missing_code (not 3) or says: $missing"
ok "$CLI runs $BIN --cli with no display: --version, profile add/list, exit 2 on a usage mistake (as switchboard-cli), 3 on a missing profile"
bash -n /usr/share/bash-completion/completions/switchboard-cli || fail "bash -n rejects the installed bash completion"
if command -v zsh >/dev/null 2>&1; then
  zsh -n /usr/share/zsh/vendor-completions/_switchboard-cli || fail "zsh -n rejects the installed zsh completion"
fi
# The installed completion, sourced in a real bash, completes a profile's name from a data
# directory (no keychain is needed to read it).
cli_data="$SCRATCH/cli-data"
SWITCHBOARD_DATA_DIR="$cli_data" "$CLI" profile add deb-test-profile --source custom --url http://127.0.0.1:9 >/dev/null ||
  fail "$CLI profile add failed"
offered="$(SWITCHBOARD_DATA_DIR="$cli_data" PATH=/usr/bin:/bin bash --norc --noprofile -c '
  source /usr/share/bash-completion/completions/switchboard-cli
  completer="$(complete -p switchboard-cli | sed -E "s/.* -F ([^ ]+) .*/\1/")"
  COMP_WORDS=(switchboard-cli status deb-)
  COMP_CWORD=2
  COMP_LINE="switchboard-cli status deb-"
  COMP_POINT=${#COMP_LINE}
  "$completer" switchboard-cli deb- status
  printf "%s\n" "${COMPREPLY[@]}"')"
[ "$offered" = deb-test-profile ] || fail "the installed bash completion offered '$offered' for 'switchboard-cli status deb-', not deb-test-profile"
ok "$CLI runs; its installed bash completion completes a profile name (deb-test-profile)"
manual="$(zcat /usr/share/man/man1/switchboard-cli.1.gz)"
grep -q '^\.SH COMMANDS' <<<"$manual" || fail "the installed manual page has no COMMANDS section"
if command -v man >/dev/null 2>&1; then
  man -l /usr/share/man/man1/switchboard-cli.1.gz 2>/dev/null | grep -q "switchboard-cli chat" ||
    fail "man -l does not render the installed page with the chat command"
  ok "man -l renders /usr/share/man/man1/switchboard-cli.1.gz"
fi

# ---- launch the installed app -------------------------------------------------------------------
step "launching $BIN on its own Xvfb display, in its own D-Bus session, with a throwaway home"
exec {displayfd}<> <(:)
setsid Xvfb -displayfd "$displayfd" -screen 0 1280x800x24 -nolisten tcp >"$SCRATCH/xvfb.log" 2>&1 &
pids+=($!)
read -r -t 20 display_number <&"$displayfd" || { cat "$SCRATCH/xvfb.log" >&2; fail "Xvfb did not start"; }
DISPLAY=":$display_number"

home="$SCRATCH/home"
mkdir -p "$home" "$SCRATCH/data" "$SCRATCH/config" "$SCRATCH/cache" "$SCRATCH/share" "$SCRATCH/run"
chmod 700 "$SCRATCH/run"
# A clean environment, as a desktop launcher gives it: nothing of this shell's leaks in.
app_env=(env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 DISPLAY="$DISPLAY" HOME="$home" USER="$(id -un)"
  XDG_CONFIG_HOME="$SCRATCH/config" XDG_CACHE_HOME="$SCRATCH/cache" XDG_DATA_HOME="$SCRATCH/share"
  XDG_RUNTIME_DIR="$SCRATCH/run" SWITCHBOARD_DATA_DIR="$SCRATCH/data" RUST_LOG=info)
launch_start=$SECONDS
setsid "${app_env[@]}" dbus-run-session -- "$BIN" >"$SCRATCH/app.log" 2>&1 &
session_pid=$!
pids+=("$session_pid")

app_log_tail() { echo "--- app output (last 30 lines) ---" >&2; tail -n 30 "$SCRATCH/app.log" >&2; }
window="$(DISPLAY="$DISPLAY" timeout "$WINDOW_TIMEOUT" xdotool search --sync --onlyvisible --name "^$WINDOW_TITLE\$" 2>/dev/null | head -n 1)" || true
if [ -z "$window" ]; then
  app_log_tail
  kill -0 "$session_pid" 2>/dev/null || fail "the installed app exited before it showed a window"
  fail "no visible window titled '$WINDOW_TITLE' within $WINDOW_TIMEOUT s"
fi
ok "window '$WINDOW_TITLE' (id $window) mapped within $((SECONDS - launch_start)) s"

app_pid="$(pgrep -s "$session_pid" -x switchboard | head -n 1 || true)"
[ -n "$app_pid" ] || fail "no switchboard process in the launched session"
[ "$(readlink "/proc/$app_pid/exe")" = "$BIN" ] || fail "the running app is $(readlink "/proc/$app_pid/exe"), not $BIN"
win_pid="$(DISPLAY="$DISPLAY" xdotool getwindowpid "$window" 2>/dev/null || true)"
[ "$win_pid" = "$app_pid" ] || fail "the window belongs to pid '$win_pid', not to the installed app ($app_pid)"
ok "it belongs to the installed app: pid $app_pid runs $BIN"
geometry="$(DISPLAY="$DISPLAY" xdotool getwindowgeometry "$window" | sed -n 's/ *Geometry: //p')"
wm_class="$(DISPLAY="$DISPLAY" xprop -id "$window" WM_CLASS | sed 's/^WM_CLASS(STRING) = //')"
ok "size $geometry, WM_CLASS $wm_class"
wm_startup="$(entry StartupWMClass)"
if [ -n "$wm_startup" ]; then
  grep -q "\"$wm_startup\"" <<<"$wm_class" || fail "the desktop entry's StartupWMClass=$wm_startup does not match WM_CLASS $wm_class"
  ok "the desktop entry's StartupWMClass=$wm_startup matches the window"
fi
webkit="$(pgrep -s "$session_pid" -f WebKitWebProcess | head -n 1 || true)"
[ -n "$webkit" ] || { app_log_tail; fail "no WebKitWebProcess runs: the page was not loaded"; }
ok "its WebKit web process runs (pid $webkit)"

sleep 2
kill -0 "$app_pid" 2>/dev/null || { app_log_tail; fail "the app exited within 2 s of showing its window"; }
ok "still running 2 s later"
if grep -qi "tray" "$SCRATCH/app.log"; then
  echo "    tray messages: $(grep -i tray "$SCRATCH/app.log" | head -n 3 | tr '\n' ' ')"
else
  echo "    (no tray host on Xvfb: the tray icon is created but shown nowhere; nothing was logged about it)"
fi

# The window painted its page (the UI embedded in the binary), not an empty surface: grab it
# with xwd, count its colours, and keep it as a PNG.
SHOT="$ROOT/target/deb-test/installed-app.png"
mkdir -p "$(dirname "$SHOT")"
colours=0
for _ in $(seq 10); do
  DISPLAY="$DISPLAY" xwd -silent -id "$window" >"$SCRATCH/window.xwd" 2>/dev/null || true
  colours="$(python3 - "$SCRATCH/window.xwd" "$SHOT" <<'PY' || echo 0
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
h = struct.unpack(">25I", data[:100])
header_size, width, height, byte_order = h[0], h[4], h[5], h[7]
bpp, stride, ncolors = h[11], h[12], h[19]
masks = h[14:17]
if bpp != 32 or 0 in (width, height):
    print(0)
    sys.exit()
pixels = data[header_size + 12 * ncolors:]
shifts = [(m & -m).bit_length() - 1 for m in masks]
fmt = "<I" if byte_order == 0 else ">I"
rows, seen = [], set()
for y in range(height):
    row = bytearray(b"\0")
    for x in range(width):
        (p,) = struct.unpack_from(fmt, pixels, y * stride + 4 * x)
        rgb = bytes((p & m) >> s for m, s in zip(masks, shifts))
        seen.add(rgb)
        row += rgb
    rows.append(bytes(row))
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b"")
open(sys.argv[2], "wb").write(png)
print(len(seen))
PY
)"
  [ "$colours" -ge 16 ] && break
  sleep 0.5
done
[ "$colours" -ge 16 ] || { app_log_tail; fail "the window shows $colours colours: its page did not paint (see $SHOT)"; }
ok "its page painted: $colours colours in the window (screenshot: target/deb-test/installed-app.png)"

step "stopping the app"
kill -TERM "$app_pid" 2>/dev/null || fail "the app exited by itself before it was stopped"
for _ in $(seq 50); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$app_pid" 2>/dev/null && fail "the app did not stop within 5 s of SIGTERM"
ok "stopped"

step "removing the package (dpkg -r $PKG)"
as_root dpkg -r "$PKG" >"$SCRATCH/dpkg-r.log" 2>&1 || { cat "$SCRATCH/dpkg-r.log" >&2; fail "dpkg -r $PKG failed"; }
installed=0
dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q "ok installed" && fail "$PKG is still installed after dpkg -r"
[ ! -e "$BIN" ] || fail "$BIN is still there after dpkg -r"
[ ! -e "$CLI" ] || fail "$CLI is still there after dpkg -r"
[ ! -e "$desktop" ] || fail "$desktop is still there after dpkg -r"
ok "removed: $BIN and $desktop are gone"

echo "deb-test: passed in $((SECONDS - started_at)) s ($PROFILE $(basename "$DEB"), $size_mb MB; budget for a release package: 10 MB)"
