"""The devices view: the plant tree with live values (levels 2-3) beside a device faceplate."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from hmi.bridge import LiveUpdate, StationStatus
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.tag_tree import NODE_ROLE, Node, TagTreeModel
from hmi.views.devices.browse import BrowseDialog
from hmi.views.devices.faceplate import Faceplate
from hmi.widgets.write_dialog import WriteDialog


class DevicesView(QWidget):
    """Tree of sites, areas, devices and tags; the faceplate of the selected device."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = TagTreeModel(ctx.config, ctx.clock)
        self.model.add_tags(ctx.registry)
        self.model.apply_values(ctx.collector.pipeline.live.snapshot())
        self.proxy = QSortFilterProxyModel(self)
        self.tree = self._make_tree()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter devices and tags…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.area = QComboBox()
        self.area.addItem("All areas", "")
        for area in sorted({n.name for s in self.model.root.children for n in s.children}):
            self.area.addItem(area, area)
        self.area.currentIndexChanged.connect(lambda _i: self.show_area(self.area.currentData()))
        self.buttons = {
            "trend": icon_button("trend_this", "Trend this"),
            "write": icon_button("write", "Write…"),
            "faceplate": icon_button("faceplate", "Faceplate"),
            "browse": icon_button("browse", "Browse field…"),
        }
        self.faceplate: Faceplate | None = None
        self.placeholder = QLabel("Select a device to open its faceplate.")
        self.right = QVBoxLayout()
        self._build()
        self.tree.selectionModel().selectionChanged.connect(self._selection_changed)
        ctx.bridge.updated.connect(self.on_update)
        ctx.bridge.status_changed.connect(self.on_status)
        ctx.nav.show_device.connect(self.show_device)
        self._selection_changed()

    def _make_tree(self) -> QTreeView:
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setDynamicSortFilter(False)  # filtered by name: live values never re-filter
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        tree = QTreeView()
        tree.setObjectName("device_tree")
        tree.setModel(self.proxy)
        tree.setAlternatingRowColors(True)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.expandToDepth(1)
        return tree

    def _build(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.area)
        row.addWidget(self.filter, 1)
        column.addLayout(row)
        column.addWidget(self.tree, 1)
        actions = QHBoxLayout()
        for name, button in self.buttons.items():
            button.setObjectName(f"devices_{name}")
            actions.addWidget(button)
        column.addLayout(actions)
        self.buttons["trend"].clicked.connect(self._trend)
        self.buttons["write"].clicked.connect(self._write)
        self.buttons["faceplate"].clicked.connect(self._open_selected_faceplate)
        self.buttons["browse"].clicked.connect(self.open_browse)
        holder = QWidget()
        self.right.addWidget(self.placeholder)
        holder.setLayout(self.right)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(holder)
        split.setSizes([620, 560])
        QVBoxLayout(self).addWidget(split)

    # -- live -----------------------------------------------------------------------------------
    def on_update(self, update: LiveUpdate) -> None:
        """New values; new tags are added to the tree as they are discovered."""
        if len(self.ctx.registry) != len(self.model.by_tag):
            self.model.add_tags(self.ctx.registry)
        self.model.apply_values(update.latest, notify=self.isVisible())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        """Catch up with the values that arrived while hidden."""
        super().showEvent(event)
        self.model.refresh_all()

    def on_status(self, status: StationStatus) -> None:
        """Link state per device."""
        self.model.apply_links(status.devices)

    # -- selection ------------------------------------------------------------------------------
    def selected_node(self) -> Node | None:
        """The node of the selected row."""
        rows = self.tree.selectionModel().selectedRows()
        if not rows:
            return None
        node = self.proxy.data(rows[0], NODE_ROLE)
        return node if isinstance(node, Node) else None

    def _selection_changed(self, *_args: object) -> None:
        node = self.selected_node()
        tag = node.tag if node is not None else None
        self.buttons["trend"].setEnabled(tag is not None)
        self.buttons["write"].setEnabled(tag is not None and tag.writable)
        self.buttons["faceplate"].setEnabled(node is not None and self._device_of(node) is not None)
        device = self._device_of(node) if node is not None else None
        if device is not None and (self.faceplate is None or self.faceplate.device != device):
            self.open_faceplate(device)

    @staticmethod
    def _device_of(node: Node) -> str | None:
        if node.kind == "device":
            return node.name
        if node.kind == "tag" and node.parent is not None:
            return node.parent.name
        return None

    def select_tag(self, tag: str) -> bool:
        """Select a tag's row (and open its device's faceplate)."""
        info = self.ctx.tag(tag)
        source = self.model.index_of_tag(info.id) if info is not None else QModelIndex()
        return self._select(source)

    def show_device(self, device: str) -> None:
        """Select a device and open its faceplate (from anywhere: "faceplate" buttons)."""
        self._select(self.model.index_of_device(device))
        self.open_faceplate(device)

    def _select(self, source: QModelIndex) -> bool:
        index = self.proxy.mapFromSource(source)
        if not index.isValid():
            return False
        self.tree.scrollTo(index)
        self.tree.setCurrentIndex(index)
        return True

    def show_area(self, area: str) -> None:
        """Show one area's devices (level 2), or every area for ''."""
        self.area.blockSignals(True)
        self.area.setCurrentIndex(max(self.area.findData(area or ""), 0))
        self.area.blockSignals(False)
        root = QModelIndex()
        for site in self.model.root.children:
            node = site.child(area) if area else None
            if node is not None:
                root = self.proxy.mapFromSource(self.model.createIndex(node.row, 0, node))
        self.tree.setRootIndex(root)
        self.tree.expandToDepth(0 if area else 1)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if text:
            self.tree.expandAll()

    # -- actions --------------------------------------------------------------------------------
    def open_faceplate(self, device: str) -> Faceplate:
        """Replace the right side by the device's faceplate."""
        if self.faceplate is not None:
            self.faceplate.release()
            self.right.removeWidget(self.faceplate)
            self.faceplate.deleteLater()
        self.placeholder.setVisible(False)
        self.faceplate = Faceplate(self.ctx, device)
        self.right.addWidget(self.faceplate)
        return self.faceplate

    def _open_selected_faceplate(self) -> None:
        node = self.selected_node()
        device = self._device_of(node) if node is not None else None
        if device is not None:
            self.open_faceplate(device)

    def _trend(self) -> None:
        node = self.selected_node()
        if node is not None and node.tag is not None:
            self.ctx.nav.trend_tag.emit(node.tag.name)

    def _write(self) -> WriteDialog | None:
        node = self.selected_node()
        if node is None or node.tag is None:
            return None
        dialog = WriteDialog(self.ctx, node.tag, self)
        dialog.setModal(True)
        dialog.show()
        return dialog

    def open_browse(self) -> BrowseDialog:
        """Open the field browser (OPC-UA address space, Modbus points)."""
        dialog = BrowseDialog(self.ctx, self)
        dialog.show()
        dialog.browse()
        return dialog
