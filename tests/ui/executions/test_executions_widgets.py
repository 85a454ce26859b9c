"""Shared widgets used by the executions area: the search box, the message bar (badges: tests/ui/test_theme.py)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

import opsconsole.ui.executions
import opsconsole.ui.widgets
from opsconsole.core.errors import ErrorKind, UserError
from opsconsole.core.format import format_duration
from opsconsole.ui.executions.table_model import Column, ExecutionsTableModel
from opsconsole.ui.widgets.filter_line_edit import FilterLineEdit
from opsconsole.ui.widgets.message_bar import MessageBar


def test_filter_box_waits_for_a_pause_in_typing_and_escape_clears(qtbot):
    box = FilterLineEdit("Filter", delay_ms=30)
    qtbot.addWidget(box)
    seen = []
    box.filter_changed.connect(seen.append)
    with qtbot.waitSignal(box.filter_changed, timeout=2000):
        qtbot.keyClicks(box, "de-00")
    assert seen == ["de-00"], "one re-filter for a burst of keys"
    with qtbot.waitSignal(box.filter_changed, timeout=2000):
        qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert box.text() == "" and seen[-1] == ""
    assert box.isClearButtonEnabled()


def test_filter_box_flush_emits_a_waiting_change_once(qtbot):
    box = FilterLineEdit("Filter", delay_ms=200)
    qtbot.addWidget(box)
    seen = []
    box.filter_changed.connect(seen.append)
    box.flush()
    assert seen == [], "nothing waiting, nothing emitted"
    qtbot.keyClicks(box, "train")
    assert seen == []
    box.flush()
    assert seen == ["train"]
    with qtbot.assertNotEmitted(box.filter_changed, wait=400):
        pass  # the pause that would have emitted passes quietly


def test_filter_box_without_delay_emits_every_change(qtbot):
    box = FilterLineEdit("Filter", delay_ms=0)
    qtbot.addWidget(box)
    seen = []
    box.filter_changed.connect(seen.append)
    qtbot.keyClicks(box, "ab")
    assert seen == ["a", "ab"]


def test_message_bar_shows_a_user_error_and_offers_retry(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    denied = UserError(ErrorKind.ACCESS_DENIED, "Access denied", "You are not allowed to run states:ListExecutions.")
    bar.show_error(denied)
    assert bar.isVisible()
    assert bar.title_label.text() == "Access denied"
    assert "states:ListExecutions" in bar.text_label.text()
    with qtbot.waitSignal(bar.retry_requested, timeout=1000):
        qtbot.mouseClick(bar.retry_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.close_button, Qt.MouseButton.LeftButton)
    assert not bar.isVisible()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.25, "250 ms"), (45, "45 s"), (192, "3 m 12 s"), (7500, "2 h 05 m"), (3 * 86400 + 4 * 3600, "3 d 04 h")],
)
def test_durations_read_compactly(seconds, text):
    assert format_duration(timedelta(seconds=seconds)) == text


def test_ui_code_never_imports_boto3():
    """ui/ asks core and workers for AWS; it never holds a client itself."""
    roots = [Path(opsconsole.ui.executions.__file__).parent, Path(opsconsole.ui.widgets.__file__).parent]
    for path in (p for root in roots for p in root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] in {"boto3", "botocore"} for n in names), path


def test_empty_model_has_headers_and_no_rows(qtbot):
    model = ExecutionsTableModel()
    assert model.rowCount() == 0
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "Status", "Name", "State machine", "Started", "Stopped", "Duration", "Redrives", "Waiting for",
    ]
    assert model.data(model.index(0, 0)) is None
    assert model.rowCount(QModelIndex()) == 0
