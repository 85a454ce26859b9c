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
# An install in edit mode from another checkout would be imported instead of the mutants
# (mutmut takes only this checkout's src/ off the path): every mutant would "survive".
installed=$(cd / && "$VENV/bin/python" -c 'import opsconsole, pathlib; print(pathlib.Path(opsconsole.__file__).resolve().parent.parent)' 2>/dev/null || true)
if [[ -n "$installed" && "$installed" != */site-packages && "$installed" != "$(pwd -P)/src" ]]; then
    echo "$VENV has opsconsole installed in edit mode from $installed, not from this checkout;" >&2
    echo "  install it from here: $VENV/bin/pip install -e \".[test]\"" >&2
    exit 2
fi
if [[ "${1:-}" == "--fresh" ]]; then
    rm -rf mutants
    shift
fi
# mutants/src must exist before Python starts: a PYTHONPATH entry that is missing then is
# skipped for the whole run, even once mutmut has created it.
mkdir -p mutants/src
export QT_QPA_PLATFORM=offscreen
# A test that starts a Python of its own (the layout's hash-seed test) imports the mutated modules, megabytes
# of source with every mutant in it: without their bytecode cached it compiles them again each time, about
# 3 s a mutant that reaches that test.
unset PYTHONDONTWRITEBYTECODE
# the pytest plugin, and the mutated code for tests that start a Python of their own
export PYTHONPATH="$PWD/scripts:$PWD/mutants/src"
start=$(date +%s)
# mutmut run, with its bookkeeping after each mutant batched and one pytest session collected once for
# every mutant (scripts/mutation_run.py; MUTATION_SESSIONS=fresh: a session per mutant)
"$VENV/bin/python" scripts/mutation_run.py run --max-children "${MUTATION_JOBS:-2}" "$@" | tr '\r' '\n' | tail -n 1
echo "mutation run: $(( $(date +%s) - start )) s"
"$VENV/bin/python" scripts/mutation_report.py
