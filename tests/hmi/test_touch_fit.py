"""The widest views (alarm console, Energy & CO2e, Anomalies, Model Center, Audit) fit the view
area of the 1280x800 touch panel without a sideways scroll bar: bars wrap, labels wrap, targets
stay 48 px and whole, nothing overlaps. They still fit the 1366x820 desk window."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QLocale, QRect
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from pytestqt.qtbot import QtBot

from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.main_window import DESK_SIZE, TOUCH_PANEL_SIZE, MainWindow
from hmi.theme import TOUCH_MIN_TARGET_PX, apply_theme
from hmi.views.alarms.console import AlarmConsole
from hmi.views.alarms.list_page import TodayTimeDelegate
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.widgets.flow_layout import FlowBar, labelled, wrapped_height
from hmi.widgets.tables import make_table, set_column_widths

WIDE_VIEWS = ("alarms", "energy", "anomalies", "models", "audit")
TARGETS = (QAbstractButton, QComboBox, QLineEdit)


@pytest.fixture
def theme(qapp: QApplication, request: pytest.FixtureRequest) -> Iterator[bool]:
    """The theme of the mode (touch: True) under test, the desk theme restored after."""
    touch = bool(request.param)
    apply_theme(qapp, "light", touch=touch)
    yield touch
    apply_theme(qapp, "light", touch=False)


def pages(view: QWidget) -> list[QWidget]:
    """The states of a view to measure: every tab of the alarm console, else the view."""
    if isinstance(view, AlarmConsole):
        return [view.tabs.widget(i) for i in range(view.tabs.count())]
    return [view]


def scroll_area(view: QWidget) -> QScrollArea | None:
    parent = view.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    return parent


def shown_in(root: QWidget, widget: QWidget) -> QRect:
    """The widget's rectangle in ``root`` coordinates."""
    return QRect(widget.mapTo(root, widget.rect().topLeft()), widget.size())


def flaws(view: QWidget, touch: bool) -> list[str]:
    """Squeezed, cut, too small or overlapping controls of the shown page of a view."""
    found = []
    for kind in TARGETS:
        for control in view.findChildren(kind):
            if not control.isVisible():
                continue
            name = control.objectName() or getattr(control, "text", lambda: "")() or kind.__name__
            where = shown_in(view, control)
            if not view.rect().contains(where):
                found.append(f"{name} cut: {where} outside {view.rect()}")
            if touch and control.height() < TOUCH_MIN_TARGET_PX:
                found.append(f"{name} {control.height()} px high")
            if isinstance(control, QPushButton) and control.width() < control.sizeHint().width():
                found.append(f"{name} squeezed to {control.width()} px")
    for bar in view.findChildren(FlowBar):
        items = [w for w in bar.findChildren(QWidget) if w.parentWidget() is bar and w.isVisible()]
        for k, first in enumerate(items):
            if not bar.rect().contains(first.geometry()):
                found.append(f"{first.objectName()} outside its bar")
            found += [
                f"{first.objectName()} overlaps {other.objectName()}"
                for other in items[k + 1 :]
                if first.geometry().intersects(other.geometry())
            ]
    return found


def settle(view: QWidget, page: QWidget, qtbot: QtBot) -> None:
    """Show a page; wait for the work it starts (KPIs, the energy report)."""
    if isinstance(view, AlarmConsole):
        view.tabs.setCurrentWidget(page)
        if page is view.kpis:
            qtbot.waitUntil(lambda: view.kpis.kpis is not None, timeout=20_000)
    qtbot.wait(50)
    QApplication.processEvents()


@pytest.mark.parametrize(
    ("theme", "size"), [(True, TOUCH_PANEL_SIZE), (False, DESK_SIZE)], indirect=["theme"]
)
def test_wide_views_fit_without_sideways_scrolling(
    make_ctx: Callable[..., HmiContext],
    make_sized_window: Callable[..., MainWindow],
    qtbot: QtBot,
    theme: bool,
    size: tuple[int, int],
) -> None:
    touch = theme
    window = make_sized_window(make_ctx(touch=touch), size, touch)
    width = window.stack.width()
    if touch:
        assert width <= 1090, "the touch view area is the one this test was written for"
    problems: list[str] = []
    for name in WIDE_VIEWS:
        window.show_view(name)
        view = window.views[name]
        for page in pages(view):
            settle(view, page, qtbot)
            label = f"{name}/{page.objectName() or type(page).__name__}"
            hint = view.minimumSizeHint().width()
            if hint > width:
                problems.append(f"{label}: needs {hint} px of {width}")
            area = scroll_area(view)
            if touch and area is not None:
                if area.horizontalScrollBar().isVisible():
                    problems.append(f"{label}: scrolls sideways")
                if hint > area.viewport().width():
                    problems.append(f"{label}: {hint} px in a {area.viewport().width()} px area")
            problems += [f"{label}: {flaw}" for flaw in flaws(page, touch)]
    assert not problems, problems
    assert window.size().toTuple() == size, "a view widened the window"


