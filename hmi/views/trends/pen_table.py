"""The pen legend: colour, tag, live value, value at the cursor (every pen, one time), unit, axis."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from hmi.formatting import PlantClock, quality_class, quality_text, value_text
from hmi.views.trends.pens import Pen

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Tag", "Live", "At cursor", "Cursor time", "Unit", "Axis")
AXIS_COLUMN = 5


class PenTableModel(QAbstractTableModel):
    """One row per pen; the Axis column is editable (same text = shared axis)."""

    def __init__(self, clock: PlantClock) -> None:
        super().__init__()
        self.pens: list[Pen] = []
        self.cursor_ns: int | None = None
        self._clock = clock
        self.axis_edited: list[tuple[str, str]] = []

    def set_pens(self, pens: list[Pen]) -> None:
        """Show these pens."""
        self.beginResetModel()
        self.pens = list(pens)
        self.endResetModel()

    def refresh_values(self) -> None:
        """Live and cursor columns changed."""
        if self.pens:
            self.dataChanged.emit(self.index(0, 1), self.index(len(self.pens) - 1, 3))

    def set_cursor(self, cursor_ns: int | None) -> None:
        """Read every pen out at this time."""
        self.cursor_ns = cursor_ns
        self.refresh_values()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.pens)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        pen = self.pens[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return QColor(pen.colour)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(pen, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == 1:
            return quality_text(pen.live_quality)
        return None

    def _text(self, pen: Pen, column: int) -> str:
        if column == 0:
            return pen.tag
        if column == 1:
            text = value_text(pen.live_value)
            return text if quality_class(pen.live_quality) == "good" else f"{text} ?"
        if column in (2, 3):
            return self._cursor_text(pen, column)
        if column == 4:
            return pen.unit
        return pen.axis

    def _cursor_text(self, pen: Pen, column: int) -> str:
        if self.cursor_ns is None:
            return ""
        point = pen.buffer.value_at(self.cursor_ns)
        if point is None:
            return "---"
        ts, value, quality = point
        if column == 3:
            return self._clock.datetime_text(ts)
        text = value_text(value)
        return text if quality < 64 else f"{text} ({quality_text(quality)})"

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == AXIS_COLUMN:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(  # noqa: N802 (Qt API)
        self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != AXIS_COLUMN:
            return False
        text = str(value).strip()
        pen = self.pens[index.row()]
        if not text or text == pen.axis:
            return False
        pen.axis = text
        self.axis_edited.append((pen.tag, text))
        self.dataChanged.emit(index, index)
        return True
