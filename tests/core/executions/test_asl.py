"""Parsing and validating state machine definitions; the questions other panels ask about states."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opsconsole.core.executions import asl
from opsconsole.core.executions.asl import AslError, describe_rule, find_state, parent_chain, parse_definition, state_names

DATA = Path(__file__).resolve().parents[2] / "data" / "asl"
VALID = sorted(p for p in DATA.glob("*.json"))
INVALID = json.loads((DATA / "invalid" / "expected.json").read_text(encoding="utf-8"))


def sandbox_definitions() -> dict[str, dict]:
    from opsconsole.sandbox.scenario.executions.definitions import build_definitions

    return build_definitions("http://127.0.0.1:4599")


def test_the_data_set_covers_every_shape():
    names = {p.stem for p in VALID}
    assert {"all_state_types", "jsonata_top_level", "jsonata_per_state", "choice_nested_logic", "catch_and_retry",
            "parallel_three_branches", "map_iterator_legacy", "map_item_processor", "distributed_map",
            "deep_nesting", "generated_300_states"} <= names
    assert len(state_names((DATA / "generated_300_states.json").read_text())) == 300


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_real_world_definitions_are_valid(path):
    d = parse_definition(path.read_text(encoding="utf-8"))
    assert d.start_at in d.states


@pytest.mark.parametrize("role", ["training", "evaluation", "comparison", "inference", "transaction"])
def test_the_sandbox_definitions_are_valid(role):
    d = parse_definition(sandbox_definitions()[role])
    assert len(d.states) >= 5


@pytest.mark.parametrize("name", sorted(INVALID), ids=lambda n: n.removesuffix(".json"))
def test_invalid_definitions_name_the_problem(name):
    with pytest.raises(AslError) as caught:
        parse_definition((DATA / "invalid" / name).read_text(encoding="utf-8"))
    assert str(caught.value) == INVALID[name]
    assert "\n" not in str(caught.value)


def test_every_invalid_file_has_an_expected_reason():
    files = {p.name for p in (DATA / "invalid").glob("*.json")} - {"expected.json"}
    assert files == set(INVALID)


@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        ({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}, 'States.A needs Next or "End": true'),
        ({"StartAt": "A", "States": {"A": {"Type": "Succeed", "Next": "A"}}},
         "States.A: a Succeed state cannot have Next"),
        ({"StartAt": "A", "States": {"A": {"Pass": 1}}}, "States.A: Type is missing"),
        ({"StartAt": "A", "States": {}}, "States is empty"),
        ({"StartAt": "A"}, "States is missing"),
        ({"StartAt": "A", "States": {"A": {"Type": "Task", "End": True}}}, "States.A: Task needs a Resource"),
        ({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": True}}},
         "States.A: Parallel needs a non-empty Branches list"),
        ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                           "End": True, "Catch": [{"Next": "A"}]}}},
         "States.A.Catch[0].ErrorEquals is missing"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True, "Catch": []}}},
         "States.A: a Pass state cannot have Catch"),
        ({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": "PARALLEL"}, "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}}}},
         'States.M.ItemProcessor.ProcessorConfig.Mode "PARALLEL" is not INLINE or DISTRIBUTED'),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"Variable": "$.x", "StringEquals": "y"}]}}}, "States.A.Choices[0].Next is missing"),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"And": [], "Next": "A"}]}}}, "States.A.Choices[0].And needs at least one rule"),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"Variable": "$.x", "StringEquals": "y", "Next": "A"}], "Default": "Z"}}},
         'States.A.Default points to missing state "Z"'),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": ["$.x"]}}},
         "States.A.Choices[0] must be an object"),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Not": "$.x", "Next": "A"}]}}},
         "States.A.Choices[0].Not must be an object"),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"Variable": "$.x", "StringContains": "y", "Next": "A"}]}}},
         "States.A.Choices[0] has no condition (Variable with a comparison, And/Or/Not, or Condition)"),
        ({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [
            {"Or": [{"Variable": "$.x", "IsNull": True}, {"Variable": "$.x", "NumericMatches": 1}], "Next": "A"}]}}},
         "States.A.Choices[0].Or[1] has no condition (Variable with a comparison, And/Or/Not, or Condition)"),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "XPath", "End": True}}},
         'States.A.QueryLanguage "XPath" is not JSONPath or JSONata'),
        ({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "Iterator": {"States": {}}}}},
         "States.M.Iterator.StartAt is missing"),
        ({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": ["x"]}}},
         "States.P.Branches[0] must be an object with StartAt and States"),
        ({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": "x"}}},
         "States.M.ItemProcessor must be an object with StartAt and States"),
        ({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "ProcessorConfig": "x", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}}}},
         "States.M.ItemProcessor.ProcessorConfig must be an object"),
        ({"StartAt": "A", "States": ["A"]}, "States must be an object"),
        ({"StartAt": "A", "States": {"A": "Pass"}}, "States.A must be an object"),
        ({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                           "End": True, "Catch": {}}}},
         "States.A.Catch must be an array"),
        ([{"StartAt": "A"}], "the definition must be a JSON object with StartAt and States"),
    ],
)
def test_structural_problems(definition, reason):
    with pytest.raises(AslError, match="^" + __import__("re").escape(reason) + "$"):
        parse_definition(definition)


def test_parse_accepts_text_bytes_dict_and_a_parsed_definition():
    text = (DATA / "catch_and_retry.json").read_text()
    d = parse_definition(text)
    assert parse_definition(d) is d
    assert list(parse_definition(text.encode()).states) == list(parse_definition(json.loads(text)).states)


def test_state_names_include_nested_states_containers_first():
    names = state_names(sandbox_definitions()["training"])
    assert names.index("Prepare training") < names.index("Start processing job")
    assert names.index("Hyperparameter tuning") < names.index("Wait for training job")
    assert len(names) == len(set(names)) == 16


def test_find_state_and_parent_chain_through_deep_nesting():
    d = parse_definition((DATA / "deep_nesting.json").read_text())
    assert find_state(d, "Tokens ok?")["Type"] == "Choice"
    assert find_state(d, "No such state") is None
    assert parent_chain(d, "Tokenise") == ["Analyse catalogue", "Per item", "Analyse item", "Per field",
                                           "Analyse field"]
    assert parent_chain(d, "Publish analysis") == []
    with pytest.raises(KeyError):
        parent_chain(d, "No such state")


def test_query_language_is_inherited_and_overridable():
    top = parse_definition((DATA / "jsonata_top_level.json").read_text())
    assert {i.query_language for i in top.states.values()} == {"JSONata"}
    mixed = parse_definition((DATA / "jsonata_per_state.json").read_text())
    assert mixed.states["Compute totals"].query_language == "JSONata"
    assert mixed.states["Fetch order"].query_language == "JSONPath"


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ({"Variable": "$.score", "NumericGreaterThanEquals": 0.8}, "$.score >= 0.8"),
        ({"Variable": "$.status", "StringEquals": "PASSED"}, '$.status == "PASSED"'),
        ({"Variable": "$.ok", "BooleanEquals": True}, "$.ok == true"),
        ({"Variable": "$.a", "NumericLessThanPath": "$.b"}, "$.a < $.b"),
        ({"Variable": "$.at", "TimestampLessThanEquals": "2024-01-01T00:00:00Z"}, '$.at <= "2024-01-01T00:00:00Z"'),
        ({"Variable": "$.item", "IsPresent": False}, "$.item is not present"),
        ({"Variable": "$.name", "StringMatches": "log-*"}, '$.name matches "log-*"'),
        ({"Not": {"Variable": "$.x", "IsNull": True}}, "not ($.x is null)"),
        ({"And": [{"Variable": "$.a", "NumericEquals": 1},
                  {"Or": [{"Variable": "$.b", "StringEquals": "x"}, {"Variable": "$.c", "IsNumeric": True}]}]},
         '$.a == 1 and ($.b == "x" or $.c is numeric)'),
        ({"Condition": "{% $states.input.score >= 0.8 %}"}, "$states.input.score >= 0.8"),
        ({"Condition": "  {%$x%}  "}, "$x"),
        ({"Condition": "$states.input.ok"}, "$states.input.ok"),
        ({"Condition": "{% $a %} and more"}, "{% $a %} and more"),
        # Sub-conditions joined by and/or are bracketed, whatever encloses them.
        ({"Not": {"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.b", "IsNull": False}]}},
         "not ($.a == 1 and $.b is not null)"),
        ({"Or": [{"And": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.b", "NumericEquals": 2}]},
                 {"Variable": "$.c", "IsString": True}]},
         "($.a == 1 and $.b == 2) or $.c is a string"),
        ({"And": [{"Not": {"Variable": "$.a", "IsBoolean": True}}, {"Variable": "$.t", "IsTimestamp": True}]},
         "not ($.a is a boolean) and $.t is a timestamp"),
        ({"Or": [{"Variable": "$.orders", "IsPresent": True}, {"Variable": "$.brand", "StringEquals": "andes"}]},
         '$.orders is present or $.brand == "andes"'),
        # A ...Path comparison shows the other variable, never quoted.
        ({"Variable": "$.a", "StringEqualsPath": "$.b"}, "$.a == $.b"),
        ({"Variable": "$.ok", "BooleanEqualsPath": "$.expected"}, "$.ok == $.expected"),
        ({"Variable": "$.at", "TimestampGreaterThanPath": "$.deadline"}, "$.at > $.deadline"),
        ({"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.min"}, "$.n >= $.min"),
        ({"Variable": "$.ok", "BooleanEquals": False}, "$.ok == false"),
        ({"Variable": "$.n", "NumericLessThan": -2.5}, "$.n < -2.5"),
        ({"Variable": "$.s", "StringGreaterThan": 'say "hi"'}, '$.s > "say \\"hi\\""'),
        ({"Variable": "$.item", "IsNumeric": False}, "$.item is not numeric"),
        ({"Variable": "$.x", "Unknown": 1}, "$.x"),
        ({"StringEquals": "x"}, '? == "x"'),
    ],
)
def test_choice_rules_read_as_short_expressions(rule, text):
    assert describe_rule(rule) == text


@pytest.mark.parametrize(
    ("resource", "short"),
    [
        ("arn:aws:states:::dynamodb:getItem", "dynamodb:getItem"),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "sqs:sendMessage.waitForTaskToken"),
        ("arn:aws:states:::aws-sdk:sagemaker:createTransformJob", "sagemaker:createTransformJob"),
        ("arn:aws:states:::states:startExecution.sync:2", "states:startExecution.sync:2"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:score:$LATEST", "lambda:score"),
        ("arn:aws:states:eu-west-1:123456789012:activity:collect-labels", "activity:collect-labels"),
        ("not-an-arn", "not-an-arn"),
        ("arn:aws:iam", "arn:aws:iam"),
        ("arn:aws:sns:eu-west-1:123456789012:alerts", "sns:alerts"),
        ("arn:aws:glue:eu-west-1:123456789012:job:nightly", "glue:nightly"),
        ("arn:aws:s3:::my-bucket/key", "s3:my-bucket/key"),
    ],
)
def test_short_resource_names(resource, short):
    assert asl.short_resource(resource) == short


def test_graph_labels_say_what_each_state_is():
    g = asl.build_graph((DATA / "distributed_map.json").read_text())
    m = g.node_for_state("Classify sold items")
    assert m.is_container and "distributed" in m.label and "reads s3:getObject CSV" in m.label
    processor = g.node("Classify sold items#processor")
    assert processor.type == "Processor" and processor.parent == "Classify sold items"
    assert processor.label == "DISTRIBUTED · EXPRESS"
    task = g.node_for_state("Queue for review")
    assert task.label == "Task · sqs:sendMessage" and task.resource.endswith("sqs:sendMessage")
    assert g.node_for_state("Classify sold items#processor") is None  # pseudo-nodes are not states
    legacy = asl.build_graph((DATA / "map_iterator_legacy.json").read_text())
    assert legacy.node("Per country#processor").name == "Iterator"


def test_branch_and_processor_frames_have_a_title_line_and_room_for_it():
    m = asl.DEFAULT_METRICS
    g = asl.build_graph({"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}}}})
    frame, inner = g.node("M#processor"), g.node_for_state("A")
    assert (frame.name_lines, frame.label_lines, frame.query_language) == (
        ("Item processor",), ("DISTRIBUTED · EXPRESS",), "JSONPath")
    # Wide enough for "Item processor · DISTRIBUTED · EXPRESS" though its one state is narrow.
    assert frame.w >= m.label_width("Item processor · DISTRIBUTED · EXPRESS") + 24 > inner.w + 20
    # The title line (plus 8 px) above a 10 px padding, then the states.
    assert inner.y - frame.y == m.label_line_height + 8 + 10
    assert inner.x - frame.x >= 10
    branch = asl.build_graph((DATA / "parallel_three_branches.json").read_text()).node("Fan out checks#branch0")
    assert (branch.name_lines, branch.label_lines, branch.label) == (("Branch 1",), (), "")


def _shown_under_the_name(body: dict, query_language: str = "JSONPath") -> str:
    """The line under a state's name in its box, for that state alone in a machine (then a Succeed if it goes on)."""
    body = dict(body)
    if body["Type"] in ("Task", "Pass", "Wait", "Parallel", "Map"):
        body["Next"] = "Done"
    elif body["Type"] == "Choice":
        body.update(Choices=[{"Variable": "$.x", "IsPresent": True, "Next": "Done"}])
    states = {"State": body} if body["Type"] in ("Succeed", "Fail") else {"State": body, "Done": {"Type": "Succeed"}}
    definition = {"QueryLanguage": query_language, "StartAt": "State", "States": states}
    return asl.build_graph(definition).node_for_state("State").label


