"""On the 1280x800 touch panel every table keeps 48 px rows and headers that are not cut (the
touch theme's row height is the vertical header's alone), the main text column of a table (an
alarm's description) keeps a readable share of it there and in the desk window, and the alarm
KPI charts' labels neither overlap nor run off the chart."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPicture, QStandardItemModel
from PySide6.QtWidgets import QTableView, QTreeView
from pytestqt.qtbot import QtBot

from hmi.context import HmiContext
from hmi.main_window import DESK_SIZE, TOUCH_PANEL_SIZE, MainWindow
from hmi.theme import TOUCH_MIN_TARGET_PX
from hmi.views.alarms.console import AlarmConsole
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.views.reports.archive_panel import COLUMN_WIDTHS, MAX_COLUMN_WIDTH, ArchivePanel
from hmi.views.reports.view import ReportsView
from hmi.widgets.tables import (
    MAIN_SHARE,
    header_widths,
    make_table,
    scaled_width,
    set_column_widths,
)

TABLE_VIEWS = (
    "alarms",
    "audit",
    "energy",
    "anomalies",
    "models",
    "diagnostics",
    "maintenance",
    "users",
    "devices",
    "reports",
)
MAIN_COLUMNS = (
    ("alarms", "active", "alarms_active", "Description"),
    ("alarms", "journal", "journal", "Comment"),
    ("models", "", "model_versions", "Other metrics"),
    ("diagnostics", "", "diag_drivers", "Last error"),
)
"""(view, console tab, table, its main text column)."""
READABLE_PX = 200
"""Narrower than this, a sentence-long description is mostly ellipsis."""
QT_DEFAULT_COLUMN_PX = 100
"""QHeaderView's default column width (the touch theme must leave it alone)."""


@pytest.fixture
def touch_window(
    make_ctx: Callable[..., HmiContext],
    make_sized_window: Callable[..., MainWindow],
    touch_theme: None,
) -> MainWindow:
    """The main window in touch mode on the touch panel."""
    window: MainWindow = make_sized_window(make_ctx(touch=True), TOUCH_PANEL_SIZE, touch=True)
    return window


def cut_headers(table: QTableView) -> list[str]:
    """Columns narrower than their header text, stretched ones included (the other columns
    must leave them room)."""
    header = table.horizontalHeader()
    model = table.model()
    cut = []
    for section, needed in enumerate(header_widths(header)):
        if header.isSectionHidden(section):
            continue
        if header.sectionSize(section) < needed:
            text = model.headerData(section, Qt.Orientation.Horizontal)
            cut.append(f"{table.objectName()}: {text!r} {header.sectionSize(section)} < {needed}")
    return cut


def test_touch_theme_sets_the_row_height_not_the_column_width(
    qtbot: QtBot, touch_theme: None
) -> None:
    model = QStandardItemModel(3, 3)
    model.setHorizontalHeaderLabels(["Time", "Password set", "Comment"])
    table, tree = QTableView(), QTreeView()
    for view in (table, tree):
        qtbot.addWidget(view)
        view.setModel(model)
        view.show()
    assert table.verticalHeader().defaultSectionSize() == TOUCH_MIN_TARGET_PX
    assert table.rowHeight(0) == TOUCH_MIN_TARGET_PX
    assert table.horizontalHeader().defaultSectionSize() == QT_DEFAULT_COLUMN_PX
    assert tree.header().defaultSectionSize() == QT_DEFAULT_COLUMN_PX


def test_preset_column_widths_never_cut_the_header(qtbot: QtBot, touch_theme: None) -> None:
    model = QStandardItemModel(1, 3)
    model.setHorizontalHeaderLabels(["Seq", "A rather long header", "Detail"])
    table = make_table(model, "narrow", sort_column=0)
    qtbot.addWidget(table)
    set_column_widths(table, (20, 20))
    needed = header_widths(table.horizontalHeader())
    assert table.columnWidth(1) == needed[1] > 20 * 1.4
    assert table.columnWidth(0) == needed[0]  # the sorted column: with the arrow's room
    assert not cut_headers(table)


