"""moto's definition parser in several threads at once: the sandbox seeds from a thread pool."""

from __future__ import annotations

import json
import sys
import threading

from opsconsole.sandbox.stepfunctions import parser_fix

JSONATA = json.dumps({"QueryLanguage": "JSONata", "StartAt": "A", "States": {
    "A": {"Type": "Pass", "Output": "{% $states.input %}", "Next": "B"},
    "B": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "C", "States": {"C": {"Type": "Pass",
                                                                                          "End": True}}}]}}})
JSONPATH = json.dumps({"StartAt": "A", "States": {
    "A": {"Type": "Pass", "InputPath": "$.x", "Next": "B"},
    "B": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "C", "States": {"C": {
        "Type": "Pass", "ResultPath": "$.y", "End": True}}}]}}})


def test_definitions_parsed_at_the_same_time_do_not_see_each_others_query_language():
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parser_fix.install()
    errors: list[BaseException] = []
    definitions = [JSONATA, JSONPATH] * 8
    barrier = threading.Barrier(len(definitions))

    def parse(text: str) -> None:
        barrier.wait()
        for _ in range(5):
            try:
                AmazonStateLanguageParser.parse(text)
            except Exception as exc:  # the race shows as ValueError or IndexError
                errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: the race shows every time
    try:
        threads = [threading.Thread(target=parse, args=(d,)) for d in definitions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    AmazonStateLanguageParser.parse(JSONPATH)  # nothing left behind on a shared stack


def test_the_interpreter_lets_go_of_finished_threads(sandbox, sfn, wait_for):
    """A long-running sandbox kept every thread its interpreter had ever started (a steady leak in the soak)."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    definition = json.dumps({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}}}})
    machine = sfn.create_state_machine(name="threads-let-go", definition=definition,
                                       roleArn="arn:aws:iam::123456789012:role/threads")["stateMachineArn"]
    try:
        first = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": [1, 2, 3]}))["executionArn"]
        wait_for(lambda: sfn.describe_execution(executionArn=first)["status"] == "SUCCEEDED", what="the first run")
        finished = wait_for(lambda: [t for t in list(TMP_THREADS) if not t.is_alive()],
                            what="the first run's threads to finish")
        sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": [4]}))
        assert not [t for t in finished if any(t is kept for kept in list(TMP_THREADS))]
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)
