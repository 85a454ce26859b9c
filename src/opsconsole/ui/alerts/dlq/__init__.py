"""The dead-letter queues page of the alerts area (``DeadLetterView``; its ``open_execution`` signal
carries an ``opsconsole.core.executions.Execution``)."""

from opsconsole.ui.alerts.dlq.models import MessageColumn, MessagesModel, QueueColumn, QueuesModel
from opsconsole.ui.alerts.dlq.redrive import RedriveDialog
from opsconsole.ui.alerts.dlq.view import PEEK_NOTE, DeadLetterView

__all__ = ["PEEK_NOTE", "DeadLetterView", "MessageColumn", "MessagesModel", "QueueColumn", "QueuesModel",
           "RedriveDialog"]
