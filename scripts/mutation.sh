#!/usr/bin/env bash
# Mutation testing of the pure-logic core packages (docs/testing.md). Not part of CI.
#
#   scripts/mutation.sh            # run (resumes: only changed code is re-tested) and print the score per package
#   scripts/mutation.sh --fresh    # forget earlier results first
#   MUTATION_VENV=/path scripts/mutation.sh   # the venv to use (default /tmp/mvenv)
#
# mutmut 3 goes in a venv of its own, with the project and its test extras:
#   python3 -m venv /tmp/mvenv && /tmp/mvenv/bin/pip install -e ".[test]" "mutmut>=3.8,<4"
# What is mutated and which tests run: the [mutmut] section of setup.cfg;
# scripts/mutation_pytest.py leaves out the tests that need the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${MUTATION_VENV:-/tmp/mvenv}"
if [[ ! -x "$VENV/bin/mutmut" ]]; then
    echo "no mutmut in $VENV; create it with:" >&2
    echo "  python3 -m venv $VENV && $VENV/bin/pip install -e \".[test]\" \"mutmut>=3.8,<4\"" >&2
    exit 2
fi
if [[ "${1:-}" == "--fresh" ]]; then
    rm -rf mutants
    shift
fi
export QT_QPA_PLATFORM=offscreen
# the pytest plugin; the code under test comes from mutants/src, also for Python processes a test starts
export PYTHONPATH="$PWD/scripts:$PWD/mutants/src"
start=$(date +%s)
"$VENV/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" "$@" | tr '\r' '\n' | tail -n 1
echo "mutation run: $(( $(date +%s) - start )) s"
"$VENV/bin/python" scripts/mutation_report.py
