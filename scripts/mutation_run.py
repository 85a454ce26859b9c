"""``mutmut run`` with its per-mutant bookkeeping batched (scripts/mutation.sh runs this, not ``mutmut``).

mutmut 3.8 does two things in its one coordinating process after every mutant: it recounts the results
of all mutants for the progress line, and it rewrites the JSON results file of the mutant's source file
(indented; ``validate.py``'s holds 1,448 mutants). Together about 75 ms a mutant, more than a killed
mutant's own test session takes, so with two workers the coordinator was the bottleneck: the workers
waited for it. Here the progress line is recounted at most once a second and each results file is written
at most every five seconds, and always at the end of the run, on Ctrl+C and at exit: results, and which
mutants a second run may skip, are the same; a run killed outright re-tests at most its last five seconds.

Needs the mutmut this is written for (``mutmut>=3.8,<4``); with another, it says so and runs mutmut as is.
"""

from __future__ import annotations

import atexit
import sys
import time

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
    mutmut_main.print_stats = print_stats_now_and_then
    atexit.register(_save_unsaved)
    return mutmut_main.cli()


if __name__ == "__main__":
    sys.exit(main())
