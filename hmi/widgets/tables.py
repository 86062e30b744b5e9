"""A read-only record table with the console's usual settings, and initial column widths that
follow the type size and never cut a column's header."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

DESK_POINT_SIZE = 10.0
"""The type size column widths are given for (the desk theme's; the touch panel's is 14 pt)."""


def make_table(
    model: QAbstractItemModel,
    name: str,
    *,
    stretch_column: int = -1,
    sort_column: int | None = None,
    descending: bool = True,
    fit: bool = False,
    parent: QWidget | None = None,
) -> QTableView:
    """A sortable, row-selecting table over ``model`` (usually a filter proxy).

    ``fit`` sizes the columns to their contents (small tables only: it measures every row).
    """
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    mode = QHeaderView.ResizeMode.ResizeToContents if fit else QHeaderView.ResizeMode.Interactive
    header.setSectionResizeMode(mode)
    if stretch_column >= 0:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    else:
        header.setStretchLastSection(True)
    if sort_column is not None:
        table.setSortingEnabled(True)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        table.sortByColumn(sort_column, order)
    widen_to_headers(table)
    return table


def scaled_width(table: QTableView, width: int) -> int:
    """A width given for the desk's type, widened in step with the table's larger type."""
    return round(width * max(table.font().pointSizeF() / DESK_POINT_SIZE, 1.0))


def set_column_widths(table: QTableView, widths: Sequence[int]) -> None:
    """Initial widths of the first columns, given for the desk's type and widened in step with
    a larger one (the touch panel's), so the texts they were sized for are not cut."""
    for column, width in enumerate(widths):
        table.setColumnWidth(column, scaled_width(table, width))
    widen_to_headers(table)


def header_widths(header: QHeaderView) -> list[int]:
    """The width each section needs to show its header text whole (padding included); the
    sorted section also the sort arrow's room."""
    shown = header.isSortIndicatorShown()
    header.setSortIndicatorShown(False)
    widths = [header.sectionSizeHint(section) for section in range(header.count())]
    header.setSortIndicatorShown(shown)
    sorted_section = header.sortIndicatorSection()
    if shown and 0 <= sorted_section < len(widths):
        widths[sorted_section] = header.sectionSizeHint(sorted_section)
    return widths


def widen_to_headers(table: QTableView) -> None:
    """Widen the user-sized columns, and a stretched last one (its width when the others
    leave it no room), that are narrower than their header text (the default width, or a
    preset one, under the touch panel's larger type)."""
    header = table.horizontalHeader()
    interactive = QHeaderView.ResizeMode.Interactive
    last = header.count() - 1 if header.stretchLastSection() else -1
    for section, needed in enumerate(header_widths(header)):
        sized = section == last or header.sectionResizeMode(section) == interactive
        if not sized or header.isSectionHidden(section):
            continue
        if header.sectionSize(section) < needed:
            header.resizeSection(section, needed)


MAIN_SHARE = 0.35
"""The share of a table's width its main text column keeps (the others give way to it)."""
MAX_FIT_WIDTH = 240
"""The widest a column sized to its contents gets, at the desk's type (longer texts elide)."""


FIT_ROWS = 100
"""Rows measured for a column's content width (visible ones first), however long the table."""


class MainColumnFit(QObject):
    """Keeps a table's main text column (stretched) readable: every other column is as wide
    as its contents, capped at ``max_width`` (at the desk's type) and never narrower than its
    header text; when they would leave the main column less than ``share`` of the table (or
    less than its header text), they give way in proportion to what they have beyond their
    header text, and their texts elide. Refitted when rows arrive and the table's width
    changes, and with ``follow_data`` when shown texts change (small tables only: a fit
    measures the rows); the user may still drag the columns in between."""

    def __init__(
        self,
        table: QTableView,
        main: int,
        *,
        share: float = MAIN_SHARE,
        max_width: int = MAX_FIT_WIDTH,
        follow_data: bool = False,
    ) -> None:
        super().__init__(table)
        self.table, self.main, self.share, self.max_width = table, main, share, max_width
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(main, QHeaderView.ResizeMode.Stretch)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setResizeContentsPrecision(FIT_ROWS)  # an alarm flood must not stall a refit
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.fit)
        model = table.model()
        for signal in (model.modelReset, model.rowsInserted):
            signal.connect(self._schedule)
        if follow_data:
            model.dataChanged.connect(self._schedule)
        table.viewport().installEventFilter(self)
        self._width = -1
        self.fit()

    def _schedule(self, *_args: object) -> None:
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        """Refit when the table's width changes."""
        if event.type() == QEvent.Type.Resize and self.table.viewport().width() != self._width:
            self._schedule()
        return False

    def floor(self) -> int:
        """The least width of the main column: its header text, and its share of the table."""
        needed = header_widths(self.table.horizontalHeader())[self.main]
        return max(needed, round(self.share * self.table.viewport().width()))

    def widths(self) -> dict[int, int]:
        """The width of every shown column but the main one: its contents (capped); the
        widest give way first, down to a common width, never below their header text."""
        table, header = self.table, self.table.horizontalHeader()
        needed = header_widths(header)
        cap = scaled_width(table, self.max_width)
        wanted = {
            c: max(needed[c], min(table.sizeHintForColumn(c), cap))
            for c in range(header.count())
            if c != self.main and not header.isSectionHidden(c)
        }
        room = table.viewport().width() - self.floor()

        def capped(level: int) -> dict[int, int]:
            return {c: max(needed[c], min(w, level)) for c, w in wanted.items()}

        low, high = 0, max(wanted.values(), default=0)
        while low < high:  # the widest level at which the columns leave the main one room
            level = (low + high + 1) // 2
            low, high = (level, high) if sum(capped(level).values()) <= room else (low, level - 1)
        return capped(low)

    def fit(self) -> None:
        """Size the columns now; the main one takes what is left (the table scrolls sideways
        only when the other columns' header texts alone leave it less than its floor)."""
        self._width = self.table.viewport().width()
        header = self.table.horizontalHeader()
        widths = self.widths()
        for column, width in widths.items():
            header.resizeSection(column, width)
        floor = self.floor()
        fits = sum(widths.values()) + floor <= self._width
        mode = QHeaderView.ResizeMode.Stretch if fits else QHeaderView.ResizeMode.Interactive
        header.setSectionResizeMode(self.main, mode)
        if not fits:
            header.resizeSection(self.main, floor)