_INNER = {"StartAt": "Inner", "States": {"Inner": {"Type": "Succeed"}}}
_DISTRIBUTED = {**_INNER, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}}
_READER = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV"}}


@pytest.mark.parametrize(
    ("body", "query_language", "shown"),
    [
        ({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem"}, "JSONPath", "Task · dynamodb:getItem"),
        ({"Type": "Pass"}, "JSONPath", "Pass"),
        ({"Type": "Choice"}, "JSONPath", "Choice"),
        ({"Type": "Succeed"}, "JSONPath", "Succeed"),
        ({"Type": "Wait", "Seconds": 10}, "JSONPath", "Wait · 10 s"),
        ({"Type": "Wait", "Timestamp": "2026-12-01T00:00:00Z"}, "JSONPath", "Wait · 2026-12-01T00:00:00Z"),
        ({"Type": "Wait", "SecondsPath": "$.delay"}, "JSONPath", "Wait · $.delay"),
        ({"Type": "Wait", "TimestampPath": "$.until"}, "JSONPath", "Wait · $.until"),
        ({"Type": "Fail", "Error": "Model.Rejected", "Cause": "score too low"}, "JSONPath", "Fail · Model.Rejected"),
        ({"Type": "Fail", "ErrorPath": "$.error"}, "JSONPath", "Fail"),
        ({"Type": "Fail", "Error": "E" * 120}, "JSONPath", "Fail · " + "E" * 82 + "…"),
        ({"Type": "Parallel", "Branches": [_INNER]}, "JSONPath", "Parallel"),
        ({"Type": "Map", "ItemProcessor": _INNER}, "JSONPath", "Map"),
        ({"Type": "Map", "Iterator": _INNER}, "JSONPath", "Map · Iterator"),
        ({"Type": "Map", "ItemProcessor": _DISTRIBUTED}, "JSONPath", "Map · distributed"),
        ({"Type": "Map", "ItemProcessor": _DISTRIBUTED, "ItemReader": _READER, "MaxConcurrency": 20},
         "JSONPath", "Map · distributed · reads s3:getObject CSV · max 20"),
        ({"Type": "Map", "ItemProcessor": _DISTRIBUTED, "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2"},
          "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}},
         "JSONPath", "Map · distributed · reads s3:listObjectsV2 · writes results"),
        ({"Type": "Map", "ItemProcessor": _INNER, "MaxConcurrency": 0}, "JSONPath", "Map · max 0"),
        # The query language is shown where it differs from the machine's, and on JSONata containers.
        ({"Type": "Pass", "QueryLanguage": "JSONata"}, "JSONPath", "Pass · JSONata"),
        ({"Type": "Pass"}, "JSONata", "Pass"),
        ({"Type": "Parallel", "Branches": [_INNER]}, "JSONata", "Parallel · JSONata"),
        ({"Type": "Map", "ItemProcessor": _INNER}, "JSONata", "Map · JSONata"),
        ({"Type": "Task", "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:score"}, "JSONata",
         "Task · lambda:score"),
    ],
)
def test_the_line_under_each_state_name_says_what_it_does(body, query_language, shown):
    assert _shown_under_the_name(body, query_language) == shown


def test_edges_carry_kinds_and_readable_labels():
    g = asl.build_graph((DATA / "catch_and_retry.json").read_text())
    by_kind = {}
    for e in g.edges:
        by_kind.setdefault(e.kind, []).append(e)
    assert [(e.source, e.target) for e in by_kind["start"]] == [("#start", "Start transform job")]
    assert ("Done", "#end") in [(e.source, e.target) for e in by_kind["end"]]
    choice_labels = {e.label for e in by_kind["choice"]}
    assert '$.job.status == "Completed"' in choice_labels
    assert [e.label for e in by_kind["default"]] == ["Default"]
    catch_labels = {(e.source, e.target, e.label) for e in by_kind["catch"]}
    assert ("Start transform job", "Capacity exhausted", "SageMaker.ResourceLimitExceededException") in catch_labels
    assert all(e.label_pos is not None for e in by_kind["catch"] + by_kind["choice"])
    assert all(len(e.label) <= asl.MAX_LABEL for e in g.edges)


def test_jsonata_conditions_label_their_edges():
    g = asl.build_graph((DATA / "jsonata_top_level.json").read_text())
    labels = [e.label for e in g.edges if e.kind == "choice"]
    assert labels[0] == "$states.input.score >= 0.95"
    assert all(n.query_language == "JSONata" for n in g.nodes if n.is_state)


def test_build_graph_rejects_invalid_input():
    with pytest.raises(AslError, match="StartAt is missing"):
        asl.build_graph({"States": {}})


def _mutations(seed: int, count: int):
    """Real definitions with a few fields deleted, replaced by junk, or added where they do not belong."""
    import copy
    import random

    rng = random.Random(seed)
    docs = [json.loads(p.read_text()) for p in VALID if "300" not in p.stem]
    junk = [None, 1, -3.5, "", "Done", True, [], {}, [1], {"a": 1}, {"Type": "Pass"}]
    fields = ["Next", "End", "Default", "Catch", "Choices", "Branches", "ItemProcessor", "Iterator", "Type",
              "Resource", "Condition", "QueryLanguage", "ProcessorConfig", "ItemReader"]

    def paths(obj, path=()):
        yield path
        items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
        for key, value in items:
            yield from paths(value, path + (key,))

    for _ in range(count):
        doc = copy.deepcopy(rng.choice(docs))
        for _ in range(rng.randint(1, 3)):
            path = rng.choice([p for p in paths(doc) if p])
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            roll = rng.random()
            if roll < 0.4:
                parent[path[-1]] = copy.deepcopy(rng.choice(junk))
            elif isinstance(parent, dict) and roll < 0.7:
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[rng.choice(fields)] = copy.deepcopy(rng.choice(junk))
        yield doc


def _oracle_problem(doc) -> str | None:
    """An independent check of a few ASL rules, at every depth: the first broken one, or None.

    Written from the ASL specification, not from the validator, and deliberately
    partial: when it finds a problem the validator must reject the document too.
    """
    kinds = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}
    flowing = {"Task", "Pass", "Wait", "Parallel", "Map"}

    def scope(machine, where: str) -> str | None:
        if not isinstance(machine, dict) or not isinstance(machine.get("States"), dict) or not machine["States"]:
            return f"{where}: no States"
        states = machine["States"]
        if not _named(machine.get("StartAt"), states):
            return f"{where}: StartAt not a state of its scope"
        for name, body in states.items():
            if not isinstance(body, dict) or not _named(body.get("Type"), kinds):
                return f"{where}.{name}: no valid Type"
            kind, has_next, has_end = body["Type"], "Next" in body, body.get("End") is True
            if kind in flowing and has_next == has_end:
                return f"{where}.{name}: needs exactly one of Next and End"
            if kind not in flowing and (has_next or "End" in body):
                return f"{where}.{name}: a {kind} has no Next/End"
            if has_next and not _named(body["Next"], states):
                return f"{where}.{name}: Next leaves its scope"
            inner = body.get("Branches") if kind == "Parallel" else []
            if not isinstance(inner, list) or (kind == "Parallel" and not inner):
                return f"{where}.{name}: Branches must be a non-empty list"
            if kind == "Map":
                inner.append(body.get("ItemProcessor") or body.get("Iterator"))
            for i, machine_inside in enumerate(inner):
                problem = scope(machine_inside, f"{where}.{name}[{i}]")
                if problem:
                    return problem
        return None

    return scope(doc, "States")


def _named(value, names) -> bool:
    return isinstance(value, str) and value in names


def test_the_fuzz_oracle_agrees_with_the_known_invalid_and_valid_documents():
    for path in VALID:
        assert _oracle_problem(json.loads(path.read_text())) is None, path.name
    for name in ("map_state_without_next_or_end.json", "branch_state_without_next_or_end.json", "next_and_end.json",
                 "jump_out_of_branch.json", "unknown_type.json"):
        assert _oracle_problem(json.loads((DATA / "invalid" / name).read_text())), name


# Made once, when the module is loaded: a test run reads them, it does not make them again (a
# mutation run's every mutant reaching the test below would, about half a second each).
BROKEN_DEFINITIONS = tuple(json.dumps(doc) for doc in _mutations(seed=11, count=1500))


def test_broken_definitions_always_fail_with_a_reason_never_a_crash():
    outcomes = {"valid": 0, "invalid": 0, "oracle_invalid": 0, "nested_oracle_invalid": 0}
    for doc in map(json.loads, BROKEN_DEFINITIONS):
        problem = _oracle_problem(doc)
        try:
            asl.build_graph(doc)
            outcomes["valid"] += 1
        except AslError as exc:
            assert str(exc) and "\n" not in str(exc)
            outcomes["invalid"] += 1
        else:
            assert problem is None, f"accepted a definition that breaks a rule ({problem}): {json.dumps(doc)[:300]}"
        if problem:
            outcomes["oracle_invalid"] += 1
            outcomes["nested_oracle_invalid"] += problem.count(".") > 1
    assert outcomes["invalid"] > 500 and outcomes["valid"] > 50  # both kinds were exercised
    assert outcomes["nested_oracle_invalid"] > 50  # and rules broken inside branches and processors were checked


def test_an_invalid_definition_reaches_the_operator_as_its_reason():
    from opsconsole.core.errors import ErrorKind, describe

    with pytest.raises(AslError) as caught:
        parse_definition({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})
    err = describe(caught.value, operation="layout graph")
    assert err.kind is ErrorKind.REFUSED and err.title == "Invalid state machine definition"
    assert err.message == 'States.A needs Next or "End": true'


_TASK = "arn:aws:states:::lambda:invoke"


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"StartAt": "Fan out", "States": {"Fan out": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
            {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": _TASK}}}]}}},
         'States.Fan out.Branches[1].States.Right needs Next or "End": true'),
        ({"StartAt": "Per item", "States": {"Per item": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "Known?", "States": {
                "Known?": {"Type": "Choice", "Choices": [{"Variable": "$.known", "BooleanEquals": False,
                                                          "Next": "Score"}], "Default": "Done"},
                "Score": {"Type": "Wait", "Seconds": 3},
                "Done": {"Type": "Succeed"}}}}}},
         'States.Per item.ItemProcessor.States.Score needs Next or "End": true'),
        ({"StartAt": "Per country", "States": {"Per country": {"Type": "Map", "End": True, "Iterator": {
            "StartAt": "Score", "States": {"Score": {"Type": "Pass"}}}}}},
         'States.Per country.Iterator.States.Score needs Next or "End": true'),
        ({"StartAt": "Outer", "States": {"Outer": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Inner", "States": {"Inner": {"Type": "Map", "End": True, "ItemProcessor": {
                "StartAt": "Deep", "States": {"Deep": {"Type": "Map", "ItemProcessor": {
                    "StartAt": "Leaf", "States": {"Leaf": {"Type": "Succeed"}}}}}}}}}]}}},
         'States.Outer.Branches[0].States.Inner.ItemProcessor.States.Deep needs Next or "End": true'),
    ],
    ids=["parallel-branch", "map-item-processor", "map-iterator", "map-in-map-in-parallel"],
)
def test_a_nested_state_without_next_or_end_is_refused_with_its_path(definition, message):
    """A state inside a Parallel branch or a Map processor needs Next or End just like a top-level one.

    The graph command, the definition editor and the create/update dialogs all show this
    refusal as the operator's message, naming the nested state to fix.
    """
    from opsconsole.core.errors import ErrorKind, describe

    with pytest.raises(AslError) as caught:
        asl.build_graph(definition)
    err = describe(caught.value, operation="layout graph")
    assert (err.kind, err.title, err.message) == (ErrorKind.REFUSED, "Invalid state machine definition", message)
    assert asl.diagnose(definition)[0].message == message


