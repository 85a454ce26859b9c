"""The Step Functions executions area: state machines, executions list, running refresh."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStyle, QWidget

from opsconsole.ui.context import AppContext
from opsconsole.ui.executions.panel import ExecutionsPanel
from opsconsole.ui.executions.table_model import ExecutionsTableModel
from opsconsole.ui.panel import Area, Links


def _link(panel: ExecutionsPanel, links: Links) -> None:
    panel.execution_activated.connect(links.open_execution)


def open_execution_window(ctx: AppContext, execution: object, parent: QWidget) -> QWidget:
    """Open one execution (an ``Execution``) in its own window; several can be open side by side."""
    from opsconsole.ui.executions.detail import ExecutionWindow  # its graph and timeline load on first use

    window = ExecutionWindow(ctx, execution, parent)
    window.setWindowFlag(Qt.WindowType.Window, True)
    window.show()
    return window


AREA = Area("executions", "Executions", QStyle.StandardPixmap.SP_MediaPlay, ExecutionsPanel, link=_link)

__all__ = ["AREA", "ExecutionsPanel", "ExecutionsTableModel", "open_execution_window"]
