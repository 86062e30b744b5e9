"""MainColumnFit measures a bounded number of rows, so a long table (an alarm flood) refits
in bounded time; the rows on screen are always measured."""

from __future__ import annotations

from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from hmi.widgets.tables import FIT_ROWS, MainColumnFit


def long_table(qtbot: QtBot, wide_row: int) -> QTableView:
    model = QStandardItemModel(5 * FIT_ROWS, 2)
    model.setHorizontalHeaderLabels(["Tag", "Description"])
    for row in range(model.rowCount()):
        text = "W" * 14 if row == wide_row else "t"
        model.setItem(row, 0, QStandardItem(text))
        model.setItem(row, 1, QStandardItem("description"))
    table = QTableView()
    table.setModel(model)
    qtbot.addWidget(table)
    table.resize(900, 400)
    table.show()
    return table


def test_a_wide_cell_far_down_a_long_table_is_not_measured(qtbot: QtBot) -> None:
    shown = long_table(qtbot, wide_row=0)
    far = long_table(qtbot, wide_row=4 * FIT_ROWS)
    fits = [MainColumnFit(table, 1) for table in (shown, far)]
    for fit in fits:
        fit.fit()
    wide, narrow = shown.columnWidth(0), far.columnWidth(0)
    assert wide > narrow + 50, (wide, narrow)  # the visible wide cell counts, the far one not
