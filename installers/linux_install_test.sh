#!/usr/bin/env bash
# Prove the Linux tarball the way the Windows and macOS install tests prove theirs:
# unpack it into an empty folder as a user would, run the app from there (--version,
# then --sandbox --smoke-test, which must exit 0 with every panel loaded), check that
# running it wrote nothing into its own folder, then remove the folder.
#
#   installers/linux_install_test.sh dist/opsconsole-0.1.0-linux-x86_64.tar.gz 0.1.0
#
# Empty user folders (data, config, AWS config) in a scratch folder; QT_QPA_PLATFORM
# from the caller (offscreen on CI). Each run gets SMOKE_TIMEOUT seconds (default 300).
# Used by .ci/run and the release workflow.
set -euo pipefail
tarball=${1:?usage: linux_install_test.sh TARBALL VERSION}
version=${2:?usage: linux_install_test.sh TARBALL VERSION}
timeout_s=${SMOKE_TIMEOUT:-300}

fail() { echo "linux_install_test.sh: $*" >&2; exit 1; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
install="$scratch/install"
mkdir "$install"
tar -xzf "$tarball" -C "$install"
[ "$(ls -A "$install")" = opsconsole ] || fail "the tarball must hold one folder, opsconsole/, and nothing else"
app="$install/opsconsole"
exe="$app/opsconsole"
[ -x "$exe" ] || fail "no executable opsconsole/opsconsole in the tarball"
listing() { (cd "$app" && find . -printf '%p %s\n' | LC_ALL=C sort); }
before=$(listing)

export OPSCONSOLE_DATA_DIR="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
       AWS_CONFIG_FILE="$scratch/aws_config" AWS_SHARED_CREDENTIALS_FILE="$scratch/aws_credentials" \
       OPSCONSOLE_SELF_CHECK=1
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

run_frozen() {  # run_frozen EXPECTED_TEXT ARGS...: exit 0 and EXPECTED_TEXT in its output, or fail
  local expect=$1; shift
  local t0 ms out code=0
  t0=$(date +%s%N)
  out=$(cd "$scratch" && timeout "$timeout_s" "$exe" "$@" 2>&1) || code=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  printf '%s\n' "$out"
  echo "frozen $*: exit $code in $(( ms / 1000 )).$(( ms % 1000 / 100 )) s"
  if [ "$code" -eq 124 ]; then
    fail "frozen $* timed out after $timeout_s s"
  fi
  if [ "$code" -ne 0 ] || ! grep -qF -- "$expect" <<<"$out" || ! grep -q "^resources: ok" <<<"$out"; then
    fail "frozen $* failed (exit $code)"
  fi
}
run_frozen "opsconsole $version" --version
run_frozen "executions: " --sandbox --smoke-test

after=$(listing)
if [ "$before" != "$after" ]; then
  diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
  fail "running the app changed its own folder (it must write only to the user's folders)"
fi
rm -rf "$install"
[ ! -e "$install" ] || fail "could not remove the unpacked app"
echo "linux_install_test.sh: ok (unpacked into an empty folder, ran, left its folder unchanged, removed)"
