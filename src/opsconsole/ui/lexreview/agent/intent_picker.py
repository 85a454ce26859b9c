"""Choose an intent: the most likely ones first (ranked by similarity), type to search, 1–9 to pick."""

from __future__ import annotations

import html

from typing import Any

from PySide6.QtCore import QAbstractListModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from opsconsole.ui import theme

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
SCORE_ROLE = Qt.ItemDataRole.UserRole + 2


def _squash(text: str) -> str:
    return "".join(text.casefold().split())


class IntentRankModel(QAbstractListModel):
    """Intents in ranked order, narrowed by a search text; the first nine are numbered."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ranking: list[tuple[str, float]] = []
        self._rows: list[tuple[str, float]] = []
        self._filter = ""

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not 0 <= index.row() < len(self._rows):
            return None
        name, score = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            number = f"{index.row() + 1}  " if index.row() < 9 else "    "
            return f"{number}{name}"
        if role == NAME_ROLE:
            return name
        if role == SCORE_ROLE:
            return score
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name}: {score:.0%} similar to its sample utterances"
        return None

    def set_ranking(self, ranking: list[tuple[str, float]]) -> None:
        self._ranking = list(ranking)
        self._apply()

    def set_filter(self, text: str) -> None:
        self._filter = _squash(text)
        self._apply()

    def _apply(self) -> None:
        self.beginResetModel()
        wanted = self._filter
        self._rows = [r for r in self._ranking if not wanted or wanted in _squash(r[0])]
        self.endResetModel()

    def name(self, row: int) -> str | None:
        return self._rows[row][0] if 0 <= row < len(self._rows) else None

    def row_of(self, name: str) -> int:
        return next((i for i, (n, _s) in enumerate(self._rows) if n == name), -1)

    def names(self) -> list[str]:
        return [n for n, _s in self._rows]


class ScoreDelegate(QStyledItemDelegate):
    """The intent name, with its similarity as a thin bar and a percentage on the right."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        score = float(index.data(SCORE_ROLE) or 0.0)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        pct = f"{score:.0%}" if score > 0 else ""
        text = opt.text
        opt.text = ""
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        painter.save()
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(opt.palette.color(role))
        fm = opt.fontMetrics
        pct_w = fm.horizontalAdvance("100%") + 8
        rect = opt.rect.adjusted(6, 0, -6, 0)
        name_rect = QRect(rect.left(), rect.top(), rect.width() - pct_w - 50, rect.height())
        painter.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         fm.elidedText(text, Qt.TextElideMode.ElideRight, name_rect.width()))
        painter.drawText(QRect(rect.right() - pct_w, rect.top(), pct_w, rect.height()),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, pct)
        if score > 0:
            bar = QRect(rect.right() - pct_w - 46, rect.center().y() - 2, 40, 5)
            base = opt.palette.color(QPalette.ColorRole.Base)
            accent = QColor(theme.current().link)
            painter.fillRect(bar, theme.blend(base, accent, 0.2))
            painter.fillRect(QRect(bar.left(), bar.top(), max(1, round(bar.width() * min(score, 1.0))), bar.height()),
                             accent)
        painter.restore()


class IntentPicker(QWidget):
    """Search box over a ranked intent list; ``chosen(name)`` when an intent is picked.

    In the search box Up/Down move through the list, Enter picks the highlighted
    (or first) intent and Escape gives up; both emit ``finished`` so the owner
    can move the focus back to where the keyboard flow continues.
    """

    chosen = Signal(str)
    finished = Signal()

    def __init__(self, parent: QWidget | None = None, title: str = "Intent") -> None:
        super().__init__(parent)
        self.model = IntentRankModel(self)
        self.search = QLineEdit()
        self.search.setObjectName("intent-search")
        self.search.setPlaceholderText("Search intents  ( / )")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.search.installEventFilter(self)
        self.list = QListView()
        self.list.setObjectName("intent-list")
        self.list.setModel(self.model)
        self.list.setItemDelegate(ScoreDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self.list.activated.connect(lambda idx: self._pick(self.model.name(idx.row())))
        self.list.clicked.connect(lambda idx: self._pick(self.model.name(idx.row())))
        self.choice_label = QLabel()
        self.choice_label.setObjectName("intent-choice")
        self._title = title
        self._chosen: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.choice_label)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self._show_choice()

    @property
    def chosen_intent(self) -> str | None:
        return self._chosen

    def set_ranking(self, ranking: list[tuple[str, float]], keep_choice: bool = False) -> None:
        """New candidates (most likely first); the choice is cleared unless ``keep_choice``."""
        self.model.set_ranking(ranking)
        if not keep_choice or self._chosen not in self.model.names():
            self._chosen = None
        self._sync_selection()
        self._show_choice()

    def clear_choice(self) -> None:
        self._chosen = None
        self.list.clearSelection()
        self._show_choice()

    def choose_rank(self, number: int) -> str | None:
        """Pick the ``number``-th intent shown (1-based)."""
        name = self.model.name(number - 1)
        if name is not None:
            self._pick(name, finish=False)
        return name

    def choose(self, name: str) -> None:
        self._pick(name, finish=False)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _pick(self, name: str | None, finish: bool = True) -> None:
        if not name:
            return
        self._chosen = name
        self._sync_selection()
        self._show_choice()
        self.chosen.emit(name)
        if finish:
            self.search.clear()
            self.finished.emit()

    def _sync_selection(self) -> None:
        row = self.model.row_of(self._chosen) if self._chosen else -1
        if row >= 0:
            self.list.setCurrentIndex(self.model.index(row))
        else:
            self.list.clearSelection()

    def _show_choice(self) -> None:
        if self.search.text().strip() and not self.model.rowCount():
            self.choice_label.setText(f"{html.escape(self._title)}: <span style='color:{theme.current().muted}'>"
                                      f"no match for “{html.escape(self.search.text().strip())}”</span>")
        elif self._chosen:
            self.choice_label.setText(f"{html.escape(self._title)}: <b>{html.escape(self._chosen)}</b>")
        else:
            self.choice_label.setText(f"{self._title}: <span style='color:{theme.current().muted}'>"
                                      "none chosen — 1–9 or /</span>")

    def _on_search(self, text: str) -> None:
        self.model.set_filter(text)
        if not text.strip():
            self._sync_selection()
        elif self.model.rowCount():
            self.list.setCurrentIndex(self.model.index(0))
        else:
            self._chosen = None  # nothing matches: no choice left standing behind an empty list
        self._show_choice()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt name
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.list.currentIndex().row()
                step = 1 if key == Qt.Key.Key_Down else -1
                row = max(0, min(self.model.rowCount() - 1, row + step))
                if self.model.rowCount():
                    self.list.setCurrentIndex(self.model.index(row))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
                row = max(self.list.currentIndex().row(), 0)
                self._pick(self.model.name(row))
                return True
            if key == Qt.Key.Key_Escape:
                had_text = bool(self.search.text())
                self.search.clear()
                self.finished.emit()
                return had_text  # an empty box lets Escape through (a dialog closes)
        return super().eventFilter(watched, event)
