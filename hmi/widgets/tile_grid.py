"""A grid of tiles that takes as many columns as its width allows (one row of KPI tiles on a
desk, two rows on the 1280x800 touch panel), so tiles keep their minimum size and the view never
needs a horizontal scroll bar. Columns share the width equally."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

log = logging.getLogger(__name__)


class TileGrid(QWidget):
    """Tiles in order, left to right, wrapped into as many rows as needed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: list[QWidget] = []
        self.columns = 0
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def insert(self, index: int, tile: QWidget) -> None:
        """Put a tile at ``index`` (the end when out of range)."""
        self.tiles.insert(max(0, min(index, len(self.tiles))), tile)
        self._reflow(self._columns_for(self.width()) if self.width() > 0 else len(self.tiles))

    def _tile_width(self) -> int:
        return max((t.minimumSizeHint().width() for t in self.tiles), default=0)

    def _columns_for(self, width: int) -> int:
        spacing = max(self._grid.horizontalSpacing(), 0)
        fit = (width + spacing) // max(self._tile_width() + spacing, 1)
        return max(1, min(len(self.tiles), fit))

    def _reflow(self, columns: int) -> None:
        for tile in self.tiles:
            self._grid.removeWidget(tile)
        for position, tile in enumerate(self.tiles):
            self._grid.addWidget(tile, position // columns, position % columns)
        for column in range(max(self._grid.columnCount(), columns)):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        if columns != self.columns:
            log.debug("tile grid: %d column(s)", columns)
        self.columns = columns
        self.updateGeometry()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """One tile wide (more columns when there is room), as high as the current rows."""
        return QSize(self._tile_width(), self._grid.minimumSize().height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return self._grid.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        columns = self._columns_for(event.size().width())
        if columns != self.columns:
            self._reflow(columns)
