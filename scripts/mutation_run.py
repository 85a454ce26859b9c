"""``mutmut run`` with its per-mutant bookkeeping batched (scripts/mutation.sh runs this, not ``mutmut``).

mutmut 3.8 does two things in its one coordinating process after every mutant: it recounts the results
of all mutants for the progress line, and it rewrites the JSON results file of the mutant's source file
(indented; ``validate.py``'s holds 1,448 mutants). Together about 75 ms a mutant, more than a killed
mutant's own test session takes, so with two workers the coordinator was the bottleneck: the workers
waited for it. Here the progress line is recounted at most once a second and each results file is written
at most every five seconds, and always at the end of the run, on Ctrl+C and at exit: results, and which
mutants a second run may skip, are the same; a run killed outright re-tests at most its last five seconds.

Second, each mutant no longer starts a pytest session of its own. mutmut forks a child per mutant from
its coordinating process, and the child ran ``pytest.main``: configure pytest, register the plugins,
collect the test files, make their items, prepare the temporary folders; three quarters of a killed
mutant's 0.2-0.3 s. Here the coordinator configures one session and collects every selected test once,
just before the first mutant; each child, forked from it, runs only the items mutmut names for its mutant,
in mutmut's order, stopping at the first failure (``-x``), with a temporary folder of its own. A mutant
whose tests are not all in that session (a test added since) gets a session of its own as before.
``MUTATION_SESSIONS=fresh`` runs every mutant in a session of its own.

Needs the mutmut this is written for (``mutmut>=3.8,<4``); with another, it says so and runs mutmut as is.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import mutmut.__main__ as mutmut_main

_SAVE_EVERY = 5.0
_PRINT_EVERY = 1.0

_unsaved: dict[int, object] = {}
_last_save = [time.monotonic()]
_last_print = [0.0]


def _save_unsaved() -> None:
    for data in list(_unsaved.values()):
        data.save()
    _unsaved.clear()
    _last_save[0] = time.monotonic()


class _WarmSession:
    """One configured pytest session with every selected test collected, held open in the coordinator."""

    def __init__(self, args: list[str]) -> None:
        from _pytest.config import _prepareconfig
        from _pytest.main import Session

        self.deselected: set[str] = set()
        outer = self

        class _Deselected:
            def pytest_deselected(self, items) -> None:  # noqa: ANN001
                outer.deselected.update(item.nodeid for item in items)

        self.config = _prepareconfig(args, [_Deselected()])
        self.session = Session.from_config(self.config)
        self.config._do_configure()
        self.config.hook.pytest_sessionstart(session=self.session)
        self.config.hook.pytest_collection(session=self.session)
        self.items = {item.nodeid: item for item in self.session.items}

    def run(self, mutant_name: str, tests: list[str]) -> int | None:
        """In a mutant's child: run ``tests`` (node ids) and give pytest's exit code; None: not all known here."""
        import mutation_pytest

        if any(test not in self.items and test not in self.deselected for test in tests):
            return None
        items = [self.items[test] for test in tests if test in self.items]
        items = [item for item in items if not mutation_pytest._unwanted(item, mutant_name)]
        if not items:
            return 5  # pytest's "no tests ran"
        factory = self.config._tmp_path_factory
        root = Path(tempfile.gettempdir()) / f"opsconsole-mutants-{os.getuid()}"
        root.mkdir(mode=0o700, exist_ok=True)
        factory._given_basetemp = root / str(os.getpid())
        factory._basetemp = None
        try:
            hook = self.config.hook
            for index, item in enumerate(items):
                next_item = items[index + 1] if index + 1 < len(items) else None
                hook.pytest_runtest_protocol(item=item, nextitem=next_item)
                if self.session.testsfailed or self.session.shouldfail or self.session.shouldstop:
                    break
            return 1 if self.session.testsfailed else 0
        finally:
            shutil.rmtree(factory._given_basetemp, ignore_errors=True)


def _warm_runner(max_workers: int = 1):  # noqa: ANN202
    """mutmut's fork runner, with its children running their mutant's tests in the warm session."""
    from mutmut.configuration import ProcessIsolation, config
    from mutmut.runners.harness import PytestRunner
    from mutmut.utils.file_utils import change_cwd
    from mutmut.workers.isolation import ForkRunner

    if config().process_isolation != ProcessIsolation.FORK:
        return _fresh_runner(max_workers)

    class WarmPytestRunner(PytestRunner):
        warm: _WarmSession | None = None

        def start_warm_session(self) -> None:
            args = ["--rootdir=.", "--tb=native", *self._pytest_args_regular_run([]), *self._pytest_add_cli_args]
            with change_cwd("mutants"):
                self.warm = _WarmSession(args)

        def run_tests(self, *, mutant_name: str | None, tests) -> int:  # noqa: ANN001
            if self.warm is not None and mutant_name and "__mutmut_" in mutant_name:
                try:
                    with change_cwd("mutants"):
                        exit_code = self.warm.run(mutant_name, list(tests))
                except BaseException:  # in the child: never fall back into mutmut's loop
                    import traceback

                    traceback.print_exc(file=sys.__stderr__)
                    os._exit(35)  # mutmut's "suspicious"
                if exit_code is not None:
                    return exit_code
            return super().run_tests(mutant_name=mutant_name, tests=tests)

    class WarmForkRunner(ForkRunner):
        def startup(self) -> None:
            self.test_runner.start_warm_session()
            super().startup()

    if max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    return WarmForkRunner(max_workers=max_workers, test_runner=WarmPytestRunner(), debug=config().debug)


_fresh_runner = mutmut_main.get_mutant_runner


def main() -> int:
    register = getattr(mutmut_main, "_register_mutant_result", None)
    print_stats = getattr(mutmut_main, "print_stats", None)
    if register is None or print_stats is None:
        print("mutation_run.py: this mutmut has no _register_mutant_result/print_stats; running it unchanged",
              file=sys.stderr)
        return mutmut_main.cli()

    def register_batched(result, mutation_data_by_mutant_name) -> None:  # noqa: ANN001
        data = mutation_data_by_mutant_name[result.mutant_name]
        assert result.mutant_name in data.exit_code_by_key, f"{result.mutant_name} is not a mutant of {data.path}"
        data.exit_code_by_key[result.mutant_name] = result.exit_code
        data.durations_by_key[result.mutant_name] = result.duration
        _unsaved[id(data)] = data
        if time.monotonic() - _last_save[0] >= _SAVE_EVERY:
            _save_unsaved()

    def print_stats_now_and_then(source_file_mutation_data_by_path, force_output: bool = False) -> None:  # noqa: ANN001
        if force_output:
            _save_unsaved()
        now = time.monotonic()
        if force_output or now - _last_print[0] >= _PRINT_EVERY:
            _last_print[0] = now
            print_stats(source_file_mutation_data_by_path, force_output=force_output)

    mutmut_main._register_mutant_result = register_batched
    if os.environ.get("MUTATION_SESSIONS", "warm") != "fresh":
        mutmut_main.get_mutant_runner = _warm_runner
    mutmut_main.print_stats = print_stats_now_and_then
    atexit.register(_save_unsaved)
    return mutmut_main.cli()


if __name__ == "__main__":
    sys.exit(main())
