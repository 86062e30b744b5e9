"""A filterable list of tags; drag them onto a trend, or select and press "Add"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from core.tags import TagInfo
from hmi.icons import icon_button
from hmi.views.trends.plots import TAG_MIME

Index = QModelIndex | QPersistentModelIndex


class TagListModel(QAbstractListModel):
    """Tag names with their unit and description; drags carry the names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tags: list[TagInfo] = []

    def set_tags(self, tags: Iterable[TagInfo]) -> None:
        """Replace the list (sorted by name)."""
        self.beginResetModel()
        self._tags = sorted(tags, key=lambda t: t.name)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return 0 if parent.isValid() else len(self._tags)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        tag = self._tags[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{tag.name}  [{tag.unit}]" if tag.unit else tag.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(p for p in (tag.name, tag.description, tag.unit) if p)
        if role == Qt.ItemDataRole.UserRole:
            return tag.name
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsDragEnabled if index.isValid() else base

    def mimeTypes(self) -> list[str]:  # noqa: N802 (Qt API)
        return [TAG_MIME, "text/plain"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802 (Qt API)
        names = [self._tags[i.row()].name for i in indexes if i.isValid()]
        mime = QMimeData()
        mime.setData(TAG_MIME, "\n".join(names).encode("utf-8"))
        mime.setText("\n".join(names))
        return mime


class TagBrowser(QWidget):
    """Filter box, tag list, "Add" button."""

    add_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = TagListModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter tags…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.doubleClicked.connect(lambda _index: self._add())
        self.add_button = icon_button("add", "Add to trend")
        self.add_button.clicked.connect(self._add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        layout.addLayout(row)

    def set_tags(self, tags: Iterable[TagInfo]) -> None:
        """Show these tags."""
        self.model.set_tags(tags)

    def selected(self) -> list[str]:
        """Names of the selected tags."""
        return [
            str(self.proxy.data(i, Qt.ItemDataRole.UserRole))
            for i in self.list.selectionModel().selectedRows()
        ]

    def index_of(self, tag: str) -> QModelIndex:
        """The proxy index of a tag (invalid when filtered out or unknown)."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if self.proxy.data(index, Qt.ItemDataRole.UserRole) == tag:
                return index
        return QModelIndex()

    def _add(self) -> None:
        tags = self.selected()
        if tags:
            self.add_requested.emit(tags)
