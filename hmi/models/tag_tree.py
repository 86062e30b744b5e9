"""The plant tree as a Qt item model: sites > areas > devices > tags, with live values.

Nodes are only appended (tags discovered at run time are inserted under their device), so a
node's row never changes and the view keeps its expansion and selection. Live updates emit
one ``dataChanged`` per device and per update, not one per tag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from core.config import PlantConfig
from core.livecache import LiveValue
from core.model import now_ns
from core.tags import TagInfo
from hmi.formatting import PlantClock, age_text, quality_class, quality_text, value_text
from hmi.icons import bad_quality_icon

Index = QModelIndex | QPersistentModelIndex
COLUMNS = ("Name", "Value", "Unit", "Quality", "Last update")
NODE_ROLE = Qt.ItemDataRole.UserRole + 1
UNASSIGNED = "(no area)"


@dataclass(eq=False)
class Node:
    """One row of the tree."""

    kind: str
    name: str
    parent: Node | None
    row: int
    children: list[Node] = field(default_factory=list)
    tag: TagInfo | None = None
    value: LiveValue | None = None
    link: tuple[str, int] | None = None
    description: str = ""
    seen_ns: int = 0
    """Newest sample time below this node (kept up to date by the model)."""

    def child(self, name: str) -> Node | None:
        """A direct child by name."""
        return next((c for c in self.children if c.name == name), None)

    def last_seen_ns(self) -> int:
        """Newest sample time below this node."""
        return self.value.ts_ns if self.value is not None else self.seen_ns


class TagTreeModel(QAbstractItemModel):
    """Sites, areas, devices and tags of a plant."""

    def __init__(self, config: PlantConfig, clock: PlantClock) -> None:
        super().__init__()
        self._clock = clock
        self.root = Node("root", "", None, 0)
        self.by_tag: dict[int, Node] = {}
        self.devices: dict[str, Node] = {}
        self._area_site = {a.name: a.site or config.plant.name for a in config.areas}
        self._config = config
        self._default_site = config.plant.name

    # -- structure ------------------------------------------------------------------------------
    def add_tags(self, tags: Iterable[TagInfo]) -> int:
        """Insert tags not in the tree yet (and their site/area/device rows); returns how many."""
        added = 0
        for tag in tags:
            if tag.id in self.by_tag:
                continue
            device = self._device_node(tag.device or tag.name.split("/", 1)[0])
            self.by_tag[tag.id] = self._append(device, "tag", tag.name.rsplit("/", 1)[-1], tag)
            added += 1
        return added

    def _device_node(self, device: str) -> Node:
        node = self.devices.get(device)
        if node is not None:
            return node
        entry = self._config.device(device)
        area_name = (entry.area if entry else "") or UNASSIGNED
        site_name = self._area_site.get(area_name, self._default_site)
        site = self.root.child(site_name) or self._append(self.root, "site", site_name)
        area = site.child(area_name) or self._append(site, "area", area_name)
        node = self._append(area, "device", device)
        node.description = entry.description if entry else ""
        self.devices[device] = node
        return node

    def _append(self, parent: Node, kind: str, name: str, tag: TagInfo | None = None) -> Node:
        row = len(parent.children)
        self.beginInsertRows(self._index_of(parent), row, row)
        node = Node(kind, name, parent, row, tag=tag)
        parent.children.append(node)
        self.endInsertRows()
        return node

    def _index_of(self, node: Node, column: int = 0) -> QModelIndex:
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row, column, node)

    def index_of_tag(self, tag_id: int) -> QModelIndex:
        """The index of a tag's row (invalid when unknown)."""
        node = self.by_tag.get(tag_id)
        return self._index_of(node) if node is not None else QModelIndex()

    def index_of_device(self, device: str) -> QModelIndex:
        """The index of a device's row (invalid when unknown)."""
        node = self.devices.get(device)
        return self._index_of(node) if node is not None else QModelIndex()

    # -- live data ------------------------------------------------------------------------------
    def apply_values(self, latest: dict[int, LiveValue], notify: bool = True) -> None:
        """Store new values; one dataChanged per device touched (none when ``notify`` is off:
        a hidden view catches up with :meth:`refresh_all` when shown)."""
        touched: dict[Node, list[int]] = defaultdict(list)
        for tag_id, value in latest.items():
            node = self.by_tag.get(tag_id)
            if node is not None and node.parent is not None:
                node.value = value
                node.parent.seen_ns = max(node.parent.seen_ns, value.ts_ns)
                touched[node.parent].append(node.row)
        if not notify:
            return
        for device, rows in touched.items():
            self.dataChanged.emit(
                self.createIndex(min(rows), 1, device.children[min(rows)]),
                self.createIndex(max(rows), len(COLUMNS) - 1, device.children[max(rows)]),
            )
            self.dataChanged.emit(self._index_of(device, 1), self._index_of(device, 4))

    def refresh_all(self) -> None:
        """Every row may have changed (the view asks again for what it shows)."""
        self.layoutAboutToBeChanged.emit()
        self.layoutChanged.emit()

    def apply_links(self, links: dict[str, tuple[str, int]]) -> None:
        """Link states per device, from the drivers."""
        for name, link in links.items():
            node = self.devices.get(name)
            if node is not None and node.link != link:
                node.link = link
                self.dataChanged.emit(self._index_of(node, 1), self._index_of(node, 4))

    # -- QAbstractItemModel ---------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = parent.internalPointer() if parent.isValid() else self.root
        if not 0 <= row < len(node.children) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        return self._index_of(node.parent) if node.parent is not None else QModelIndex()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        if parent.isValid() and parent.column() != 0:
            return 0
        node = parent.internalPointer() if parent.isValid() else self.root
        return len(node.children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt API)
        return len(COLUMNS)

    def headerData(  # noqa: N802 (Qt API)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        if role == NODE_ROLE:
            return node
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(node, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            tag = node.tag
            return tag.description or tag.name if tag is not None else node.description or None
        bad = node.value is not None and quality_class(node.value.quality) != "good"
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 3 and bad:
            return bad_quality_icon()
        return None

    def _text(self, node: Node, column: int) -> str:
        if column == 0:
            return node.name
        if node.kind == "device":
            return self._device_text_of(node, column)
        if node.kind != "tag" or node.tag is None:
            return ""
        value = node.value
        if column == 2:
            return node.tag.unit
        if value is None:
            return "---" if column == 1 else ""
        if column == 1:
            return value_text(value.value)
        if column == 3:
            return quality_text(value.quality)
        return f"{self._clock.time_text(value.ts_ns)} ({age_text(now_ns() - value.ts_ns)})"

    def _device_text_of(self, node: Node, column: int) -> str:
        seen = node.last_seen_ns()
        if column == 1:
            state = node.link[0] if node.link is not None else ("online" if seen else "no data")
            return state.upper() if state in ("offline", "degraded") else state
        if column == 4 and seen:
            return f"{self._clock.time_text(seen)} ({age_text(now_ns() - seen)})"
        return ""
