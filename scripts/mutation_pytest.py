"""pytest plugin for the mutation run (scripts/mutation.sh): the fast tests only.

Tests that need the embedded sandbox (any test using the ``sandbox`` fixture,
directly or through ``sandbox_clients``/``sandbox_connection``) are deselected:
each mutant runs in a fresh pytest session, so a session-scoped sandbox would
start once per mutant. What those tests alone would kill is listed in
docs/testing.md. A mutant of the ASL validator runs the validation tests only (below).
"""

from __future__ import annotations

import gc
import inspect
import os
import shutil
import tempfile

import pytest


# A mutant of the ASL validator is tried against the validation tests (valid and broken documents, the
# rules, the fuzzed defects), not the layout tests: those only feed it valid definitions, which the
# validation tests accept too, and they would add about ten seconds to each mutant that survives.
_TESTS_FOR_MODULE = {
    "opsconsole.core.executions.asl.validate.": ("test_asl.py", "test_asl_defects.py", "test_asl_rules.py"),
}


def _unwanted(item, mutant: str) -> bool:
    if "sandbox" in getattr(item, "fixturenames", ()):
        return True
    for module, files in _TESTS_FOR_MODULE.items():
        if mutant.startswith(module) and item.path.name.startswith("test_asl") and item.path.name not in files:
            return True
    return False


def pytest_collection_modifyitems(config, items):
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    keep, drop = [], []
    for item in items:
        (drop if _unwanted(item, mutant) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


#: In a mutant's session: the (file name, test function) pairs mutmut asked for; None: every test.
_wanted: set[tuple[str, str]] | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    global _wanted
    # Each mutant's session is forked from a process holding every module and the stats pass's objects;
    # pytest collects garbage at its end, which walked all of them (about 0.3 s a mutant). They are
    # left out of collection from here on.
    gc.freeze()
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    # A folder of its own for this session's tmp_path: pytest's numbered folders are looked through, locked
    # and pruned at every session's start, thousands of times in a run.
    if not config.option.basetemp:
        root = os.path.join(tempfile.gettempdir(), f"opsconsole-mutants-{os.getuid()}")
        os.makedirs(root, mode=0o700, exist_ok=True)
        config.option.basetemp = os.path.join(root, str(os.getpid()))
    # mutmut names the tests to run (file::function[case]); pytest would still make an item of every test
    # of each file named and then pick: only the functions asked for are made into items.
    wanted = set()
    for arg in config.args:
        path, sep, rest = str(arg).partition("::")
        if not sep:
            return  # a whole file or folder: everything in it
        wanted.add((os.path.basename(path), rest.split("::")[0].split("[")[0]))
    _wanted = wanted


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    if _wanted is None or not isinstance(collector, pytest.Module) or not inspect.isfunction(obj):
        return None
    if name.startswith("test") and (collector.path.name, name) not in _wanted:
        return []
    return None


def pytest_unconfigure(config):
    if _wanted is not None and config.option.basetemp:
        shutil.rmtree(config.option.basetemp, ignore_errors=True)
