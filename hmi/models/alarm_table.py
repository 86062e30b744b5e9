"""The alarm list as a Qt table model, and the filter/sort proxy of the alarm console.

Rows follow the alarm snapshots incrementally (rows removed, inserted, changed), so the
operator's selection survives updates. Sorting uses a key per column (priority by rank,
time by nanoseconds); the proxy filters by priority, area, state, time and text.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QFont

from core.alarms.states import AlarmState
from hmi.formatting import PlantClock, value_text
from hmi.icons import priority_icon, state_icon
from hmi.models.alarm_model import AlarmItem
from hmi.theme import PRIORITY_NUMBERS

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("P", "Time", "Area", "Tag", "Description", "Value", "Limit", "State")
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ITEM_ROLE = Qt.ItemDataRole.UserRole + 2
STATE_TEXT = {
    AlarmState.UNACK: "UNACK",
    AlarmState.ACKED: "ACKED",
    AlarmState.RTN_UNACK: "RTN UNACK",
    AlarmState.LATCHED: "LATCHED",
    AlarmState.SHELVED: "SHELVED",
    AlarmState.SUPPRESSED: "SUPPRESSED",
    AlarmState.OUT_OF_SERVICE: "OUT OF SERVICE",
    AlarmState.NORMAL: "NORMAL",
}
OVERLAY_ICON = {
    AlarmState.SHELVED: "shelved",
    AlarmState.SUPPRESSED: "suppressed",
    AlarmState.OUT_OF_SERVICE: "out_of_service",
}


class AlarmTableModel(QAbstractTableModel):
    """One row per alarm of the snapshot, in arrival order."""

    def __init__(self, clock: PlantClock) -> None:
        super().__init__()
        self._clock = clock
        self.items: list[AlarmItem] = []

    def set_items(self, items: Iterable[AlarmItem]) -> None:
        """Apply a new list: remove gone rows, update kept ones, append new ones."""
        new = {i.name: i for i in items}
        for row in reversed(range(len(self.items))):
            if self.items[row].name not in new:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self.items[row]
                self.endRemoveRows()
        for row, old in enumerate(self.items):
            fresh = new.pop(old.name)
            if fresh != old:
                self.items[row] = fresh
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        if new:
            start = len(self.items)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            self.items.extend(sorted(new.values(), key=lambda i: i.event_ns))
            self.endInsertRows()

    def item(self, row: int) -> AlarmItem:
        """The alarm of a source row."""
        return self.items[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self.items)

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
        item = self.items[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icon(item, column)
        if role == SORT_ROLE:
            return self._sort_key(item, column)
        if role == ITEM_ROLE:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.name}\npriority {PRIORITY_NUMBERS.get(item.priority)} ({item.priority})"
        if role == Qt.ItemDataRole.FontRole and item.needs_ack and column == 7:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, item: AlarmItem, column: int) -> str:
        texts = (
            str(PRIORITY_NUMBERS.get(item.priority, 4)),
            self._clock.datetime_text(item.event_ns),
            item.area,
            item.tag,
            item.text,
            value_text(item.value),
            f"{item.alarm_type.replace('_', ' ')} {item.limit:g}",
            STATE_TEXT.get(item.state, item.state.value),
        )
        return texts[column]

    def _icon(self, item: AlarmItem, column: int) -> object:
        if column == 0:
            return priority_icon(item.priority, acknowledged=not item.needs_ack)
        if column == 7 and item.state in OVERLAY_ICON:
            return state_icon(OVERLAY_ICON[item.state])
        return None

    def _sort_key(self, item: AlarmItem, column: int) -> object:
        if column == 0:
            return item.rank
        if column == 1:
            return item.event_ns
        if column == 5:
            return item.value if item.value is not None else float("-inf")
        return self._text(item, column).lower()


class AlarmFilterProxy(QSortFilterProxyModel):
    """Filters by priority, area, state, time and text; sorts by the model's sort keys."""

    def __init__(self) -> None:
        super().__init__()
        self.priorities: set[str] = set()
        self.area = ""
        self.states: set[AlarmState] = set()
        self.since_ns = 0
        self.text = ""
        self.setSortRole(SORT_ROLE)

    def set_filter(
        self,
        *,
        priorities: set[str] | None = None,
        area: str | None = None,
        states: set[AlarmState] | None = None,
        since_ns: int | None = None,
        text: str | None = None,
    ) -> None:
        """Change any filter (None keeps it); empty sets and strings mean "all"."""
        self.beginFilterChange()
        if priorities is not None:
            self.priorities = priorities
        if area is not None:
            self.area = area
        if states is not None:
            self.states = states
        if since_ns is not None:
            self.since_ns = since_ns
        if text is not None:
            self.text = text.strip().lower()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        if not isinstance(model, AlarmTableModel):
            return True
        item = model.item(source_row)
        if self.priorities and item.priority not in self.priorities:
            return False
        if self.area and item.area != self.area:
            return False
        if self.states and item.state not in self.states:
            return False
        if self.since_ns and item.event_ns < self.since_ns:
            return False
        haystack = f"{item.name} {item.tag} {item.text} {item.area}".lower()
        return not self.text or self.text in haystack

    def item(self, proxy_row: int) -> AlarmItem:
        """The alarm shown in a proxy row."""
        source = self.mapToSource(self.index(proxy_row, 0))
        model = self.sourceModel()
        assert isinstance(model, AlarmTableModel)
        return model.item(source.row())