def test_top_level_ancestors_of_every_state_however_deep():
    raw = json.loads((DATA / "deep_nesting.json").read_text())
    ancestors = asl.top_level_ancestors(raw)
    assert set(ancestors) == set(state_names(raw))
    assert ancestors["Tokenise"] == ("Analyse catalogue", "Parallel")
    assert ancestors["Publish analysis"] == ("Publish analysis", None)
    legacy = json.loads((DATA / "map_iterator_legacy.json").read_text())
    assert asl.top_level_ancestors(legacy)["Start inference"] == ("Per country", "Map")


def test_top_level_ancestors_read_what_they_can_of_a_definition_that_does_not_validate():
    odd = {"States": {"A": {"Type": "Parallel", "Branches": [{"States": {"B": {}}}, "junk"]}, "C": "junk",
                      "M": {"Type": "Map", "Iterator": {"States": None}}}}
    assert asl.top_level_ancestors(odd) == {"A": ("A", None), "B": ("A", "Parallel"), "C": ("C", None),
                                            "M": ("M", None)}
    assert asl.top_level_ancestors({}) == {}


def test_start_and_end_are_drawn_as_plain_pills_and_joined_to_the_start_and_every_successful_end():
    definition = {"StartAt": "Load", "QueryLanguage": "JSONata", "States": {
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Ok?"},
        "Ok?": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "Save"},
                                             {"Condition": "{% $states.input.seen %}", "Next": "Done"}],
                "Default": "Broken"},
        "Save": {"Type": "Pass", "End": True},
        "Broken": {"Type": "Fail", "Error": "Bad"},
        "Done": {"Type": "Succeed"}}}
    graph = asl.build_graph(definition)
    for node_id, name in ((asl.START_ID, "Start"), (asl.END_ID, "End")):
        node = graph.node(node_id)
        assert (node.name, node.type, node.parent, node.depth, node.label, node.resource) == (name, name, None, 0, "",
                                                                                            None)
        assert (node.w, node.h, node.query_language, node.is_state) == (70, 26, "JSONata", False)
        assert asl.text_lines(node) == ([name], [])
    ends = [(e.source, e.kind, e.label, e.label_pos) for e in graph.edges if e.target == asl.END_ID]
    assert ends == [("Save", "end", "", None), ("Done", "end", "", None)]  # not the Fail state
    [start] = [e for e in graph.edges if e.source == asl.START_ID]
    assert (start.target, start.kind, start.label, start.label_pos) == ("Load", "start", "", None)
    load = graph.node_for_state("Load")
    assert asl.text_lines(load) == (list(load.name_lines), list(load.label_lines)) == (["Load"], ["Task · lambda:invoke"])


