"""The main window: one click to every view, detachable views, layout per workstation, banner,
horn, log-on, theme and touch mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication
from pytestqt.qtbot import QtBot

from core.alarms.states import AlarmState
from hmi.context import HmiContext
from hmi.main_window import TOUCH_PANEL_SIZE, MainWindow
from hmi.theme import TOUCH_MIN_TARGET_PX, apply_theme
from hmi.views.trends.view import TrendView
from hmi.widgets.nav_panel import VIEWS
from hmi.widgets.nav_sections import OTHER_SECTION, group_views
from tests.hmi.conftest import PASSWORD, make_unacked

VOLTAGE = "meter1/voltage_l1:low"


@pytest.fixture
def make_window(qtbot: QtBot) -> Callable[..., MainWindow]:
    def build(ctx: HmiContext, **options: object) -> MainWindow:
        played: list[str] = []
        window = MainWindow(ctx.settings, ctx.clock, player=played.append, **options)  # type: ignore[arg-type]
        window.played = played  # type: ignore[attr-defined]
        qtbot.addWidget(window)
        window.show()
        window.attach(ctx)
        return window

    return build


@pytest.fixture
def restore_theme(qapp: QApplication) -> Iterator[None]:
    yield
    apply_theme(qapp, "light", touch=False)


def test_every_view_is_one_click_away(
    ctx: HmiContext, make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(ctx)
    assert window.phase.text() == "running"
    for name, _title in VIEWS:
        qtbot.mouseClick(window.nav.buttons[name], Qt.MouseButton.LeftButton)
        assert window.stack.currentWidget() is window.views[name]
        assert window.nav.buttons[name].isChecked()


def test_detach_a_view_and_dock_it_back(
    ctx: HmiContext, make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(ctx)
    window.show_view("trends")
    qtbot.mouseClick(window.nav.detach_button, Qt.MouseButton.LeftButton)
    detached = window.detached["trends"]
    assert detached.centralWidget() is window.views["trends"]
    assert window.stack.indexOf(window.views["trends"]) == -1
    assert window.current != "trends"
    detached.close()
    assert "trends" not in window.detached
    assert window.stack.currentWidget() is window.views["trends"]


def test_layout_is_restored_per_workstation(
    ctx: HmiContext, make_window: Callable[..., MainWindow]
) -> None:
    first = make_window(ctx)
    first.detach("alarms")
    first.show_view("devices")
    first.close()
    second = make_window(ctx)
    assert "alarms" in second.detached
    assert second.current == "devices"
    assert second.settings.fileName() == first.settings.fileName()


def test_banner_acknowledge_and_horn(
    ctx: HmiContext, make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(ctx)
    make_unacked(ctx, VOLTAGE)
    window.on_alarms(ctx.alarms.snapshot)
    window.annunciator.silence()
    window.played.clear()  # type: ignore[attr-defined]
    ctx.alarms.engine.remove_from_service(VOLTAGE, "test", "tess")
    window.on_alarms(ctx.alarms.refresh())
    ctx.alarms.engine.return_to_service(VOLTAGE, "tess")
    window.on_alarms(ctx.alarms.refresh())
    assert window.played, "a new unacknowledged alarm sounds"  # type: ignore[attr-defined]
    assert window.annunciator.sounding or window.played  # type: ignore[attr-defined]
    qtbot.mouseClick(window.banner.silence_button, Qt.MouseButton.LeftButton)
    assert not window.annunciator.sounding
    assert not window.banner.silence_button.isEnabled()
    assert VOLTAGE in window.banner.shown
    medium_before = window.banner.unacked_counts["medium"]
    window.acknowledge([VOLTAGE])
    qtbot.waitUntil(
        lambda: ctx.alarms.engine.state(VOLTAGE).state is AlarmState.ACKED, timeout=5000
    )
    qtbot.waitUntil(
        lambda: window.banner.unacked_counts["medium"] == medium_before - 1, timeout=5000
    )


def test_log_off_and_on_from_the_status_bar(
    ctx: HmiContext, make_window: Callable[..., MainWindow], qtbot: QtBot
) -> None:
    window = make_window(ctx)
    assert window.status.user.text().startswith("tess")
    panel = window.security_ui.open_user_panel()
    qtbot.mouseClick(panel.log_off_button, Qt.MouseButton.LeftButton)
    assert ctx.user == "" and window.status.user.text() == "Log on…"
    dialog = window.open_login()
    assert dialog is not None
    dialog.username.setText("tess")
    dialog.password.setText("wrong password, long enough")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Refused"), timeout=10_000)
    dialog.password.setText(PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: ctx.user == "tess", timeout=10_000)
    assert "tess" in window.status.user.text()


def test_trend_this_from_the_overview(
    ctx: HmiContext, make_window: Callable[..., MainWindow]
) -> None:
    window = make_window(ctx)
    tile = next(t for t in window.views["overview"].tiles.values() if t.property("kind") == "power")  # type: ignore[attr-defined]
    tile.trend_button.click()
    trends = window.views["trends"]
    assert isinstance(trends, TrendView)
    assert window.stack.currentWidget() is trends
    assert [p.tag for p in trends.pens] == ["meter1/total_power"]


def test_dark_theme(
    ctx: HmiContext, make_window: Callable[..., MainWindow], qapp: QApplication, restore_theme: None
) -> None:
    window = make_window(ctx)
    window.set_theme("dark")
    assert "#2E2E2E" in qapp.styleSheet()
    assert ctx.palette.name == "dark"
    assert window.settings.value("theme") == "dark"


def test_touch_mode_targets_are_at_least_48_px(
    make_ctx: Callable[..., HmiContext],
    make_window: Callable[..., MainWindow],
    qapp: QApplication,
    qtbot: QtBot,
    restore_theme: None,
) -> None:
    apply_theme(qapp, "light", touch=True)
    ctx = make_ctx(touch=True)
    window = make_window(ctx, touch=True)
    window.resize(1280, 800)
    small: list[str] = []
    for name, _title in VIEWS:
        window.show_view(name)
        qtbot.wait(20)
        for button in window.findChildren(QAbstractButton):
            if button.isVisible() and button.height() < TOUCH_MIN_TARGET_PX:
                small.append(f"{name}: {button.objectName() or button.text()} {button.height()}px")
    assert not small, small
    assert qapp.font().pointSizeF() >= 14


def test_touch_mode_fits_the_panel_and_every_view_is_two_touches_away(
    make_ctx: Callable[..., HmiContext],
    make_window: Callable[..., MainWindow],
    qapp: QApplication,
    qtbot: QtBot,
    restore_theme: None,
) -> None:
    apply_theme(qapp, "light", touch=True)
    window = make_window(make_ctx(touch=True), touch=True)
    width, height = TOUCH_PANEL_SIZE
    window.resize(width, height)
    for hint in (window.minimumSizeHint(), window.sizeHint()):
        assert hint.width() <= width and hint.height() <= height, hint
    assert window.size().toTuple() == TOUCH_PANEL_SIZE
    assert not window.nav.detach_button.isVisible()
    for name, _title in VIEWS:
        window.show_view("overview" if name != "overview" else "audit")
        button = window.nav.buttons[name]
        section = next(s for s in window.nav.sections if button in s.buttons)
        qtbot.mouseClick(section.header, Qt.MouseButton.LeftButton)  # first touch
        assert button.isVisible() and button.height() >= TOUCH_MIN_TARGET_PX, name
        bottom = button.mapTo(window, button.rect().bottomLeft()).y()
        assert bottom < window.height() - window.statusBar().height(), f"{name} is below the panel"
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # second touch
        assert window.stack.currentWidget() is window.views[name]
        assert section.header.height() >= TOUCH_MIN_TARGET_PX
        assert window.size().toTuple() == TOUCH_PANEL_SIZE, f"{name} grew the window"


def test_touch_mode_hides_the_admin_section_while_logged_off(
    make_ctx: Callable[..., HmiContext],
    make_window: Callable[..., MainWindow],
    qapp: QApplication,
    restore_theme: None,
) -> None:
    apply_theme(qapp, "light", touch=True)
    window = make_window(make_ctx(touch=True), touch=True)
    admin = next(s for s in window.nav.sections if window.nav.buttons["users"] in s.buttons)
    assert admin.header.isVisible()
    window.security_ui.log_off()
    assert not admin.header.isVisible()


def test_every_view_is_in_one_navigation_section() -> None:
    listed = [name for _title, entries in group_views(VIEWS) for name, _text in entries]
    assert sorted(listed) == sorted(name for name, _title in VIEWS)
    assert OTHER_SECTION not in [title for title, _entries in group_views(VIEWS)]
    assert group_views([*VIEWS, ("spare", "Spare")])[-1] == (OTHER_SECTION, [("spare", "Spare")])


def test_kiosk_has_no_menus_and_no_frame_to_leave(ctx: HmiContext, qtbot: QtBot) -> None:
    window = MainWindow(ctx.settings, ctx.clock, kiosk=True, player=lambda _p: None)
    qtbot.addWidget(window)
    assert not window.menuBar().actions()
    assert window.width() >= 1280
