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
    Preprocessor._query_language_per_scope = []  # drop whatever an earlier failure left behind


def _count_redrives() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    original = ExecutionWorker._get_evaluation_environment

    def _get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        env.states.context_object.context_object_data["Execution"].setdefault("RedriveCount", 0)
        return env

    ExecutionWorker._get_evaluation_environment = _get_evaluation_environment  # type: ignore[method-assign]
