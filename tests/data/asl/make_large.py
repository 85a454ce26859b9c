"""Writes generated_300_states.json: a long, realistic pipeline of exactly 300 states.

Run ``python make_large.py`` from this folder to regenerate it. Stages repeat a
few real-world shapes: a Lambda task with Retry and Catch to a shared handler,
a validation Choice with its own Fail, a Parallel of two short branches, a Map
with a small processor, and a polling loop.
"""

from __future__ import annotations

import json
from pathlib import Path

TARGET = 300


def _task(name: str, nxt: str | None, catch: bool = True) -> dict:
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": f"arn:aws:lambda:eu-west-1:123456789012:function:{name}",
                            "Payload.$": "$"},
             "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 3}]}
    if catch:
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify failure"}]
    state.update({"Next": nxt} if nxt else {"End": True})
    return state


def generate(target: int = TARGET) -> dict:
    states: dict = {"Notify failure": _task("notify-failure", "Pipeline failed", catch=False),
                    "Pipeline failed": {"Type": "Fail", "Error": "PipelineFailed"}}
    count = 2  # nested states included
    stages: list[list[tuple[str, dict]]] = []
    stage = 0
    while True:
        stage += 1
        kind = stage % 4
        names = {0: 2, 1: 3, 2: 5, 3: 4}[kind]
        if count + names + 2 > target:
            break
        s = f"S{stage:03d}"
        order: list[tuple[str, dict]] = []
        stages.append(order)
        if kind == 1:
            order += [(f"{s} extract", _task(f"{s}-extract", f"{s} valid?")),
                      (f"{s} valid?", {"Type": "Choice", "Choices": [
                          {"Variable": "$.Payload.valid", "BooleanEquals": True, "Next": "@next"}],
                          "Default": f"{s} invalid"}),
                      (f"{s} invalid", {"Type": "Fail", "Error": f"Stage{stage}Invalid"})]
        elif kind == 2:
            branch = lambda b: {"StartAt": f"{s} {b} a", "States": {  # noqa: E731 - local shorthand
                f"{s} {b} a": _task(f"{s}-{b}-a", f"{s} {b} b", catch=False),
                f"{s} {b} b": _task(f"{s}-{b}-b", None, catch=False)}}
            order.append((f"{s} fan out", {"Type": "Parallel", "Branches": [branch("left"), branch("right")],
                                           "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Notify failure"}],
                                           "Next": "@next"}))
        elif kind == 3:
            order.append((f"{s} per item", {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 5,
                                            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"},
                                                              "StartAt": f"{s} load", "States": {
                                                f"{s} load": _task(f"{s}-load", f"{s} score", catch=False),
                                                f"{s} score": _task(f"{s}-score", f"{s} store", catch=False),
                                                f"{s} store": _task(f"{s}-store", None, catch=False)}},
                                            "Next": "@next"}))
        else:
            order += [(f"{s} wait", {"Type": "Wait", "Seconds": 30, "Next": f"{s} poll"}),
                      (f"{s} poll", _task(f"{s}-poll", f"{s} done?")),
                      (f"{s} done?", {"Type": "Choice", "Choices": [
                          {"Variable": "$.Payload.status", "StringEquals": "DONE", "Next": "@next"}],
                          "Default": f"{s} wait"})]
            names = 3
        count += names
    while count < target - 1:  # pad with Pass states to land exactly on the target
        stages.append([(f"Tidy up {count}", {"Type": "Pass", "Next": "@next"})])
        count += 1
    stages.append([("Pipeline complete", {"Type": "Succeed"})])
    count += 1
    # "@next" is the first state of the following stage.
    for i, order in enumerate(stages):
        nxt = stages[i + 1][0][0] if i + 1 < len(stages) else None
        for name, state in order:
            states[name] = json.loads(json.dumps(state).replace('"@next"', json.dumps(nxt)))
    return {"Comment": f"Generated pipeline of {count} states.", "StartAt": stages[0][0][0], "States": states}


if __name__ == "__main__":
    out = Path(__file__).with_name("generated_300_states.json")
    out.write_text(json.dumps(generate(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")
