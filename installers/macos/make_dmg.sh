#!/usr/bin/env bash
# Make the drag-to-install disk image: the app next to a link to /Applications.
#
#   installers/macos/make_dmg.sh dist/opsconsole.app dist/opsconsole-0.1.0-macos-arm64.dmg "opsconsole 0.1.0"
set -euo pipefail
app=${1:?usage: make_dmg.sh APP DMG [VOLUME_NAME]}
dmg=${2:?usage: make_dmg.sh APP DMG [VOLUME_NAME]}
volume=${3:-$(basename "$app" .app)}

if [ "$(uname -s)" != Darwin ]; then
  echo "make_dmg.sh: needs hdiutil, macOS only" >&2
  exit 2
fi
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# ditto keeps symlinks, permissions, extended attributes and signatures intact
ditto "$app" "$stage/$(basename "$app")"
ln -s /Applications "$stage/Applications"
rm -f "$dmg"
hdiutil create -volname "$volume" -srcfolder "$stage" -fs HFS+ -format UDZO -imagekey zlib-level=9 -ov "$dmg"
echo "make_dmg.sh: wrote $dmg ($(du -h "$dmg" | cut -f1))"
