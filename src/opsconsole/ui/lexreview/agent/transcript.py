"""A conversation transcript: customer turns on the left, bot turns on the right, missed ones highlighted.

Built as a read-only rich-text document (one framed cell per turn), so text can
be selected with the mouse or the keyboard: a selection inside a missed turn
picks that span as the phrase to forward. Tab / Shift+Tab jump between missed
turns.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPalette,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFrameFormat,
    QTextLength,
    QTextTableFormat,
)
from PySide6.QtWidgets import QTextEdit, QWidget

from opsconsole.core.format import format_minute
from opsconsole.core.lexreview.conversations import Conversation, Turn
from opsconsole.ui import theme

#: Width of a turn's bubble, in percent of the transcript.
BUBBLE_WIDTH = 74


class TranscriptView(QTextEdit):
    """Shows one :class:`Conversation`; ``span_selected(turn_index, text)`` for selections in missed turns."""

    span_selected = Signal(int, str)
    #: Tab (True) / Shift+Tab (False) pressed: go to the next / previous missed turn.
    missed_step_requested = Signal(bool)
    #: A character key no shortcut takes (the transcript is read-only): the text typed.
    unbound_key = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transcript")
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.conversation: Conversation | None = None
        self.current_turn: int | None = None
        self.forwarded: dict[int, str] = {}
        self.highlight_turn: int | None = None
        #: turn index -> (first, last) document positions of its text.
        self.ranges: dict[int, tuple[int, int]] = {}
        self._building = False
        self.selectionChanged.connect(self._on_selection)
        self._show_placeholder("Pick a conversation on the left.")

    # -- content -----------------------------------------------------------
    def set_conversation(
        self, conversation: Conversation | None, current: int | None = None, forwarded: dict[int, str] | None = None
    ) -> None:
        """Show ``conversation``; ``current`` is the missed turn being worked on."""
        self.conversation = conversation
        self.current_turn = current
        self.forwarded = dict(forwarded or {})
        self._rebuild()

    def set_current(self, turn_index: int | None) -> None:
        if turn_index != self.current_turn:
            self.current_turn = turn_index
            self._rebuild()

    def set_forwarded(self, forwarded: dict[int, str]) -> None:
        self.forwarded = dict(forwarded)
        self._rebuild()

    def set_highlight(self, turn_index: int | None) -> None:
        """Mark one turn (e.g. the source of a review item) without making it 'current'."""
        self.highlight_turn = turn_index
        self._rebuild()

    def show_message(self, text: str) -> None:
        self.conversation = None
        self._show_placeholder(text)

    def _show_placeholder(self, text: str) -> None:
        self._building = True
        self.ranges = {}
        self.setPlainText(text)
        self._building = False

    def _rebuild(self) -> None:
        conv = self.conversation
        if conv is None:
            self._show_placeholder("Pick a conversation on the left.")
            return
        self._building = True
        doc = QTextDocument(self)
        doc.setDefaultFont(self.font())
        doc.setDocumentMargin(10)
        cursor = QTextCursor(doc)
        head = QTextCharFormat()
        head.setFontPointSize(max(self.font().pointSizeF() - 1.5, 7))
        head.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
        self.ranges = {}
        intro = (
            f"{conv.bot_name} · {conv.locale_id} · {conv.channel} · agent {conv.agent or '—'} · "
            f"{format_minute(conv.started_at)}"
        )
        cursor.insertText(intro, head)
        for turn in conv.turns:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            self._insert_turn(cursor, turn, head)
        # The previous document is a child of this view: Qt deletes it here.
        self.setDocument(doc)
        self._building = False
        focus = self.current_turn if self.current_turn is not None else self.highlight_turn
        if focus is not None and focus in self.ranges:
            c = QTextCursor(doc)
            c.setPosition(self.ranges[focus][0])
            self._building = True
            self.setTextCursor(c)
            self._building = False
            self.ensureCursorVisible()

    def _insert_turn(self, cursor: QTextCursor, turn: Turn, head: QTextCharFormat) -> None:
        current = turn.index == self.current_turn or turn.index == self.highlight_turn
        forwarded = turn.index in self.forwarded
        colors = theme.current()
        bubble = colors.bubble(turn.speaker, turn.missed, forwarded)
        fill, border = QColor(bubble.fill), QColor(colors.current_border if current else bubble.border)
        fmt = QTextTableFormat()
        customer = turn.speaker != "bot"
        fmt.setAlignment(Qt.AlignmentFlag.AlignLeft if customer else Qt.AlignmentFlag.AlignRight)
        fmt.setWidth(QTextLength(QTextLength.Type.PercentageLength, BUBBLE_WIDTH))
        fmt.setBorder(2.5 if current else 1)
        fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
        fmt.setBorderBrush(QBrush(border))
        fmt.setBorderCollapse(True)
        fmt.setBackground(QBrush(fill))
        fmt.setCellPadding(7)
        fmt.setCellSpacing(0)
        fmt.setTopMargin(7)
        table = cursor.insertTable(1, 1, fmt)
        # The table's own background is not painted behind a collapsed-border cell: fill the cell.
        cell_format = table.cellAt(0, 0).format()
        cell_format.setBackground(QBrush(fill))
        table.cellAt(0, 0).setFormat(cell_format)
        cell = table.cellAt(0, 0).firstCursorPosition()
        label = QTextCharFormat(head)
        label.setForeground(QColor(colors.muted))
        words = ["Customer" if customer else "Bot"]
        if turn.missed:
            label.setForeground(QColor(colors.missed_label))
            label.setFontWeight(QFont.Weight.Bold)
            words.append(f"missed ({turn.intent or 'FallbackIntent'})")
        elif turn.intent and customer:
            conf = f" {turn.confidence:.2f}" if turn.confidence is not None else ""
            words.append(f"{turn.intent}{conf}")
        if forwarded:
            label.setForeground(QColor(colors.forwarded_label))
            label.setFontWeight(QFont.Weight.Bold)
            words.append(f"✓ forwarded as {self.forwarded[turn.index]}")
        if current:
            label.setForeground(QColor(colors.current_label))
            label.setFontWeight(QFont.Weight.Bold)
            words[0] = "▶ " + words[0]
        cell.insertText(" · ".join(words), label)
        cell.insertBlock()
        body = QTextCharFormat()
        body.setForeground(QColor(colors.text))
        if turn.missed:
            body.setFontWeight(QFont.Weight.DemiBold)
        start = cell.position()
        cell.insertText(turn.text, body)
        self.ranges[turn.index] = (start, cell.position())

    # -- selection and keys --------------------------------------------------
    def turn_at(self, position: int) -> int | None:
        """The turn whose text holds document ``position``."""
        for index, (start, end) in self.ranges.items():
            if start <= position <= end:
                return index
        return None

    def _on_selection(self) -> None:
        if self._building or self.conversation is None:
            return
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return
        first, last = cursor.selectionStart(), cursor.selectionEnd()
        index = self.turn_at(first)
        if index is None or self.turn_at(last) != index:
            return
        turn = next((t for t in self.conversation.turns if t.index == index), None)
        text = " ".join(cursor.selectedText().replace("\u2029", " ").split())
        if turn is not None and turn.missed and text:
            self.span_selected.emit(index, text)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().keyPressEvent(event)
        text = event.text()
        no_command = not event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
                                              | Qt.KeyboardModifier.MetaModifier)
        if text and text.isprintable() and not text.isspace() and no_command:
            self.unbound_key.emit(text)

    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 - Qt name
        # Tab walks the missed turns here; the rest of the view has its own keys.
        if self.conversation is not None and self.hasFocus():
            self.missed_step_requested.emit(forward)
            return True
        return super().focusNextPrevChild(forward)
