"""A layout that places its widgets in rows and wraps to the next row when the width runs out.

Toolbars use it so that a narrow view area (a 1366 px desk, the 1280x800 touch panel with
48 px targets) gets a second row of buttons instead of squeezed ones ("1...n") or a window wider
than the screen. Its minimum width is the widest single item; its height follows the width
(``heightForWidth``), so the layouts around it give it as many rows as it needs. Items that
expand horizontally (a search field) share what is left of their row.

:class:`FlowBar` is a filter or action row built on it, and :func:`labelled` keeps a caption
with its control when a row wraps; :func:`wrapped_height` is the height a view of such rows
needs at a width.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QLayoutItem, QWidget

log = logging.getLogger(__name__)


class FlowLayout(QLayout):
    """Left-to-right rows of items at their size hints, wrapped at the available width."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt API)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt API)
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802 (Qt API)
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802 (Qt API)
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt API)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802 (Qt API)
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """Everything in one row."""
        shown = self._shown()
        width = sum(i.sizeHint().width() for i in shown) + self._gap * max(len(shown) - 1, 0)
        height = max((i.sizeHint().height() for i in shown), default=0)
        return self._with_margins(QSize(width, height))

    def minimumSize(self) -> QSize:  # noqa: N802 (Qt API)
        """The widest item (one per row at worst)."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.sizeHint())
        return self._with_margins(size)

    def _with_margins(self, size: QSize) -> QSize:
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _rows(self, width: int) -> list[list[QLayoutItem]]:
        """The shown items broken into rows no wider than ``width`` (one item at least)."""
        rows: list[list[QLayoutItem]] = [[]]
        used = 0
        for item in self._shown():
            item_width = item.sizeHint().width()
            if rows[-1] and used + self._gap + item_width > width:
                rows.append([])
                used = 0
            used += item_width + (self._gap if rows[-1] else 0)
            rows[-1].append(item)
        return [row for row in rows if row]

    def _widths(self, row: list[QLayoutItem], width: int) -> list[int]:
        """The items' widths in a row: their size hints, what is left of the row shared by
        those that expand horizontally."""
        widths = [item.sizeHint().width() for item in row]
        growing = [
            k
            for k, item in enumerate(row)
            if item.expandingDirections() & Qt.Orientation.Horizontal
        ]
        left = width - sum(widths) - self._gap * (len(row) - 1)
        for n, k in enumerate(growing):
            widths[k] += max(left, 0) // len(growing) + (n < max(left, 0) % len(growing))
        return widths

    def _arrange(self, rect: QRect, move: bool) -> int:
        """Place (``move``) or only measure the rows in ``rect``; returns the height used.
        Items of a row are centred on the row's height."""
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        y = area.y()
        for row in self._rows(area.width()):
            height = max(item.sizeHint().height() for item in row)
            widths = self._widths(row, area.width())
            x = area.x()
            for item, width in zip(row, widths, strict=True):
                hint = item.sizeHint()
                if move:
                    top = y + (height - hint.height()) // 2
                    item.setGeometry(QRect(QPoint(x, top), QSize(width, hint.height())))
                x += width + self._gap
            y += height + self._gap
        used = y - self._gap if y > area.y() else y
        return used - rect.y() + margins.bottom()


class FlowBar(QWidget):
    """A filter or action row that wraps onto more rows instead of widening its view."""

    def __init__(
        self, widgets: tuple[QWidget, ...] | list[QWidget] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self)
        self.flow.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            self.flow.addWidget(widget)

    def add(self, widget: QWidget) -> QWidget:
        """Append a widget; returns it."""
        self.flow.addWidget(widget)
        return widget


def labelled(text: str, control: QWidget) -> QWidget:
    """A caption and its control as one item, so that a wrapping row never separates them."""
    pair = QWidget()
    pair.setObjectName(f"labelled_{control.objectName()}" if control.objectName() else "")
    row = QHBoxLayout(pair)
    row.setContentsMargins(0, 0, 0, 0)
    caption = QLabel(text)
    caption.setBuddy(control)
    row.addWidget(caption)
    row.addWidget(control)
    return pair


def wrapped_height(column: QLayout, width: int) -> int:
    """The least height of a column of widgets at ``width``: its minimum height plus what its
    wrapping items (flow bars, word-wrapped labels) need there beyond their one-row minimum.

    A view whose rows wrap answers its ``heightForWidth`` with it: a touch scroll area sizes its
    view by ``heightForWidth``, and a box layout would answer with its preferred height (tall
    charts and tables), which makes the view scroll for no reason."""
    margins = column.contentsMargins()
    inner = width - margins.left() - margins.right()
    extra = 0
    for index in range(column.count()):
        item = column.itemAt(index)
        if item is not None and not item.isEmpty() and item.hasHeightForWidth():
            extra += max(item.heightForWidth(inner) - item.minimumSize().height(), 0)
    return column.totalMinimumSize().height() + extra
