"""The main window fits its screens: every view in the 1366x820 desk window without widening it,
the trend toolbar and the status bar on the 1280x800 touch panel without squeezed or cut
text, and a working keyboard shortcut for every view."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QApplication, QLabel, QToolButton, QWidget
from pytestqt.qtbot import QtBot

from hmi.context import HmiContext
from hmi.main_window import DESK_SIZE, TOUCH_PANEL_SIZE, MainWindow
from hmi.theme import TOUCH_MIN_TARGET_PX
from hmi.views.trends.view import TrendView
from hmi.widgets.flow_layout import FlowLayout
from hmi.widgets.nav_panel import VIEWS, shortcut_text, view_shortcut
from hmi.widgets.tile_grid import TileGrid


def fits(widget: QWidget, width: int, height: int) -> bool:
    """The widget's minimum size (and its height at ``width`` when it wraps) fits."""
    hint = widget.minimumSizeHint()
    wrapped = widget.heightForWidth(width) if widget.hasHeightForWidth() else -1
    return hint.width() <= width and max(hint.height(), wrapped) <= height


def test_desk_window_and_every_view_fit_1366x820(
    ctx: HmiContext, make_sized_window: Callable[..., MainWindow]
) -> None:
    window = make_sized_window(ctx, DESK_SIZE)
    hint = window.minimumSizeHint()
    assert hint.width() <= DESK_SIZE[0] and hint.height() <= DESK_SIZE[1], hint
    assert window.size().toTuple() == DESK_SIZE
    width, height = window.stack.size().toTuple()
    too_big = []
    for name, _title in VIEWS:
        window.show_view(name)
        view = window.views[name]
        if not fits(view, width, height):
            too_big.append(f"{name}: {view.minimumSizeHint().toTuple()} > {(width, height)}")
    assert not too_big, too_big
    assert window.size().toTuple() == DESK_SIZE, "a view widened the window"


def test_touch_trend_toolbar_wraps_with_whole_48_px_buttons(
    make_ctx: Callable[..., HmiContext],
    make_sized_window: Callable[..., MainWindow],
    touch_theme: None,
) -> None:
    window = make_sized_window(make_ctx(touch=True), TOUCH_PANEL_SIZE, touch=True)
    window.show_view("trends")
    view = window.views["trends"]
    assert isinstance(view, TrendView)
    width, height = window.stack.size().toTuple()
    assert fits(view, width, height), (view.minimumSizeHint(), view.heightForWidth(width))
    toolbar = view.toolbar
    assert toolbar.width() <= width
    for button in toolbar.findChildren(QToolButton):
        name = button.objectName()
        assert button.width() >= button.sizeHint().width(), f"{name} squeezed"
        assert button.height() >= TOUCH_MIN_TARGET_PX, name
        assert button.geometry().right() < toolbar.width(), f"{name} outside the toolbar"


def test_touch_status_bar_fits_and_elides_only_the_roles(
    make_ctx: Callable[..., HmiContext],
    make_sized_window: Callable[..., MainWindow],
    qtbot: QtBot,
    touch_theme: None,
) -> None:
    ctx = make_ctx(touch=True)
    window = make_sized_window(ctx, TOUCH_PANEL_SIZE, touch=True)
    status = window.status
    qtbot.waitUntil(lambda: bool(status.driver_labels), timeout=10_000)
    status.show_user("tess", "operator, engineer, maintenance, supervisor, administrator")
    qtbot.wait(20)
    assert status.minimumSizeHint().width() <= TOUCH_PANEL_SIZE[0]
    assert window.size().toTuple() == TOUCH_PANEL_SIZE
    for label in (status.rate, status.store, status.spool, status.plant_time):
        assert label.width() >= label.sizeHint().width(), f"{label.text()!r} is cut"
    shown = status.user.shown_text()
    assert shown.startswith("tess (") and shown.endswith(") · log off") and "…" in shown
    room = status.user.width() - 2 * 15  # touch.qss: 14 px padding and a 1 px border a side
    assert status.user.fontMetrics().horizontalAdvance(shown) <= room
    assert status.user.text().startswith("tess")  # the full text stays for tests and tooltips
    links = status.drivers_box
    if links.summary.isVisible():  # the links folded into one line: it is shown whole
        assert links.summary.shown_text() == links.summary.text() != ""
    else:
        for label in links.labels.values():
            assert label.isVisible() and label.width() >= label.sizeHint().width()


def test_every_view_has_a_working_shortcut_named_in_its_tooltip(
    ctx: HmiContext, make_sized_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_sized_window(ctx, DESK_SIZE)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    keys = [view_shortcut(i) for i in range(len(VIEWS))]
    assert all(not k.isEmpty() for k in keys) and len(set(keys)) == len(keys)
    for index in reversed(range(len(VIEWS))):  # the overview is shown first
        name, combo = VIEWS[index][0], keys[index][0]
        qtbot.keyClick(window, combo.key(), combo.keyboardModifiers())
        assert window.current == name, f"{keys[index].toString()} did not show {name}"
        assert shortcut_text(index) in window.nav.buttons[name].toolTip()


def test_flow_layout_wraps_and_never_squeezes(qtbot: QtBot) -> None:
    box = QWidget()
    qtbot.addWidget(box)
    layout = FlowLayout(box, spacing=10)
    layout.setContentsMargins(0, 0, 0, 0)
    items = [QLabel("x" * n) for n in (5, 30, 10)]
    for item in items:
        item.setFixedSize(100 + len(item.text()), 20)
        layout.addWidget(item)
    assert layout.minimumSize().width() == 130  # the widest item
    assert layout.heightForWidth(1000) == 20
    assert layout.heightForWidth(250) == 50  # two rows: 105 + 10 + 130, then 110
    assert layout.heightForWidth(120) == 80
    box.resize(250, 50)
    box.show()
    assert [w.geometry().topLeft().toTuple() for w in items] == [(0, 0), (115, 0), (0, 30)]


def test_tile_grid_takes_the_columns_its_width_allows(qtbot: QtBot) -> None:
    grid = TileGrid()
    qtbot.addWidget(grid)
    tiles = [QLabel(f"tile {i}") for i in range(5)]
    for tile in tiles:
        tile.setMinimumSize(300, 100)
        grid.insert(len(grid.tiles), tile)
    grid.resize(1600, 110)
    grid.show()
    assert grid.columns == 5
    grid.resize(700, 400)
    qtbot.waitUntil(lambda: grid.columns == 2)
    assert grid.minimumSizeHint().width() <= 700
    assert all(t.width() >= 300 for t in tiles) and grid.minimumSizeHint().height() >= 300
    grid.insert(0, first := QLabel("first"))
    assert grid.tiles[0] is first
