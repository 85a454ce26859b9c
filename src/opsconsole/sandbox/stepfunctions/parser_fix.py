"""moto's state-machine parser made safe to run in several threads at once.

moto's ``Preprocessor`` (which turns a parsed definition into the interpreter's
components) keeps its stack of query-language scopes in a *class* attribute,
one list shared by every instance. Two definitions preprocessed at the same
time (the sandbox creates state machines and starts executions from a thread
pool while it seeds) push and pop each other's scopes: a JSONPath field is
then refused inside a "JSONata block", or the stack is read empty
(``IndexError``), and whatever a failed run leaves on the shared stack breaks
every later parse. That was the sandbox's occasional failure to start.

:func:`install` gives every ``Preprocessor`` its own stack. It also puts
``RedriveCount: 0`` in every execution's context object (``$$.Execution``), as
AWS does for an execution never redriven; a redrive sets its count.

moto's interpreter appends every thread it starts (one per execution, per
Task state, per Map iteration, per Parallel branch) to its module-level
``TMP_THREADS`` list and never removes one, so a long-running sandbox held
on to every finished thread (with its locks and events): about 170 more a
minute with live activity (``benchmarks/soak.py``). Each execution start now
drops the finished ones (nothing in moto reads the list; it is there for
moto's own test clean-up).
"""

from __future__ import annotations

from typing import Any

_MARK = "_opsconsole_own_scopes"


def install() -> None:
    """Give each moto ``Preprocessor`` its own query-language scope stack (idempotent)."""
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    if getattr(Preprocessor, _MARK, False):
        return
    original = Preprocessor.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._query_language_per_scope = []

    Preprocessor.__init__ = __init__  # type: ignore[method-assign]
    setattr(Preprocessor, _MARK, True)
    _count_redrives()
    _forget_finished_threads()
    Preprocessor._query_language_per_scope = []  # drop whatever an earlier failure left behind


def _count_redrives() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        env.states.context_object.context_object_data["Execution"].setdefault("RedriveCount", 0)
        return env

    ExecutionWorker._get_evaluation_environment = _get_evaluation_environment  # type: ignore[method-assign]


def forget_finished_threads() -> None:
    """Drop the finished threads from moto's ``TMP_THREADS`` (in place: every interpreter module shares the list)."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    # A thread appended meanwhile may be dropped with them: nothing reads the list, so that is harmless.
    TMP_THREADS[:] = [thread for thread in list(TMP_THREADS) if thread.is_alive()]


def _forget_finished_threads() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker.start

    def start(self: Any) -> None:
        forget_finished_threads()
        original(self)

    ExecutionWorker.start = start  # type: ignore[method-assign]
