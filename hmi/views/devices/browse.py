"""Browsing a driver's address space (OPC-UA nodes, Modbus points) in a worker."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from drivers.base import BrowseNode
from hmi.context import HmiContext
from hmi.icons import icon_button


def browsable(drivers: list[Any]) -> list[Any]:
    """Drivers with an address space worth browsing (OPC-UA first)."""
    return sorted(
        (d for d in drivers if getattr(d, "kind", "") in ("opcua", "modbus")),
        key=lambda d: (getattr(d, "kind", "") != "opcua", d.name),
    )


class BrowseDialog(QDialog):
    """Pick a driver, browse, see its nodes (name, address, variable or folder)."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("Browse the field")
        self.resize(720, 520)
        self.drivers = browsable(list(ctx.collector.drivers))
        self.driver = QComboBox()
        for driver in self.drivers:
            self.driver.addItem(f"{driver.name} ({driver.kind})", driver.name)
        self.browse_button = icon_button("browse", "Browse")
        self.browse_button.setObjectName("browse_start")
        self.browse_button.clicked.connect(self.browse)
        self.status = QLabel("" if self.drivers else "No browsable driver in this plant.")
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Name", "Address", "Kind"])
        self.tree.setColumnWidth(0, 240)
        row = QHBoxLayout()
        row.addWidget(self.driver, 1)
        row.addWidget(self.browse_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        self.nodes: list[BrowseNode] = []
        self.browse_button.setEnabled(bool(self.drivers))

    def browse(self) -> None:
        """Browse the chosen driver in a worker."""
        index = self.driver.currentIndex()
        if index < 0:
            return
        driver = self.drivers[index]
        self.browse_button.setEnabled(False)
        self.status.setText(f"browsing {driver.name}…")
        self.ctx.workers.submit(
            driver.browse, self._shown, self._failed, context=self, name="browse"
        )

    def _shown(self, nodes: list[BrowseNode]) -> None:
        self.browse_button.setEnabled(True)
        self.nodes = nodes
        self.tree.clear()
        for node in nodes:
            self.tree.addTopLevelItem(_item(node))
        self.tree.expandToDepth(1)
        self.status.setText(f"{count_nodes(nodes)} node(s)")

    def _failed(self, exc: BaseException) -> None:
        self.browse_button.setEnabled(True)
        self.status.setText(f"browse failed: {exc}")


def _item(node: BrowseNode) -> QTreeWidgetItem:
    item = QTreeWidgetItem([node.name, node.address, "variable" if node.is_variable else "folder"])
    for child in node.children:
        item.addChild(_item(child))
    return item


def count_nodes(nodes: tuple[BrowseNode, ...] | list[BrowseNode]) -> int:
    """Nodes in a browse tree."""
    return sum(1 + count_nodes(n.children) for n in nodes)
