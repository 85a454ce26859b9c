"""The executions list's fixing actions: toolbar, context menu and shortcuts, enabled by selection.

Start execution… (Ctrl+N), Stop… (Del, in the table), Redrive… (Ctrl+R), plus
the manual-step and export entries of the context menu. Each is enabled only
where the selection allows it; the work itself is :class:`ExecutionActions`'.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QToolBar, QToolButton, QWidget
from superqt.utils import qdebounced

from opsconsole.core.executions.listing import Execution
from opsconsole.ui.executions.actions.controller import ExecutionActions
from opsconsole.ui.executions.table_view import ExecutionsTable
from opsconsole.ui.permissions import gate

#: Statuses RedriveExecution refuses whatever the dates (the dialog says why for the rest).
_NOT_REDRIVABLE = {"RUNNING", "SUCCEEDED", "PENDING_REDRIVE"}


def redrive_keys(taken: Sequence[QKeySequence]) -> QKeySequence:
    """Ctrl+R, unless the platform's Refresh already uses it (Cmd+R on macOS): then Ctrl+Shift+R."""
    wanted = QKeySequence("Ctrl+R")
    return QKeySequence("Ctrl+Shift+R") if any(k.matches(wanted) == QKeySequence.SequenceMatch.ExactMatch
                                               for k in taken) else wanted


class ExecutionActionSet(QObject):
    """The QActions over an :class:`ExecutionsTable`, a toolbar with the main ones, and its context menu."""

    def __init__(self, controller: ExecutionActions, panel: QWidget, table: ExecutionsTable,
                 preselected_machine: Callable[[], str | None], taken: Sequence[QKeySequence] = ()) -> None:
        super().__init__(panel)
        self.controller, self.table = controller, table
        self._preselected_machine = preselected_machine

        def action(text: str, slot: Callable[[], None], tip: str) -> QAction:
            made = QAction(text, panel)
            made.setStatusTip(tip)
            made.setToolTip(tip)
            made.triggered.connect(slot)
            return made

        self.start_action = action("Start execution…", self.start, "Start a new execution (Ctrl+N)")
        self.start_action.setShortcut(QKeySequence("Ctrl+N"))
        self.stop_action = action("Stop…", self.stop, "Stop the selected running executions (Del)")
        stop_keys = [QKeySequence(Qt.Key.Key_Delete)]
        if sys.platform == "darwin":  # Mac keyboards have no forward Delete: Cmd+Backspace, as in Finder
            stop_keys.append(QKeySequence("Ctrl+Backspace"))
        self.stop_action.setShortcuts(stop_keys)
        self.redrive_action = action("Redrive…", self.redrive, "Restart the selected failed executions from "
                                     "where they stopped")
        keys = redrive_keys(taken)
        self.redrive_action.setShortcut(keys)
        self.redrive_action.setToolTip(f"{self.redrive_action.toolTip()} ({keys.toString(QKeySequence.SequenceFormat.NativeText)})")
        self.approve_action = action("Approve or reject manual step…", self.approve,
                                     "Answer the task this execution waits on")
        self.export_action = action("Export history as JSON…", self.export, "Save the execution's event history")
        for made in (self.start_action, self.redrive_action):
            made.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            panel.addAction(made)
        # Del belongs to the table: in a text field it deletes text.
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        table.addAction(self.stop_action)

        self.toolbar = QToolBar("Execution actions")
        self.toolbar.setObjectName("execution-actions")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for made in (self.start_action, self.stop_action, self.redrive_action):
            self.toolbar.addAction(made)
            button = self.toolbar.widgetForAction(made)
            if isinstance(button, QToolButton):
                button.setAutoRaise(False)  # look like buttons: these do things, they are not labels

        # The table's own menu (Open, Copy ARNs) gains the fixing actions.
        table.customContextMenuRequested.disconnect()
        table.customContextMenuRequested.connect(self._show_menu)

        self._pending = qdebounced(self.update_state, timeout=0)  # a burst of selection changes costs one update
        table.selectionModel().selectionChanged.connect(lambda *_: self._pending())
        model = table.executions_model()
        for signal in (model.dataChanged, model.modelReset, model.layoutChanged, model.rowsInserted):
            signal.connect(lambda *_: self._pending())
        controller.ctx.permissions_changed.connect(lambda *_: self._pending())
        self.update_state()

    def selected(self) -> list[Execution]:
        return self.table.selected_executions()

    def update_state(self) -> None:
        """Enable what the selection allows (and Start whenever connected)."""
        selection = self.selected()
        connected = self.controller.ctx.clients is not None
        running = [e for e in selection if e.status == "RUNNING"]
        self.start_action.setEnabled(connected)
        self.stop_action.setEnabled(connected and bool(running))
        self.redrive_action.setEnabled(connected and any(e.status not in _NOT_REDRIVABLE for e in selection))
        self.approve_action.setEnabled(connected and len(selection) == 1 and len(running) == 1)
        self.export_action.setEnabled(connected and len(selection) == 1)
        may = self.controller.ctx.permissions  # what IAM does not allow stays off, the permission named
        for made, iam_action in ((self.start_action, "states:StartExecution"),
                                 (self.stop_action, "states:StopExecution"),
                                 (self.redrive_action, "states:RedriveExecution"),
                                 (self.approve_action, "states:SendTaskSuccess")):
            gate(made, may, iam_action)

    # -- triggers -----------------------------------------------------------------------------
    def start(self) -> None:
        selection = self.selected()
        self.controller.start(selection[0].state_machine_arn if selection else self._preselected_machine())

    def stop(self) -> None:
        if self.stop_action.isEnabled():
            self.controller.stop(self.selected())

    def redrive(self) -> None:
        if self.redrive_action.isEnabled():
            self.controller.redrive(self.selected())

    def approve(self) -> None:
        selection = self.selected()
        if len(selection) == 1:
            self.controller.approve(selection[0])

    def export(self) -> None:
        selection = self.selected()
        if len(selection) != 1:
            return
        path, _filter = QFileDialog.getSaveFileName(self.table, "Export history", f"{selection[0].name}-history.json",
                                                    "JSON (*.json)")
        if path:
            self.controller.export_history(selection[0].arn, path)

    def build_menu(self) -> QMenu:
        """The table's context menu: Open, Copy ARNs, then the fixing actions (enabled by selection)."""
        self.update_state()
        menu = QMenu(self.table)
        menu.addAction(self.table.open_action)
        menu.addAction(self.table.copy_action)
        menu.addSeparator()
        for made in (self.start_action, self.stop_action, self.redrive_action):
            menu.addAction(made)
        menu.addSeparator()
        menu.addAction(self.approve_action)
        menu.addAction(self.export_action)
        return menu

    def _show_menu(self, pos: QPoint) -> None:
        if not self.table.indexAt(pos).isValid():
            return
        menu = self.build_menu()
        menu.exec(self.table.viewport().mapToGlobal(pos))
        menu.deleteLater()
