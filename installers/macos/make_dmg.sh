#!/usr/bin/env bash
# Make the drag-to-install disk image: the app next to a link to /Applications.
#
#   installers/macos/make_dmg.sh dist/opsconsole.app dist/opsconsole-0.1.0-macos-arm64.dmg "opsconsole 0.1.0"
#
# hdiutil create fails now and then with "Resource busy" on hosted runners (a
# Spotlight or XProtect scan holding the new image; actions/runner-images#7522): it is
# tried up to DMG_ATTEMPTS times (default 5), waiting DMG_RETRY_WAIT seconds (default 5)
# and twice as long after each further failure.
set -euo pipefail
app=${1:?usage: make_dmg.sh APP DMG [VOLUME_NAME]}
dmg=${2:?usage: make_dmg.sh APP DMG [VOLUME_NAME]}
volume=${3:-$(basename "$app" .app)}
attempts=${DMG_ATTEMPTS:-5}

if [ "$(uname -s)" != Darwin ]; then
  echo "make_dmg.sh: needs hdiutil, macOS only" >&2
  exit 2
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# ditto keeps symlinks, permissions, extended attributes and signatures intact
ditto "$app" "$stage/$(basename "$app")"
ln -s /Applications "$stage/Applications"

wait_s=${DMG_RETRY_WAIT:-5}
for attempt in $(seq 1 "$attempts"); do
  rm -f "$dmg"
  if hdiutil create -volname "$volume" -srcfolder "$stage" -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$dmg"; then
    echo "make_dmg.sh: wrote $dmg ($(du -h "$dmg" | cut -f1))"
    exit 0
  fi
  if [ "$attempt" -lt "$attempts" ]; then
    echo "make_dmg.sh: hdiutil create failed (attempt $attempt of $attempts), trying again in ${wait_s} s" >&2
    sleep "$wait_s"
    wait_s=$((wait_s * 2))
  fi
done
echo "make_dmg.sh: hdiutil create failed $attempts times" >&2
exit 1