def test_touch_tables_have_48_px_rows_and_whole_headers(
    touch_window: MainWindow, qtbot: QtBot
) -> None:
    window = touch_window
    problems: list[str] = []
    tables = 0
    for name in TABLE_VIEWS:
        window.show_view(name)
        qtbot.wait(50)
        for table in window.views[name].findChildren(QTableView):
            if table.model() is None or not table.model().columnCount():
                continue
            tables += 1
            rows = table.verticalHeader()
            if rows.defaultSectionSize() < TOUCH_MIN_TARGET_PX:
                problems.append(f"{name}/{table.objectName()}: {rows.defaultSectionSize()} px")
            if table.model().rowCount() and table.rowHeight(0) < TOUCH_MIN_TARGET_PX:
                problems.append(f"{name}/{table.objectName()}: rows {table.rowHeight(0)} px")
            problems += [f"{name}/{cut}" for cut in cut_headers(table)]
    assert tables >= len(TABLE_VIEWS), "a view's tables were not found"
    assert not problems, problems


def section_of(table: QTableView, text: str) -> int:
    """The column whose header reads ``text``."""
    model = table.model()
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return headers.index(text)


def main_column_problems(window: MainWindow, qtbot: QtBot) -> list[str]:
    """Main text columns narrower than their header, the readable minimum or their share of
    the table, and tables wider than their view while another column is wider than its
    header text (the others must give way first)."""
    problems = []
    for view, tab, name, text in MAIN_COLUMNS:
        window.show_view(view)
        if tab:
            console = window.views[view]
            assert isinstance(console, AlarmConsole)
            console.tabs.setCurrentWidget(getattr(console, tab))
        qtbot.wait(50)
        table = window.views[view].findChild(QTableView, name)
        assert table is not None and table.isVisible(), name
        header, main = table.horizontalHeader(), section_of(table, text)
        room, width = table.viewport().width(), table.columnWidth(main)
        needed = max(header_widths(header)[main], READABLE_PX, round(MAIN_SHARE * room))
        if width < needed:
            problems.append(f"{name}: {text!r} {width} px < {needed} of {room}")
        headers = header_widths(header)
        wider = [c for c in range(header.count()) if header.sectionSize(c) > headers[c]]
        if header.length() > room and wider != [main]:  # scrolls: the others gave all they had
            problems.append(f"{name}: columns {header.length()} px > {room}, {wider} not narrowed")
    return problems


@pytest.mark.parametrize("touch", [True, False], ids=["touch", "desk"])
def test_main_text_columns_keep_a_readable_share(
    make_ctx: Callable[..., HmiContext],
    make_sized_window: Callable[..., MainWindow],
    qtbot: QtBot,
    touch: bool,
    request: pytest.FixtureRequest,
) -> None:
    if touch:
        request.getfixturevalue("touch_theme")
    ctx = make_ctx(touch=touch)
    qtbot.waitUntil(lambda: bool(ctx.alarms.snapshot.active()), timeout=20_000)
    window = make_sized_window(ctx, TOUCH_PANEL_SIZE if touch else DESK_SIZE, touch=touch)
    console = window.views["alarms"]
    assert isinstance(console, AlarmConsole)
    qtbot.waitUntil(lambda: console.active.proxy.rowCount() > 0, timeout=20_000)
    assert not main_column_problems(window, qtbot)


