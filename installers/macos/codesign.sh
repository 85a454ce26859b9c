#!/usr/bin/env bash
# Sign the macOS app (or a DMG): Developer ID, hardened runtime, secure timestamp.
#
#   installers/macos/codesign.sh dist/opsconsole.app
#   installers/macos/codesign.sh dist/opsconsole-0.1.0-macos-arm64.dmg
#
# With a Developer ID, when its secrets are set:
#   MACOS_SIGNING_IDENTITY       e.g. "Developer ID Application: Example Ltd (TEAMID1234)"
# and, on a CI runner whose login keychain lacks the certificate:
#   MACOS_CERTIFICATE_P12_BASE64 the Developer ID certificate and key, .p12, base64
#   MACOS_CERTIFICATE_PASSWORD   its password
# The certificate then goes into a temporary keychain; the keychain and the decoded
# .p12 are deleted when the script ends, whether signing worked or not.
#
# Without MACOS_SIGNING_IDENTITY: an app is signed ad hoc ("-") the same inside-out way,
# so that its seals hold (a broken seal shows as "damaged" on Apple silicon, with no
# "Open Anyway"); a failure there fails the build. A DMG is left unsigned.
#
# The order is Apple's (TN2206, "Signing code"): inside out, each piece once.
#   1. every Mach-O file that is not a framework's main binary or the app's own
#      executable (Python extensions, .dylib files, Qt plugins, helpers);
#   2. each framework bundle, at its version folder (X.framework/Versions/A), so that
#      its resources are sealed (Qt*.framework, Python.framework);
#   3. the app, with the entitlements (executables only, never libraries).
# Then codesign --verify --deep --strict must pass.
set -euo pipefail
target=${1:?usage: codesign.sh PATH.app|PATH.dmg}
here=$(cd "$(dirname "$0")" && pwd)
identity=${MACOS_SIGNING_IDENTITY:-}

case "$target" in
  *.app|*.dmg) ;;
  *)
    echo "codesign.sh: expected a .app or a .dmg, got $target" >&2
    exit 2
    ;;
esac
if [ -z "$identity" ] && [[ "$target" == *.dmg ]]; then
  echo "codesign.sh: skipped, MACOS_SIGNING_IDENTITY is not set: $(basename "$target") stays unsigned" \
       "(Gatekeeper will refuse to open the app until the user allows it in System Settings > Privacy & Security)"
  exit 0
fi
if [ "$(uname -s)" != Darwin ]; then
  echo "codesign.sh: macOS only" >&2
  exit 2
fi

keychain=""
scratch=$(mktemp -d)
cleanup() {
  if [ -n "$keychain" ]; then security delete-keychain "$keychain" || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
if [ -n "$identity" ] && [ -n "${MACOS_CERTIFICATE_P12_BASE64:-}" ]; then
  keychain="$scratch/opsconsole-signing.keychain-db"
  kc_password=$(uuidgen)
  p12="$scratch/certificate.p12"
  printf '%s' "$MACOS_CERTIFICATE_P12_BASE64" | base64 --decode > "$p12"
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

# codesign options: a Developer ID signs with the hardened runtime and a secure
# timestamp (both required for notarisation); ad hoc has neither.
if [ -n "$identity" ]; then
  options=(--force --sign "$identity" --timestamp --options runtime)
  if [ -n "$keychain" ]; then options+=(--keychain "$keychain"); fi
  who="$identity"
else
  options=(--force --sign -)
  who="ad hoc (no MACOS_SIGNING_IDENTITY)"
fi

sign() { codesign "${options[@]}" "$@"; }

is_macho() { file -b "$1" | grep -q "Mach-O"; }

case "$target" in
  *.app)
    contents="$target/Contents"
    main_exe="$contents/MacOS/$(plutil -extract CFBundleExecutable raw -o - "$contents/Info.plist")"
    # the frameworks' version folders (Versions/A, Versions/3.11, ...), real folders only, that
    # are whole bundles (Resources/Info.plist); a framework collected without its Info.plist
    # cannot be signed as a bundle, so its main binary is signed as a plain file instead
    frameworks=()
    while IFS= read -r -d '' version; do
      if [ -f "$version/Resources/Info.plist" ]; then
        frameworks+=("$version")
      else
        echo "codesign.sh: ${version#"$contents"/} has no Resources/Info.plist: its binary is signed as a file"
      fi
    done < <(
      find "$contents" -type d -path "*.framework/Versions/*" -not -path "*.framework/Versions/*/*" \
           -not -name Current -print0)
    # 1. loose Mach-O files, whatever their name or mode (their order does not matter: only
    #    bundles seal other code); a framework's main binary is signed with its bundle in step 2
    count=0
    while IFS= read -r -d '' file; do
      [ "$file" = "$main_exe" ] && continue
      is_macho "$file" || continue
      main_binary=false
      for version in ${frameworks[@]+"${frameworks[@]}"}; do
        if [ "$file" = "$version/$(basename "${version%/Versions/*}" .framework)" ]; then main_binary=true; break; fi
      done
      $main_binary && continue
      sign "$file"
      count=$((count + 1))
    done < <(find "$contents" -type f -not -name "*.py" -not -name "*.pyc" -not -name "*.json" -print0)
    echo "codesign.sh: signed $count libraries, extensions and plugins"
    # 2. framework bundles, a nested one before the one holding it (longest path first)
    while IFS= read -r version; do
      [ -n "$version" ] || continue
      sign "$version"
      echo "codesign.sh: signed ${version#"$contents"/}"
    done < <(printf '%s\n' ${frameworks[@]+"${frameworks[@]}"} | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
    # 3. the app itself: seals everything above; entitlements on its executable only
    sign --entitlements "$here/entitlements.plist" "$target"
    codesign --verify --deep --strict --verbose=2 "$target"
    ;;
  *.dmg)
    sign "$target"
    codesign --verify --verbose=2 "$target"
    ;;
esac
echo "codesign.sh: signed $(basename "$target") as $who"
