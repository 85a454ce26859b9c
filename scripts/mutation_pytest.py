"""pytest plugin for the mutation run (scripts/mutation.sh): the fast tests only.

Tests that need the embedded sandbox (any test using the ``sandbox`` fixture,
directly or through ``sandbox_clients``/``sandbox_connection``) are deselected:
each mutant runs in a fresh pytest session, so a session-scoped sandbox would
start once per mutant. What those tests alone would kill is listed in
docs/testing.md.
"""

from __future__ import annotations

import gc


def pytest_collection_modifyitems(config, items):
    keep, drop = [], []
    for item in items:
        (drop if "sandbox" in getattr(item, "fixturenames", ()) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_configure(config):
    # Each mutant's session is forked from a process holding every module and the stats pass's objects;
    # pytest collects garbage at its end, which walked all of them (about 0.3 s a mutant). They are
    # left out of collection from here on.
    gc.freeze()