def test_edge_labels_are_cut_at_48_characters_without_a_space_before_the_ellipsis():
    from opsconsole.core.executions.asl.graph import shorten

    assert shorten("x" * asl.MAX_LABEL) == "x" * asl.MAX_LABEL
    assert shorten("x" * (asl.MAX_LABEL + 1)) == "x" * (asl.MAX_LABEL - 1) + "…"
    assert shorten("x" * 46 + " and more") == "x" * 46 + "…"  # the 47 kept end on a space: dropped


def test_parallel_and_map_titles_get_wider_lines_and_room_above_their_branches():
    from opsconsole.core.executions.asl.graph import TEXT_PAD

    forty, fifty = "Map over every regional warehouse today", "Fan out to every regional warehouse and each depot"
    definition = {"StartAt": forty, "QueryLanguage": "JSONata", "States": {
        forty: {"Type": "Map", "Next": "Fan out to every regional warehouse now",
                "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Succeed"}}}},
        "Fan out to every regional warehouse now": {"Type": "Parallel", "Next": fifty, "Branches": [
            {"StartAt": "C", "States": {"C": {"Type": "Succeed"}}}]},
        fifty: {"Type": "Parallel", "Next": "Pass with a name of forty characters!!",
                "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]},
        "Pass with a name of forty characters!!": {"Type": "Pass", "End": True}}}
    assert len(forty) == 39 and len(fifty) == 50
    graph = asl.build_graph(definition)
    mp, par, plain = (graph.node_for_state(n) for n in (forty, fifty, "Pass with a name of forty characters!!"))
    assert len(mp.name_lines) == 1 and len(plain.name_lines) == 2  # 1.6 times a state's line
    assert len(graph.node_for_state("Fan out to every regional warehouse now").name_lines) == 1
    assert len(par.name_lines) == 2  # but no wider
    m = asl.DEFAULT_METRICS
    for node in (par, mp):
        title_w = max([m.name_width(t) for t in node.name_lines] + [m.label_width(t) for t in node.label_lines])
        assert node.w == pytest.approx(title_w + TEXT_PAD)  # as wide as its title: the one branch is narrower
        title_h = len(node.name_lines) * m.name_line_height + len(node.label_lines) * m.label_line_height
        [frame] = [n for n in graph.nodes if n.parent == node.id]
        assert frame.y == node.y + title_h + 14 + 12  # below the title, then the padding
        assert frame.query_language == "JSONata"
    processor = graph.node(f"{forty}#processor")
    assert (processor.name, processor.label) == ("Item processor", "INLINE")


