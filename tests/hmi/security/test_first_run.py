"""First run: no default credentials; the console asks for the administrator, checks the
password policy live, stores an argon2id hash with an audit row, then offers the first operator."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from core.security.passwords import PasswordPolicyError, check_password_policy
from core.security.roles import Permission, Role, Scope
from core.security.service import SecurityServices
from hmi.formatting import PlantClock
from hmi.security.access import AccessContext
from hmi.security.console import ConsoleSecurity
from hmi.security.first_run import FirstRunDialog
from hmi.security.password_field import password_problem
from hmi.theme import TOUCH_MIN_TARGET_PX
from hmi.widgets.login_dialog import LoginDialog
from hmi.widgets.nav_panel import NavPanel
from hmi.widgets.status_bar import StationStatusBar
from tests.hmi.security.conftest import ADMIN_PASSWORD, OPERATOR_PASSWORD, audit_rows


def fill(dialog: FirstRunDialog, name: str, full_name: str, password: str, repeat: str) -> None:
    dialog.username.setText(name)
    dialog.full_name.setText(full_name)
    dialog.passwords.password.setText(password)
    dialog.passwords.repeat.setText(repeat)


def test_first_run_creates_the_administrator_then_the_first_operator(
    access: AccessContext, services: SecurityServices, qtbot: QtBot
) -> None:
    dialog = FirstRunDialog(access)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.create_button.isEnabled()
    fill(dialog, "ada", "Ada Lovelace", ADMIN_PASSWORD, ADMIN_PASSWORD)
    assert dialog.create_button.isEnabled(), dialog.message.text()
    assert dialog.passwords.verdict.text().startswith("✔")
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.administrator is not None, timeout=10_000)
    admin = services.users.require("ada")
    assert admin.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert ADMIN_PASSWORD not in admin.password_hash
    assert admin.roles == {Role.ADMINISTRATOR} and admin.full_name == "Ada Lovelace"
    first = services.audit.records()[0]
    assert (first.action, first.username, first.target, first.station) == (
        "user_add",
        "ada",
        "ada",
        "panel-7",
    )
    assert first.detail == "first administrator (first run)"
    assert not dialog.passwords.value(), "the password is not kept in the form"
    qtbot.waitUntil(lambda: access.operator.username == "ada", timeout=10_000)
    assert not access.may(Permission.ACKNOWLEDGE), "separation of duties"
    assert dialog.pages.currentIndex() == 1 and "first operator" in dialog.offer.text()
    add = dialog.open_add_operator()
    assert add is not None and add.role_picker.roles() == {Role.OPERATOR}
    add.username.setText("olaf")
    add.full_name.setText("Olaf Berg")
    add.passwords.password.setText(OPERATOR_PASSWORD)
    add.passwords.repeat.setText(OPERATOR_PASSWORD)
    add.scope_picker.area_boxes["utilities"].setChecked(True)
    with qtbot.waitSignal(dialog.operator_added, timeout=10_000) as added:
        qtbot.mouseClick(add.ok, Qt.MouseButton.LeftButton)
    assert added.args == ["olaf"]
    olaf = services.users.require("olaf")
    assert olaf.roles == {Role.OPERATOR} and olaf.scope == Scope(areas=frozenset({"utilities"}))
    assert ("user_add", "ada", "olaf", "OK") in audit_rows(services)
    assert "Done" in dialog.done_button.text()


@pytest.mark.parametrize(
    ("name", "full_name", "password", "repeat", "reason"),
    [
        ("", "Ada Lovelace", ADMIN_PASSWORD, ADMIN_PASSWORD, "enter a user name"),
        ("ada lovelace", "Ada Lovelace", ADMIN_PASSWORD, ADMIN_PASSWORD, "invalid user name"),
        ("ada", "", ADMIN_PASSWORD, ADMIN_PASSWORD, "full name"),
        ("ada", "A" * 256, ADMIN_PASSWORD, ADMIN_PASSWORD, "at most 255"),
        ("ada", "Ada Lovelace", "", "", "enter the password twice"),
        ("ada", "Ada Lovelace", "Short-1a", "Short-1a", "at least 12 characters"),
        ("ada", "Ada Lovelace", "Password1234!", "Password1234!", "too common"),
        ("ada", "Ada Lovelace", "ada-Harbour-77x", "ada-Harbour-77x", "user name"),
        ("ada", "Ada Lovelace", "abcabcabcabcabc", "abcabcabcabcabc", "different characters"),
        ("ada", "Ada Lovelace", ADMIN_PASSWORD, ADMIN_PASSWORD + "x", "differ"),
    ],
)
def test_every_field_is_checked_with_a_reason(
    access: AccessContext,
    qtbot: QtBot,
    name: str,
    full_name: str,
    password: str,
    repeat: str,
    reason: str,
) -> None:
    dialog = FirstRunDialog(access)
    qtbot.addWidget(dialog)
    fill(dialog, name, full_name, password, repeat)
    assert not dialog.create_button.isEnabled()
    assert reason in dialog.message.text()
    assert dialog.message.text().startswith("✖")
    dialog.submit()
    assert dialog.administrator is None and not dialog.busy


@given(
    password=st.text(min_size=0, max_size=40),
    username=st.from_regex(r"[a-z]{1,8}", fullmatch=True),
)
def test_the_live_verdict_is_the_core_policy(password: str, username: str) -> None:
    try:
        check_password_policy(password, username, 12)
        expected = ""
    except PasswordPolicyError as exc:
        expected = str(exc)
    assert password_problem(password, password, username, 12) == expected
    assert password_problem(password, password + "x", username, 12) != ""


def test_a_second_administrator_is_refused(
    access: AccessContext, services: SecurityServices, qtbot: QtBot
) -> None:
    services.admin.create_first_administrator("ada", ADMIN_PASSWORD, full_name="Ada Lovelace")
    dialog = FirstRunDialog(access)
    qtbot.addWidget(dialog)
    fill(dialog, "eve", "Eve Mallory", OPERATOR_PASSWORD, OPERATOR_PASSWORD)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Refused"), timeout=10_000)
    assert "users exist already" in dialog.message.text()
    assert services.users.get("eve") is None


def console(access: AccessContext, qtbot: QtBot) -> tuple[ConsoleSecurity, QWidget, NavPanel]:
    """The console security wired to a real status bar and navigation panel."""
    window = QWidget()
    qtbot.addWidget(window)
    status, nav = StationStatusBar(PlantClock("Europe/Berlin"), window), NavPanel("plant", window)
    status.show_user("")
    security = ConsoleSecurity(access, status, nav, window, lambda: LoginDialog(access.operator))
    return security, window, nav


def test_the_console_asks_for_the_administrator_on_an_empty_store(
    access: AccessContext, qtbot: QtBot
) -> None:
    security, _window, nav = console(access, qtbot)
    qtbot.waitUntil(lambda: security.first_run is not None, timeout=10_000)
    assert security.setup_needed and security.first_run is not None
    assert security.first_run.isVisible() and security.first_run.isModal()
    assert security.log_on() is security.first_run, "log on leads to the first run"
    assert not nav.buttons["users"].isVisibleTo(nav)


def test_touch_mode_targets_in_the_first_run_dialog(
    services: SecurityServices, make_access: Callable[..., AccessContext], qtbot: QtBot
) -> None:
    dialog = FirstRunDialog(make_access(services, touch=True))
    qtbot.addWidget(dialog)
    dialog.show()
    small = [
        f"{w.objectName() or type(w).__name__} {w.height()}px"
        for w in dialog.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QLineEdit)
        and w.isVisible()
        and w.height() < TOUCH_MIN_TARGET_PX
    ]
    assert not small, small
