#!/usr/bin/env bash
# Recompresses a .deb that `tauri build --bundles deb` made (its data member gzip-compressed)
# with xz, as Debian's own packages are: the same files, modes and control data, about a
# quarter smaller. dpkg-deb rebuilds it; every file is owned by root in the package, as before.
#
#   scripts/repack-deb.sh path/to/package.deb
set -euo pipefail
deb="$1"
[ -f "$deb" ] || { echo "repack-deb: no such package: $deb" >&2; exit 2; }
work="$(mktemp -d -t switchboard-repack.XXXXXX)"
trap 'rm -rf "$work"' EXIT
before="$(stat -c %s "$deb")"
dpkg-deb -R "$deb" "$work/root"
dpkg-deb --root-owner-group -Zxz -z9 -b "$work/root" "$work/package.deb" >/dev/null
# The same file list, or the repack lost something.
files() { dpkg-deb -c "$1" | awk '{ sub(/^\.\//, "", $6); sub(/\/$/, "", $6); if ($6 != "" && $6 != ".") print $1, $3, $6 }' | sort; }
diff <(files "$deb") <(files "$work/package.deb") \
  || { echo "repack-deb: the repacked package's files differ from $deb" >&2; exit 1; }
mv "$work/package.deb" "$deb"
echo "repack-deb: $deb recompressed with xz: $before → $(stat -c %s "$deb") bytes"
