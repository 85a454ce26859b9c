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
quickest first, stopping at the first failure (``-x``), with a temporary folder of its own, and with the
mutated functions called without their trampolines (``_Trampolines``). A mutant
whose tests are not all in that session (a test added since) gets a session of its own as before.
``MUTATION_SESSIONS=fresh`` runs every mutant in a session of its own.

Needs the mutmut this is written for (``mutmut>=3.8,<4``); with another, it says so and runs mutmut as is.
"""

from __future__ import annotations

import atexit
import contextlib
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


class _Trampolines:
    """Every reference to a mutated function that the modules and classes loaded hold, and what it stands for.

    mutmut puts each mutated function behind a trampoline: a wrapper calling a second function that reads
    the mutant's name from the environment and then calls the original or the mutant. Two extra calls and an
    environment lookup on every call of every mutated function; the layout's inner loops and the validator's
    checks made the tests that use them about twice as slow. In a mutant's child the mutant never changes:
    each reference a module or class holds is pointed straight at what its trampoline would call. The
    coordinator points every one at its original once, when the mutants start (it runs no test after that);
    a child then points the few references to its mutant's function at the mutant. References held
    elsewhere (a table of functions, a ``functools.partial``) keep their trampoline, which still calls the
    same thing, only slower.
    """

    def __init__(self) -> None:
        import types

        from mutmut.mutation.trampoline import wrap_in_trampoline

        def probe() -> None:
            return None

        wrapper_code = wrap_in_trampoline({"_mutmut_orig": probe})(probe).__code__
        #: (module dict or class, name, the original)
        self.references: list[tuple[object, str, object]] = []
        #: a mutant's full name -> (module dict or class, name, the mutant) of each reference to its function
        self.by_mutant: dict[str, list[tuple[object, str, object]]] = {}

        def add(holder: object, attribute: str, value: object) -> bool:
            if not isinstance(value, types.FunctionType) or value.__code__ is not wrapper_code:
                return False
            trampoline = _closure(value)["trampoline"]
            cells = _closure(trampoline)
            if cells["is_classmethod"]:
                return True
            mutants = cells["mutants_dict"]
            module = cells["decorated_func"].__module__
            self.references.append((holder, attribute, mutants["_mutmut_orig"]))
            for key, mutant in mutants.items():
                if key != "_mutmut_orig":
                    self.by_mutant.setdefault(f"{module}.{key}", []).append((holder, attribute, mutant))
            return True

        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for name, value in list(namespace.items()):
                if not add(namespace, name, value) and isinstance(value, type) \
                        and value.__module__ == getattr(module, "__name__", None):
                    for attribute, member in list(vars(value).items()):
                        add(value, attribute, member)

    @staticmethod
    def _point(holder: object, attribute: str, function: object) -> None:
        if isinstance(holder, dict):
            holder[attribute] = function
        else:
            setattr(holder, attribute, function)

    def originals_everywhere(self) -> None:
        """In the coordinator, once the mutants start: every reference straight at its original."""
        for holder, attribute, original in self.references:
            self._point(holder, attribute, original)

    def mutant_in_place(self, mutant_name: str) -> None:
        """In a mutant's child: the references to its function straight at the mutant."""
        for holder, attribute, mutant in self.by_mutant.get(mutant_name.replace("__init__.", ""), ()):
            self._point(holder, attribute, mutant)


@contextlib.contextmanager
def _phase(what: str):  # noqa: ANN202
    """Say on stderr how long a step before the mutants took (mutmut's progress line is on stdout)."""
    start = time.monotonic()
    yield
    print(f"mutation run: {what}: {time.monotonic() - start:.0f} s (ended {time.strftime('%H:%M:%S')})",
          file=sys.__stderr__, flush=True)


def _resident_mb() -> str:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next(str(int(line.split()[1]) // 1024) for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration, ValueError):
        return "?"


def _closure(function: object) -> dict[str, object]:
    return {name: cell.cell_contents
            for name, cell in zip(function.__code__.co_freevars, function.__closure__ or ())}


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
        from mutmut.state import state

        self.durations: dict[str, float] = dict(state().duration_by_test)
        self.trampolines = _Trampolines()
        self.trampolines.originals_everywhere()
        self.temporary = Path(tempfile.gettempdir()) / f"opsconsole-mutants-{os.getuid()}"
        self.temporary.mkdir(mode=0o700, exist_ok=True)
        atexit.register(shutil.rmtree, self.temporary, ignore_errors=True)

    def run(self, mutant_name: str, tests: list[str]) -> int | None:
        """In a mutant's child: run ``tests`` (node ids) and give pytest's exit code; None: not all known here."""
        import mutation_pytest

        self.trampolines.mutant_in_place(mutant_name)
        if any(test not in self.items and test not in self.deselected for test in tests):
            return None
        wanted = set(tests)
        items = [item for nodeid, item in self.items.items()
                 if nodeid in wanted and not mutation_pytest._unwanted(item, mutant_name)]
        # The quickest first (their times from mutmut's stats pass; pytest's order among equals): most mutants
        # are killed by some quick test, and the run stops at the first failure.
        items.sort(key=lambda item: self.durations.get(item.nodeid, 0.0))
        if not items:
            return 5  # pytest's "no tests ran"
        factory = self.config._tmp_path_factory
        # A folder per child, left for the coordinator to remove at the end (pytest empties one whose process
        # number comes round again before using it).
        factory._given_basetemp = self.temporary / str(os.getpid())
        factory._basetemp = None
        hook = self.config.hook
        for index, item in enumerate(items):
            next_item = items[index + 1] if index + 1 < len(items) else None
            hook.pytest_runtest_protocol(item=item, nextitem=next_item)
            if self.session.testsfailed or self.session.shouldfail or self.session.shouldstop:
                break
        return 1 if self.session.testsfailed else 0


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
        """mutmut's fork runner, with the time of each step before the mutants printed.

        The stats pass runs every test in this process, as mutmut does: what the tests load on first use
        (botocore's service models, pandas' and Hypothesis' internals) is then loaded once here, and every
        mutant's child, forked from it, finds it loaded. (Run in a child of its own, the stats pass left
        this process smaller but cold, and a killed mutant took twice as long.) Collecting the tests imports
        no sandbox: the process mutants are forked from holds about 170 MB, not 340.
        """

        all_tests_passed_unmutated = False

        def startup(self) -> None:
            with _phase("collecting the tests once"):
                self.test_runner.start_warm_session()
            print(f"mutation run: each mutant forked from a process of {_resident_mb()} MB", file=sys.__stderr__)
            super().startup()

        def collect_stats(self, tests) -> int:  # noqa: ANN001
            tests_list = list(tests) if tests is not None else []
            with _phase("stats pass"):
                exit_code = super().collect_stats(tests_list)
            self.all_tests_passed_unmutated = exit_code == 0 and not tests_list
            return exit_code

        def run_clean_tests(self, tests) -> int:  # noqa: ANN001
            if self.all_tests_passed_unmutated:
                # The stats pass just ran every test with no mutant active, and mutmut stops if one failed.
                return 0
            with _phase("clean run"):
                return super().run_clean_tests(tests)

        def run_forced_fail(self) -> int:
            with _phase("forced-fail run"):
                return super().run_forced_fail()

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
