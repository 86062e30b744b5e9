"""Log on, fast user switching and idle logout at a shared panel (injected clock, real store)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from core.security.service import SecurityServices
from hmi.formatting import PlantClock
from hmi.security.access import AccessContext
from hmi.security.console import ConsoleSecurity
from hmi.theme import TOUCH_MIN_TARGET_PX
from hmi.widgets.login_dialog import LoginDialog
from hmi.widgets.nav_panel import NavPanel
from hmi.widgets.status_bar import StationStatusBar
from tests.hmi.security.conftest import (
    ADMIN_PASSWORD,
    IDLE_MINUTES,
    LOCKOUT_FAILURES,
    OPERATOR_PASSWORD,
    FakeClock,
    audit_rows,
    create_accounts,
    log_on,
)

WRONG = "Wrong-Harbour-Lantern-00"


@pytest.fixture
def accounts(services: SecurityServices) -> None:
    create_accounts(services)


def make_console(
    access: AccessContext, qtbot: QtBot
) -> tuple[ConsoleSecurity, StationStatusBar, NavPanel]:
    """Console security on a real status bar and navigation panel, wired as the main window does."""
    window = QWidget()
    qtbot.addWidget(window)
    status, nav = StationStatusBar(PlantClock("Europe/Berlin"), window), NavPanel("plant", window)
    access.operator.changed.connect(lambda name: status.show_user(name, access.operator.roles))
    status.show_user("")
    window.show()
    security = ConsoleSecurity(access, status, nav, window, lambda: LoginDialog(access.operator))
    return security, status, nav


def test_a_wrong_password_is_refused_and_counted_toward_lockout(
    access: AccessContext, services: SecurityServices, accounts: None, qtbot: QtBot
) -> None:
    security, _status, _nav = make_console(access, qtbot)
    dialog = security.log_on()
    assert isinstance(dialog, LoginDialog)
    qtbot.addWidget(dialog)
    dialog.username.setText("olaf")
    for attempt in range(1, LOCKOUT_FAILURES + 1):
        dialog.password.setText(WRONG)
        dialog.submit()
        qtbot.waitUntil(dialog.ok.isEnabled, timeout=10_000)
        assert dialog.message.text().startswith("Refused")
        assert WRONG not in dialog.message.text() and not dialog.password.text()
        olaf = services.users.require("olaf")
        if attempt < LOCKOUT_FAILURES:
            assert olaf.failed_logins == attempt
            assert "incorrect" in dialog.message.text()
    assert "locked" in dialog.message.text()
    assert services.users.require("olaf").locked(services.clock())
    dialog.password.setText(OPERATOR_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(dialog.ok.isEnabled, timeout=10_000)
    assert "locked" in dialog.message.text() and not access.operator.logged_on
    rows = audit_rows(services)
    assert rows.count(("login_failed", "olaf", "", "FAILED")) == LOCKOUT_FAILURES
    assert ("lockout", "olaf", "", "OK") in rows


def test_idle_logout_drops_the_console_to_view_only(
    access: AccessContext,
    services: SecurityServices,
    accounts: None,
    clock: FakeClock,
    qtbot: QtBot,
) -> None:
    security, status, nav = make_console(access, qtbot)
    log_on(qtbot, access, "olaf", OPERATOR_PASSWORD)
    assert nav.buttons["users"].isVisible() and status.user.text().startswith("olaf")

    for _ in range(3):  # activity every 10 minutes keeps the session
        clock.advance(10 * 60)
        access.operator.note_activity()
        access.operator.keep_alive()
        qtbot.waitUntil(lambda: access.workers.pending == 0, timeout=10_000)
        assert access.operator.logged_on
    clock.advance((IDLE_MINUTES + 1) * 60)
    with qtbot.waitSignal(access.operator.ended, timeout=10_000) as ended:
        access.operator.keep_alive()
    assert f"after {IDLE_MINUTES} min without activity" in ended.args[0]
    assert not access.operator.logged_on and access.operator.permissions == frozenset()
    assert security.notice.isVisible() and "view-only" in security.notice.text()
    assert status.user.text() == "Log on…"
    assert not nav.buttons["users"].isVisible() and not nav.buttons["audit"].isVisible()
    idle = [r for r in services.audit.records() if r.action == "logout"]
    assert idle[-1].username == "olaf" and idle[-1].reason == "idle"
    log_on(qtbot, access, "olaf", OPERATOR_PASSWORD)
    assert not security.notice.isVisible()


def test_fast_user_switching_from_the_user_button(
    access: AccessContext, services: SecurityServices, accounts: None, qtbot: QtBot
) -> None:
    security, status, _nav = make_console(access, qtbot)
    log_on(qtbot, access, "ada", ADMIN_PASSWORD)
    qtbot.mouseClick(status.user, Qt.MouseButton.LeftButton)
    panel = security.panel
    assert panel is not None and panel.isVisible()
    assert "Ada Lovelace" in panel.who.text()
    assert panel.switch_button.isVisible() and panel.log_off_button.isVisible()
    assert not panel.log_on_button.isVisible()
    qtbot.mouseClick(panel.switch_button, Qt.MouseButton.LeftButton)
    dialog = security.switch_dialog
    assert dialog is not None and "stays logged on" in dialog.message.text()
    dialog.username.setText("olaf")
    dialog.password.setText(WRONG)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Refused"), timeout=10_000)
    assert access.operator.username == "ada", "a refused switch keeps the current user"
    dialog.password.setText(OPERATOR_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: access.operator.username == "olaf", timeout=10_000)
    assert not dialog.isVisible()
    assert status.user.text().startswith("olaf")
    ended = [r for r in services.audit.records() if r.action == "logout"]
    assert (ended[-1].username, ended[-1].reason) == ("ada", "switched")
    assert [s.username for s in services.auth.active_sessions()] == ["olaf"]
    panel = security.open_user_panel()
    qtbot.mouseClick(panel.log_off_button, Qt.MouseButton.LeftButton)
    assert not access.operator.logged_on and status.user.text() == "Log on…"
    qtbot.waitUntil(lambda: not services.auth.active_sessions(), timeout=10_000)
    panel = security.open_user_panel()
    assert panel.log_on_button.isVisible() and not panel.switch_button.isVisible()
    assert "view-only" in panel.who.text()


def test_touch_mode_user_panel_and_switch_dialog(
    services: SecurityServices,
    accounts: None,
    make_access: Callable[..., AccessContext],
    qtbot: QtBot,
) -> None:
    access = make_access(services, touch=True)
    security, _status, _nav = make_console(access, qtbot)
    log_on(qtbot, access, "olaf", OPERATOR_PASSWORD)
    for popup in (security.open_user_panel(), security.switch_user()):
        small = [
            f"{w.objectName() or w.text()} {w.height()}px"
            for w in popup.findChildren(QWidget)
            if w.isVisible()
            and w.inherits("QAbstractButton") | w.inherits("QLineEdit")
            and w.height() < TOUCH_MIN_TARGET_PX
        ]
        assert not small, small
        popup.close()