def test_edge_kinds_catch_labels_line_limits_and_coordinates_as_a_view_draws_them():
    long_name = " ".join(["Reconciliations"] * 5)  # one word a line: five lines, in 79 characters
    arn = "arn:aws:states:::aws-sdk:" + "verylongservicename:" * 4 + "DescribeSomethingWithAVeryLongName"
    definition = {"StartAt": long_name, "States": {
        long_name: {"Type": "Task", "Resource": arn, "Next": "Fan",
                    "Catch": [{"ErrorEquals": ["States.Timeout", "States.TaskFailed"], "Next": "Fan"}]},
        "Fan": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "Score each review", "States": {
            "Score each review": {"Type": "Pass", "Next": "Step"},  # 17 characters: a 149.8 px box
            "Step": {"Type": "Task", "Resource": arn, "End": True}}}}}}
    graph = asl.build_graph(definition)
    out = [(e.kind, e.label) for e in graph.edges if e.source == long_name]
    assert out == [("next", ""), ("catch", "States.Timeout, States.TaskFailed")]
    task = graph.node_for_state(long_name)
    assert len(task.name_lines) == 3 and task.name_lines[-1].endswith("…")
    assert len(task.label_lines) == 2 and task.label_lines[-1].endswith("…")  # a state's subtitle: two lines
    fan = graph.node_for_state("Fan")
    assert (task.is_container, fan.is_container) == (False, True)
    step = graph.node_for_state("Step")
    assert len(step.label_lines) == 2
    coords = [c for n in graph.nodes for c in (n.x, n.y, n.w, n.h)] + [c for e in graph.edges for p in e.points
                                                                       for c in p]
    assert all(c == round(c, 2) for c in coords)  # to the hundredth of a pixel
    assert any(c != round(c) for c in coords)  # not whole pixels only


def test_a_container_subtitle_runs_to_three_of_its_wider_lines_before_it_is_cut():
    reader = "arn:aws:states:::aws-sdk:" + "verylongservicename:" * 4 + "DescribeSomethingWithAVeryLongName"
    definition = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "End": True, "ItemReader": {"Resource": reader, "Parameters": {"Bucket": "b", "Key": "k"}},
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}}}}
    fan = asl.build_graph(definition).node_for_state("Fan")
    # The whole (already shortened) subtitle, on three lines: a state's would stop at two.
    assert fan.label_lines == ("Map · distributed · reads", "verylongservicename:verylongservicename:verylongservicena",
                               "me:ver…")
    assert "".join(fan.label_lines[1:]) == fan.label.removeprefix("Map · distributed · reads ")
