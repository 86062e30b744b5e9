"""A read-only record table with the console's usual settings, and initial column widths that
follow the type size and never cut a column's header."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
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
