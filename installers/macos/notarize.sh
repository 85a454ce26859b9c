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
#
# `notarytool submit --wait` exits 0 even when Apple's verdict is Invalid (the failure
# would show only later, as stapler's error 65), so the verdict is read from its JSON
# output: anything but Accepted fails here, after printing Apple's log, which names
# each file and what is wrong with it. The wait is NOTARY_TIMEOUT (default 30m).
set -euo pipefail
dmg=${1:?usage: notarize.sh PATH.dmg}
timeout=${NOTARY_TIMEOUT:-30m}

if [ -z "${MACOS_SIGNING_IDENTITY:-}" ]; then
  echo "notarize.sh: skipped, the app is not signed (MACOS_SIGNING_IDENTITY is not set)"
  exit 0
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ -n "${NOTARY_API_KEY_ID:-}" ] && [ -n "${NOTARY_API_ISSUER_ID:-}" ] && [ -n "${NOTARY_API_KEY_P8_BASE64:-}" ]; then
  key="$scratch/AuthKey_${NOTARY_API_KEY_ID}.p8"
  printf '%s' "$NOTARY_API_KEY_P8_BASE64" | base64 --decode > "$key"
  auth=(--key "$key" --key-id "$NOTARY_API_KEY_ID" --issuer "$NOTARY_API_ISSUER_ID")
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_SPECIFIC_PASSWORD:-}" ]; then
  auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_SPECIFIC_PASSWORD")
else
  echo "notarize.sh: skipped, no notarisation credentials (NOTARY_API_KEY_ID/NOTARY_API_ISSUER_ID/NOTARY_API_KEY_P8_BASE64" \
       "or APPLE_ID/APPLE_TEAM_ID/APPLE_APP_SPECIFIC_PASSWORD): $(basename "$dmg") is signed but not notarised"
  exit 0
fi

# json_field NAME: the first string value of "NAME" in the JSON on stdin (notarytool
# prints one flat object: {"id": "...", "status": "Accepted", "message": "..."})
json_field() { { grep -o "\"$1\" *: *\"[^\"]*\"" || true; } | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }

result="$scratch/submit.json"
code=0
xcrun notarytool submit "$dmg" "${auth[@]}" --wait --timeout "$timeout" --output-format json > "$result" || code=$?
cat "$result"
echo
id=$(json_field id < "$result")
status=$(json_field status < "$result")
if [ "$status" != "Accepted" ]; then
  echo "notarize.sh: notarisation of $(basename "$dmg") ended with status '${status:-none}' (notarytool exit $code)" >&2
  if [ -n "$id" ]; then
    echo "notarize.sh: Apple's log for submission $id:" >&2
    xcrun notarytool log "$id" "${auth[@]}" >&2 || echo "notarize.sh: could not fetch the log" >&2
  fi
  exit 1
fi
xcrun stapler staple "$dmg"
xcrun stapler validate "$dmg"
echo "notarize.sh: notarised ($id) and stapled $(basename "$dmg")"
