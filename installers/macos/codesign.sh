#!/usr/bin/env bash
# Sign the macOS app (or a DMG) with a Developer ID, hardened runtime, timestamp.
#
#   installers/macos/codesign.sh dist/opsconsole.app
#   installers/macos/codesign.sh dist/opsconsole-0.1.0-macos-arm64.dmg
#
# Runs only when its secrets are set, otherwise says so and exits 0:
#   MACOS_SIGNING_IDENTITY       e.g. "Developer ID Application: Example Ltd (TEAMID1234)"
# and, on a CI runner whose login keychain lacks the certificate:
#   MACOS_CERTIFICATE_P12_BASE64 the Developer ID certificate and key, .p12, base64
#   MACOS_CERTIFICATE_PASSWORD   its password
# The certificate then goes into a temporary keychain that is deleted afterwards.
set -euo pipefail
target=${1:?usage: codesign.sh PATH.app|PATH.dmg}
here=$(cd "$(dirname "$0")" && pwd)

if [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
  echo "codesign.sh: skipped, MACOS_SIGNING_IDENTITY is not set: $(basename "$target") stays unsigned" \
       "(Gatekeeper will refuse to open it until the user allows it in System Settings > Privacy & Security)"
  exit 0
fi
if [ "$(uname -s)" != Darwin ]; then
  echo "codesign.sh: macOS only" >&2
  exit 2
fi

keychain=""
cleanup() { if [ -n "$keychain" ]; then security delete-keychain "$keychain" || true; fi; }
trap cleanup EXIT
if [ -n "${MACOS_CERTIFICATE_P12_BASE64:-}" ]; then
  keychain="${RUNNER_TEMP:-$(mktemp -d)}/opsconsole-signing.keychain-db"
  kc_password=$(uuidgen)
  p12=$(mktemp)
  echo "$MACOS_CERTIFICATE_P12_BASE64" | base64 --decode > "$p12"
  security create-keychain -p "$kc_password" "$keychain"
  security set-keychain-settings -lut 3600 "$keychain"
  security unlock-keychain -p "$kc_password" "$keychain"
  security import "$p12" -k "$keychain" -P "${MACOS_CERTIFICATE_PASSWORD:?MACOS_CERTIFICATE_PASSWORD is required with the .p12}" \
    -T /usr/bin/codesign
  rm -f "$p12"
  security set-key-partition-list -S apple-tool:,apple: -s -k "$kc_password" "$keychain" > /dev/null
  # keep the user's keychains searchable, with ours first
  existing=()
  while IFS= read -r line; do existing+=("$(echo "$line" | tr -d ' "')"); done < <(security list-keychains -d user)
  security list-keychains -d user -s "$keychain" "${existing[@]}"
fi

sign() {
  codesign --force --timestamp --options runtime --entitlements "$here/entitlements.plist" \
           --sign "$MACOS_SIGNING_IDENTITY" ${keychain:+--keychain "$keychain"} "$@"
}

case "$target" in
  *.app)
    # Inside out: every Mach-O file (Python extensions, Qt libraries and plugins,
    # the Python library), then the bundle itself, which seals its resources.
    while IFS= read -r -d '' file; do
      if file -b "$file" | grep -q "Mach-O"; then
        sign "$file"
      fi
    done < <(find "$target/Contents" -type f \( -perm -u+x -o -name "*.so" -o -name "*.dylib" \) -print0)
    sign "$target"
    codesign --verify --deep --strict --verbose=2 "$target"
    ;;
  *.dmg)
    codesign --force --timestamp --sign "$MACOS_SIGNING_IDENTITY" ${keychain:+--keychain "$keychain"} "$target"
    codesign --verify --verbose=2 "$target"
    ;;
  *)
    echo "codesign.sh: expected a .app or a .dmg, got $target" >&2
    exit 2
    ;;
esac
echo "codesign.sh: signed $(basename "$target") as $MACOS_SIGNING_IDENTITY"
