"""The main window with the console security: Users and Audit views registered, the user
button's panel, gated navigation, and the alarm-flood indicator of the banner."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from hmi.context import HmiContext
from hmi.main_window import MainWindow
from hmi.views.audit import AuditView
from hmi.views.users import UsersView
from hmi.widgets.alarm_banner import AlarmBanner, FloodWatch


def make_window(ctx: HmiContext, qtbot: QtBot) -> MainWindow:
    window = MainWindow(ctx.settings, ctx.clock, player=lambda _p: None)
    qtbot.addWidget(window)
    window.show()
    window.attach(ctx)
    return window


def test_users_and_audit_views_follow_the_logged_on_user(
    make_ctx: Callable[..., HmiContext], qtbot: QtBot
) -> None:
    ctx = make_ctx(user="ada")
    window = make_window(ctx, qtbot)
    assert isinstance(window.views["users"], UsersView)
    assert isinstance(window.views["audit"], AuditView)
    qtbot.mouseClick(window.nav.buttons["users"], Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.views["users"]
    qtbot.mouseClick(window.status.user, Qt.MouseButton.LeftButton)
    panel = window.security_ui.panel
    assert panel is not None and panel.log_off_button.isVisible()
    qtbot.mouseClick(panel.log_off_button, Qt.MouseButton.LeftButton)
    assert ctx.user == "" and window.status.user.text() == "Log on…"
    assert not window.nav.buttons["users"].isVisible()
    assert not window.nav.buttons["audit"].isVisible()
    assert "view-only" in window.status.currentMessage()
    qtbot.mouseClick(window.status.user, Qt.MouseButton.LeftButton)
    panel = window.security_ui.panel
    assert panel is not None and panel.log_on_button.isVisible()
    qtbot.mouseClick(panel.log_on_button, Qt.MouseButton.LeftButton)
    assert not window.security_ui.setup_needed, "users exist: the ordinary log-on"


def test_the_banner_shows_an_alarm_flood(ctx: HmiContext, qtbot: QtBot) -> None:
    banner = AlarmBanner(ctx.clock)
    qtbot.addWidget(banner)
    banner.show()
    banner.set_flooding({"utilities", ""})
    assert banner.flood.isVisible()
    assert banner.flood.text().startswith("⚠ ALARM FLOOD (plant, utilities)")
    assert banner.flood.property("result") == "unconfirmed"
    watch = FloodWatch(ctx.alarms.engine.flooding, ctx.workers, banner, interval_ms=3_600_000)
    watch.poll()
    qtbot.waitUntil(lambda: banner.flooding == ctx.alarms.engine.flooding(), timeout=10_000)
    assert banner.flood.isVisible() == bool(ctx.alarms.engine.flooding())
