"""Hostile JSON (deep nesting, huge numbers, NaN, duplicate keys, lone surrogates): a clear refusal, never a traceback."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QImage

from opsconsole import graphcli
from opsconsole.core.executions.actions import validate_input


def _chain(n: int) -> str:
    states = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(n - 1)}
    states[f"S{n - 1}"] = {"Type": "Succeed"}
    return json.dumps({"StartAt": "S0", "States": states})


def _nested_nots(n: int) -> str:
    rule = '{"Variable": "$.x", "IsPresent": true}'
    for _ in range(n):
        rule = '{"Not": ' + rule + '}'
    rule = rule[:-1] + ', "Next": "Done"}'
    return ('{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [' + rule + ']}, '
            '"Done": {"Type": "Succeed"}}}')


HOSTILE = {
    "10000 levels": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Parameters": '
                    + '{"a": ' * 10_000 + '1' + '}' * 10_000 + '}}}',
    "10000 arrays": '[' * 10_000 + ']' * 10_000,
    "5000 nested Not": _nested_nots(5000),
    "100000 digits": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": '
                     + "9" * 100_000 + '}}}',
    "long float": '{"StartAt": "A", "States": {"A": {"Type": "Wait", "End": true, "Seconds": 1.'
                  + "5" * 100_000 + '}}}',
    "NaN": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": NaN}}}',
    "Infinity": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": -Infinity}}}',
    "duplicate keys": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, '
                      '"A": {"Type": "Fail"}}}',
    "lone surrogate": '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Result": "\\ud800"}}}',
}

EXPECTED = {
    "10000 levels": "nested deeper than",
    "10000 arrays": "nested deeper than",
    "5000 nested Not": "nested deeper than",
    "100000 digits": "digits",
    "long float": "digits",
    "NaN": "NaN is not valid JSON",
    "Infinity": "-Infinity is not valid JSON",
    "duplicate keys": 'key "A" appears twice',
    "lone surrogate": "surrogate",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_graph_cli_refuses_hostile_json_in_one_line_exit_2(qapp, tmp_path, capsys, name):
    src = tmp_path / "in.json"
    src.write_text(HOSTILE[name], encoding="utf-8")
    out = tmp_path / "x.png"
    assert graphcli.main([str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opsconsole graph: ") and err.count("\n") == 1 and "Traceback" not in err
    assert EXPECTED[name] in err, err
    assert not out.exists()


def test_a_400_deep_choice_is_still_drawn(qapp, tmp_path, capsys):
    src = tmp_path / "in.json"
    src.write_text(_nested_nots(200), encoding="utf-8")
    assert graphcli.main([str(src), "--out", str(tmp_path / "x.svg")]) == 0


def test_width_is_honoured_or_refused_and_images_stay_bounded(qapp, tmp_path, capsys):
    src = tmp_path / "chain.json"
    src.write_text(_chain(5000), encoding="utf-8")
    out = tmp_path / "chain.png"
    code = graphcli.main([str(src), "--out", str(out), "--width", "800"])
    err = capsys.readouterr().err
    # 5,000 states in a column cannot be 800 px wide within the PNG limits: say so, suggest SVG.
    assert code == 2 and "--width 800" in err and ".svg" in err and err.count("\n") == 1
    assert not out.exists()
    assert graphcli.main([str(src), "--out", str(out)]) == 2  # not a 6-pixel-wide strip either
    capsys.readouterr()
    small = tmp_path / "small.json"
    small.write_text(_chain(5), encoding="utf-8")
    assert graphcli.main([str(small), "--out", str(out), "--width", "300"]) == 0
    assert QImage(str(out)).width() == 300


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_start_dialog_validator_refuses_what_aws_would(name):
    check = validate_input(HOSTILE[name])
    assert not check.ok and EXPECTED[name].lower() in check.message.lower(), check.message


def test_a_pasted_lone_surrogate_character_is_refused_not_sent():
    check = validate_input('{"a": "x\ud800y"}')
    assert not check.ok and "surrogate" in check.message


@pytest.mark.parametrize("name", ["10000 levels", "5000 nested Not", "lone surrogate", "NaN"])
def test_pasting_hostile_json_into_the_start_dialog_disables_start_and_says_why(qtbot, name):
    from opsconsole.ui.executions.dialogs.execution import JsonEditor

    editor = JsonEditor("{}")
    qtbot.addWidget(editor)
    assert editor.is_valid()
    with qtbot.waitSignal(editor.validity_changed, timeout=2000) as changed:
        editor.set_text(HOSTILE[name])
    assert changed.args == [False] and not editor.is_valid() and not editor.format_button.isEnabled()
    assert editor.status.text().startswith("✗") and EXPECTED[name].lower() in editor.status.text().lower()


def test_a_deep_document_from_aws_is_shown_raw_not_crashing(qtbot):
    from opsconsole.ui.executions.json_view import JsonView

    view = JsonView()
    qtbot.addWidget(view)
    view.set_text(HOSTILE["10000 arrays"])
    assert "shown as received" in view.note.text()
