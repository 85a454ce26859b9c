"""Where a redrive sends the messages and how fast (the confirmation with the CLI comes after)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox, QWidget

from opsconsole.core.alerts import dlq as core
from opsconsole.core.alerts.dlq import DeadLetterQueue


class RedriveDialog(QDialog):
    """Where the messages go (back to their source, or a chosen queue) and how fast."""

    def __init__(self, queue: DeadLetterQueue, destinations: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Redrive {queue.name}")
        self.destination = QComboBox()
        self.destination.addItem(f"Back to the source queue ({', '.join(queue.source_names) or '?'})", None)
        for arn in destinations:
            # SQS moves a FIFO queue's messages only to FIFO queues, a standard one's only to standard ones
            if arn != queue.arn and arn.endswith(".fifo") == queue.fifo:
                self.destination.addItem(core.queue_name(arn), arn)
        self.rate = QSpinBox()
        self.rate.setRange(0, core.MAX_RATE)
        self.rate.setSpecialValueText("as fast as SQS chooses")
        self.rate.setSuffix(" messages/s")
        form = QFormLayout(self)
        form.addRow(QLabel(f"Move the {queue.visible} message(s) of {queue.name}:"))
        form.addRow("To", self.destination)
        form.addRow("Rate", self.rate)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Next…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str | None, int | None]:
        return self.destination.currentData(), (self.rate.value() or None)
