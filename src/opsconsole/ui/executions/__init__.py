"""The Step Functions executions area: state machines, executions list, running refresh."""

from opsconsole.ui.executions.panel import ExecutionsPanel
from opsconsole.ui.executions.table_model import ExecutionsTableModel

__all__ = ["ExecutionsPanel", "ExecutionsTableModel"]
