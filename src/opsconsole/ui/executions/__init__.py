"""The Step Functions executions area: state machines, executions list, running refresh."""

from PySide6.QtWidgets import QStyle

from opsconsole.ui.executions.panel import ExecutionsPanel
from opsconsole.ui.executions.table_model import ExecutionsTableModel
from opsconsole.ui.panel import Area, Links


def _link(panel: ExecutionsPanel, links: Links) -> None:
    panel.execution_activated.connect(links.open_execution)


AREA = Area("executions", "Executions", QStyle.StandardPixmap.SP_MediaPlay, ExecutionsPanel, link=_link)

__all__ = ["AREA", "ExecutionsPanel", "ExecutionsTableModel"]
