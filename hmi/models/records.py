"""A read-only table model over a list of records with declared columns, and a text filter.

Used for the journal, the quarantine, the log, the counters and the tickets: each view
declares its columns as (header, text function[, sort key function]).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """One column: its header, its text and (optionally) its sort key."""

    header: str
    text: Callable[[T], str]
    key: Callable[[T], Any] | None = None
    tooltip: Callable[[T], str] | None = None


class RecordTableModel(QAbstractTableModel, Generic[T]):
    """Rows of records, columns as declared."""

    def __init__(self, columns: Sequence[Column[T]]) -> None:
        super().__init__()
        self.columns = list(columns)
        self.records: list[T] = []

    def set_records(self, records: Sequence[T]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.records = list(records)
        self.endResetModel()

    def update_records(self, records: Sequence[T]) -> None:
        """Replace the rows, keeping the model (and the view's selection) when the count stays."""
        if len(records) != len(self.records):
            self.set_records(records)
            return
        self.records = list(records)
        if self.records:
            last = self.index(len(self.records) - 1, len(self.columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def record(self, row: int) -> T:
        """The record of a row."""
        return self.records[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        record = self.records[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == SORT_ROLE:
            return column.key(record) if column.key is not None else column.text(record).lower()
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(record)
        return None


class TextFilterProxy(QSortFilterProxyModel):
    """Case-insensitive text filter over every column, plus an optional record predicate."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""
        self.predicate: Callable[[Any], bool] | None = None
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        """Rows must contain this text (in any column)."""
        self.beginFilterChange()
        self.text = text.strip().lower()
        self.endFilterChange()

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        """Rows must satisfy this (None: all)."""
        self.beginFilterChange()
        self.predicate = predicate
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        if not isinstance(model, RecordTableModel):
            return True
        record = model.record(source_row)
        if self.predicate is not None and not self.predicate(record):
            return False
        if not self.text:
            return True
        return any(self.text in c.text(record).lower() for c in model.columns)

    def record(self, proxy_row: int) -> Any:
        """The record shown in a proxy row."""
        source = self.mapToSource(self.index(proxy_row, 0))
        model = self.sourceModel()
        assert isinstance(model, RecordTableModel)
        return model.record(source.row())
