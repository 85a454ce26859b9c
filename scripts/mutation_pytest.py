"""pytest plugin for the mutation run (scripts/mutation.sh): the fast tests only.

Tests that need the embedded sandbox (any test using the ``sandbox`` fixture,
directly or through ``sandbox_clients``/``sandbox_connection``) are deselected:
each mutant runs in a fresh pytest session, so a session-scoped sandbox would
start once per mutant. What those tests alone would kill is listed in
docs/testing.md. A mutant of the ASL validator runs the validation tests only (below).
"""

from __future__ import annotations

import gc
import os


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


def pytest_configure(config):
    # Each mutant's session is forked from a process holding every module and the stats pass's objects;
    # pytest collects garbage at its end, which walked all of them (about 0.3 s a mutant). They are
    # left out of collection from here on.
    gc.freeze()
