#!/usr/bin/env bash
# Prove the macOS disk image: mount it, copy the app out as a user would, verify its
# signature (and, when signed with a Developer ID and notarised, Gatekeeper's verdict and
# the stapled ticket), then run the copy with Qt's native "cocoa" platform plugin:
# --version, then --sandbox --smoke-test. Exits non-zero at the first step that fails.
#
#   installers/macos/install_test.sh dist/opsconsole-0.1.0-macos-arm64.dmg 0.1.0
#
# Run by the release workflow, with the same signing variables as codesign.sh and
# notarize.sh (their presence says what to expect).
set -euo pipefail
dmg=${1:?usage: install_test.sh PATH.dmg VERSION}
version=${2:?usage: install_test.sh PATH.dmg VERSION}
timeout_s=${SMOKE_TIMEOUT:-300}

if [ "$(uname -s)" != Darwin ]; then
  echo "install_test.sh: macOS only" >&2
  exit 2
fi
scratch=$(mktemp -d)
mnt="$scratch/volume"
mounted=false
cleanup() {
  if $mounted; then hdiutil detach "$mnt" -quiet || hdiutil detach "$mnt" -force -quiet || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

# -- install: mount, copy the app out, unmount ---------------------------------------
mkdir -p "$mnt" "$scratch/Applications"
hdiutil attach "$dmg" -nobrowse -readonly -noautoopen -mountpoint "$mnt" > /dev/null
mounted=true
[ -L "$mnt/Applications" ] || { echo "install_test.sh: the image has no Applications link" >&2; exit 1; }
ditto "$mnt/opsconsole.app" "$scratch/Applications/opsconsole.app"
hdiutil detach "$mnt" -quiet
mounted=false
app="$scratch/Applications/opsconsole.app"
echo "install_test.sh: copied opsconsole.app out of $(basename "$dmg")" \
     "(LSMinimumSystemVersion $(plutil -extract LSMinimumSystemVersion raw -o - "$app/Contents/Info.plist"))"

# -- signature -----------------------------------------------------------------
codesign --verify --deep --strict --verbose=2 "$app"
if [ -n "${MACOS_SIGNING_IDENTITY:-}" ]; then
  codesign --display --verbose=2 "$app" 2>&1 | grep -E "^(Authority|TeamIdentifier|Runtime|Timestamp)" || true
  if [ -n "${NOTARY_API_KEY_ID:-}${APPLE_ID:-}" ]; then
    spctl -a -vv -t exec "$app"
    xcrun stapler validate "$dmg"
  else
    echo "install_test.sh: signed but not notarised (no notarisation credentials): Gatekeeper's check skipped"
  fi
else
  echo "install_test.sh: ad-hoc signed (no MACOS_SIGNING_IDENTITY): seals verified, Gatekeeper's check skipped"
fi

# -- run the copied app ------------------------------------------------------------
exe="$app/Contents/MacOS/opsconsole"
run_app() {  # run_app EXPECTED_TEXT ARGS...
  local expect=$1; shift
  local out code=0 began=$SECONDS
  out=$(QT_QPA_PLATFORM=cocoa OPSCONSOLE_SELF_CHECK=1 OPSCONSOLE_DATA_DIR="$scratch/data" \
        perl -e 'alarm shift; exec @ARGV' "$timeout_s" "$exe" "$@" 2>&1) || code=$?
  printf '%s\n' "$out"
  echo "install_test.sh: opsconsole $*: exit $code in $((SECONDS - began)) s"
  if [ "$code" -ne 0 ] || ! grep -qF -- "$expect" <<<"$out" || ! grep -q "^resources: ok" <<<"$out"; then
    echo "install_test.sh: opsconsole $* failed" >&2
    exit 1
  fi
}
run_app "opsconsole $version" --version
run_app "executions: " --sandbox --smoke-test
echo "install_test.sh: ok (mounted, copied, verified, ran)"