def test_touch_report_archive_columns_scale_with_the_type(
    touch_window: MainWindow, qtbot: QtBot
) -> None:
    window = touch_window
    window.show_view("reports")
    view = window.views["reports"]
    assert isinstance(view, ReportsView)
    fresh = ArchivePanel(view.ctx, view.service, view.folder, lambda _parent: None)
    qtbot.addWidget(fresh)
    preset = [scaled_width(fresh.table, w) for w in COLUMN_WIDTHS]
    assert preset[1] > COLUMN_WIDTHS[1], "the touch type is not larger"
    shown = [fresh.table.columnWidth(c) for c in range(len(COLUMN_WIDTHS))]
    assert all(w >= p for w, p in zip(shown, preset, strict=True)), (shown, preset)
    panel, table = view.archive, view.archive.table
    qtbot.waitUntil(lambda: not panel.loading, timeout=30_000)
    with qtbot.waitSignal(panel.loaded, timeout=30_000):
        panel.refresh()
    cap = scaled_width(table, MAX_COLUMN_WIDTH)
    for column, needed in enumerate(header_widths(table.horizontalHeader())[:-1]):
        assert needed <= table.columnWidth(column) <= max(needed, cap), column
    assert not cut_headers(table)


def label_boxes(plot: AnalyticsPlot, axis: str) -> list[tuple[str, float, float]]:
    """(text, start, end) of each label pyqtgraph draws on an axis, along the axis, in the
    plot widget's pixels, measured with the font it is drawn in."""
    item = plot.getAxis(axis)
    picture = QPicture()
    painter = QPainter(picture)
    painter.setFont(plot.font())
    _axis, _ticks, texts = item.generateDrawSpecs(painter)
    painter.end()
    metrics = QFontMetrics(plot.font())
    boxes = []
    for rect, _flags, text in texts:
        centre = plot.mapFromScene(item.mapToScene(rect.center()))
        if axis == "bottom":
            half = metrics.horizontalAdvance(text) / 2
            boxes.append((text, centre.x() - half, centre.x() + half))
        else:
            half = metrics.height() / 2
            boxes.append((text, centre.y() - half, centre.y() + half))
    return sorted(boxes, key=lambda box: box[1])


def test_touch_kpi_chart_labels_are_whole_and_apart(touch_window: MainWindow, qtbot: QtBot) -> None:
    window = touch_window
    window.show_view("alarms")
    console = window.views["alarms"]
    assert isinstance(console, AlarmConsole)
    console.tabs.setCurrentWidget(console.kpis)
    qtbot.waitUntil(lambda: console.kpis.kpis is not None, timeout=20_000)
    kpis = console.kpis.kpis
    assert kpis is not None and len(kpis.bad_actors) >= 3
    qtbot.wait(50)
    priorities = label_boxes(console.kpis.priority_plot, "bottom")
    assert [text for text, _a, _b in priorities] == ["low", "medium", "high"]
    actors = label_boxes(console.kpis.actor_plot, "left")
    counts = [text for text, _a, _b in label_boxes(console.kpis.actor_plot, "bottom")]
    assert len(counts) >= 2 and all(text.isdigit() for text in counts), counts
    assert len(actors) == min(len(kpis.bad_actors), 10)
    for plot, boxes, length in (
        (console.kpis.priority_plot, priorities, console.kpis.priority_plot.width()),
        (console.kpis.actor_plot, actors, console.kpis.actor_plot.height()),
    ):
        for (text, _start, end), (after, start, _end) in itertools.pairwise(boxes):
            assert end <= start, f"{text!r} overlaps {after!r}"
        assert boxes[0][1] >= 0 and boxes[-1][2] <= length, f"{plot.objectName()}: {boxes}"
    bottom = console.kpis.priority_plot.getAxis("bottom")
    line = QFontMetrics(console.kpis.priority_plot.font()).height()
    assert bottom.height() >= line, "the priority labels' descenders are cut"
    left = console.kpis.actor_plot.getAxis("left")
    widest = max(
        QFontMetrics(console.kpis.actor_plot.font()).horizontalAdvance(t) for t, _a, _b in actors
    )
    assert left.geometry().left() >= 0 and left.width() >= widest, "actor names cut on the left"
