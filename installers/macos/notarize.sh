#!/usr/bin/env bash
# Notarise a signed DMG with Apple and staple the ticket to it.
#
#   installers/macos/notarize.sh dist/opsconsole-0.1.0-macos-arm64.dmg
#
# Runs only when its secrets are set, otherwise says so and exits 0. Either an
# App Store Connect API key (preferred on CI):
#   NOTARY_API_KEY_ID, NOTARY_API_ISSUER_ID, NOTARY_API_KEY_P8_BASE64 (the .p8 key, base64)
# or an Apple ID with an app-specific password:
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_SPECIFIC_PASSWORD
# Notarisation needs a signed app (MACOS_SIGNING_IDENTITY, see codesign.sh).
set -euo pipefail
dmg=${1:?usage: notarize.sh PATH.dmg}

if [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
  echo "notarize.sh: skipped, the app is not signed (MACOS_SIGNING_IDENTITY is not set)"
  exit 0
fi
if [ -n "${NOTARY_API_KEY_ID:-}" ] && [ -n "${NOTARY_API_ISSUER_ID:-}" ] && [ -n "${NOTARY_API_KEY_P8_BASE64:-}" ]; then
  key=$(mktemp -d)/AuthKey_${NOTARY_API_KEY_ID}.p8
  trap 'rm -f "$key"' EXIT
  echo "$NOTARY_API_KEY_P8_BASE64" | base64 --decode > "$key"
  auth=(--key "$key" --key-id "$NOTARY_API_KEY_ID" --issuer "$NOTARY_API_ISSUER_ID")
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_SPECIFIC_PASSWORD:-}" ]; then
  auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_SPECIFIC_PASSWORD")
else
  echo "notarize.sh: skipped, no notarisation credentials (NOTARY_API_KEY_ID/NOTARY_API_ISSUER_ID/NOTARY_API_KEY_P8_BASE64" \
       "or APPLE_ID/APPLE_TEAM_ID/APPLE_APP_SPECIFIC_PASSWORD): $(basename "$dmg") is signed but not notarised"
  exit 0
fi
xcrun notarytool submit "$dmg" "${auth[@]}" --wait --timeout 30m
xcrun stapler staple "$dmg"
xcrun stapler validate "$dmg"
echo "notarize.sh: notarised and stapled $(basename "$dmg")"