def test_flow_bar_shares_its_rows_rest_with_expanding_items(qtbot: QtBot) -> None:
    search = QLineEdit()
    buttons = [QPushButton(f"button {i}") for i in range(3)]
    for button in buttons:
        button.setFixedSize(100, 30)
    search.setMinimumWidth(120)
    bar = FlowBar([*buttons, search])
    qtbot.addWidget(bar)
    bar.resize(600, bar.heightForWidth(600))
    bar.show()
    assert search.geometry().right() == 599  # one row: the field takes the rest of it
    assert {b.width() for b in buttons} == {100}
    height = bar.heightForWidth(250)
    assert height > buttons[0].height() * 2  # three rows at 250 px
    bar.resize(250, height)
    qtbot.waitUntil(lambda: search.y() > buttons[1].y())
    assert search.width() == 250 and bar.minimumSizeHint().width() <= 250


def test_labelled_keeps_its_caption_and_wrapped_height_adds_the_rows(qtbot: QtBot) -> None:
    combo = QComboBox()
    combo.setObjectName("energy_by")
    pair = labelled("by", combo)
    caption = pair.findChild(QLabel)
    assert caption is not None and caption.buddy() is combo and pair.objectName().endswith("by")
    assert not pair.sizePolicy().expandingDirections() and combo.parentWidget() is pair
    view = QWidget()
    qtbot.addWidget(view)
    column = QVBoxLayout(view)
    column.setContentsMargins(0, 0, 0, 0)
    wide = [QPushButton("x" * 20) for _ in range(4)]
    bar = FlowBar(wide)
    column.addWidget(bar)
    column.addWidget(QLabel("below"))
    one_row = wrapped_height(column, 10_000)
    assert one_row == view.minimumSizeHint().height()
    narrow = max(b.sizeHint().width() for b in wide)
    assert wrapped_height(column, narrow) == one_row + bar.heightForWidth(narrow) - (
        bar.minimumSizeHint().height()
    )
    assert wrapped_height(column, narrow) > one_row


def test_category_labels_thin_out_on_a_narrow_chart(qtbot: QtBot, ctx: HmiContext) -> None:
    plot = AnalyticsPlot(ctx.palette, name="labels")
    qtbot.addWidget(plot)
    plot.resize(1200, 300)
    plot.show()
    labels = [f"{h:02d}:00" for h in range(12)]
    plot.set_categories(labels)

    def shown() -> int:
        return len(plot.getAxis("bottom")._tickLevels[0])

    assert shown() == 12
    plot.resize(300, 300)
    qtbot.waitUntil(lambda: shown() < 12)
    assert shown() >= 2


def test_todays_alarm_times_show_the_time_of_day(ctx: HmiContext) -> None:
    delegate = TodayTimeDelegate(ctx.clock)
    now = now_ns()
    today, earlier = (
        ctx.clock.datetime_text(now),
        ctx.clock.datetime_text(now - 2 * 86_400 * NS_PER_S),
    )
    locale = QLocale()
    assert delegate.displayText(today, locale) == ctx.clock.time_text(now)
    assert delegate.displayText(earlier, locale) == earlier


def test_column_widths_follow_the_type_size(qtbot: QtBot, qapp: QApplication) -> None:
    model = QStandardItemModel(1, 3)
    table = make_table(model, "widths")
    qtbot.addWidget(table)
    font = table.font()
    font.setPointSizeF(10.0)
    table.setFont(font)
    set_column_widths(table, (100, 50))
    assert [table.columnWidth(c) for c in (0, 1)] == [100, 50]
    font.setPointSizeF(14.0)
    table.setFont(font)
    set_column_widths(table, (100, 50))
    assert [table.columnWidth(c) for c in (0, 1)] == [140, 70]
