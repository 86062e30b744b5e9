"""The Users view on the running plant: the administrator adds an operator who can then log on
and acknowledge an alarm of the operator's area; resets, roles and disabling are audited; an
operator sees the lists read-only and gets none of the actions."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.alarms.states import AlarmState
from core.security.roles import Permission, Role, Scope
from hmi.context import HmiContext
from hmi.security.user_dialogs import AddUserDialog
from hmi.views.alarms.console import AlarmConsole
from hmi.views.users import LOGGED_OFF, READ_ONLY, UsersView
from tests.hmi.conftest import make_unacked

VOLTAGE = "meter1/voltage_l1:low"
NEW_PASSWORD = "Amber-Glacier-Otter-63"


def open_view(ctx: HmiContext, qtbot: QtBot) -> UsersView:
    view = UsersView(ctx)
    qtbot.addWidget(view)
    view.show()
    if ctx.operator.logged_on:
        qtbot.waitUntil(lambda: view.accounts.rowCount() > 0, timeout=10_000)
    return view


def add_user(
    view: UsersView, qtbot: QtBot, name: str, roles: set[Role], areas: set[str] = frozenset()
) -> None:
    dialog = view.open_add()
    assert isinstance(dialog, AddUserDialog)
    dialog.username.setText(name)
    dialog.full_name.setText(f"{name.title()} Test")
    dialog.passwords.password.setText(NEW_PASSWORD)
    dialog.passwords.repeat.setText(NEW_PASSWORD)
    for role in roles:
        dialog.role_picker.boxes[role].setChecked(True)
    for area in areas:
        dialog.scope_picker.area_boxes[area].setChecked(True)
    assert dialog.ok.isEnabled(), dialog.message.text()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.select_user(name), timeout=10_000)
    assert not dialog.isVisible()


def test_an_added_operator_logs_on_and_acknowledges(
    make_ctx: Callable[..., HmiContext], qtbot: QtBot
) -> None:
    ctx = make_ctx(user="ada")
    view = open_view(ctx, qtbot)
    assert all(b.isVisible() for b in view.action_buttons) and view.note.text() == ""
    add_user(view, qtbot, "olga", {Role.OPERATOR}, {"utilities"})
    assert view.status.text() == "✔ user olga added (operator; utilities)"
    olga = ctx.security.users.require("olga")
    assert olga.roles == {Role.OPERATOR} and olga.scope == Scope(areas=frozenset({"utilities"}))
    row = view.accounts.records.index(olga)
    assert view.accounts.data(view.accounts.index(row, 4)) == "enabled"
    console = AlarmConsole(ctx)
    qtbot.addWidget(console)
    make_unacked(ctx, VOLTAGE)
    item = next(i for i in ctx.alarms.refresh().items if i.name == VOLTAGE)
    console.perform("ack", [item])
    qtbot.waitUntil(lambda: console.pending == 0, timeout=10_000)
    assert "refused" in console.status.text(), "the administrator does not operate"
    ctx.operator.switch_user("olga", NEW_PASSWORD)
    qtbot.waitUntil(lambda: ctx.user == "olga", timeout=10_000)
    assert not any(b.isVisible() for b in view.action_buttons) and view.note.text() == READ_ONLY
    assert ctx.operator.may(Permission.ACKNOWLEDGE)
    console.perform("ack", [item])
    qtbot.waitUntil(
        lambda: ctx.alarms.engine.state(VOLTAGE).state is AlarmState.ACKED, timeout=10_000
    )
    sessions = [(s.username, s.station) for s in ctx.security.auth.active_sessions()]
    assert ("olga", "test-console") in sessions
    # The sessions table refreshes in a worker: an earlier refresh may still show only ada.
    qtbot.waitUntil(lambda: "olga" in [s.username for s in view.sessions.records], timeout=10_000)


def test_reset_roles_and_disable_are_audited(
    make_ctx: Callable[..., HmiContext], qtbot: QtBot
) -> None:
    ctx = make_ctx(user="ada")
    view = open_view(ctx, qtbot)
    add_user(view, qtbot, "petra", {Role.MAINTENANCE})
    steps: list[tuple[Callable[[], object], dict[str, object]]] = [
        (view.open_reset, {"password": "Silver-Canyon-Heron-18"}),
        (view.open_roles, {"role": Role.SUPERVISOR, "area": "boiler house"}),
        (view.open_enable, {}),
    ]
    for open_dialog, values in steps:
        view.select_user("petra")
        dialog = open_dialog()
        assert dialog is not None
        if "password" in values:
            dialog.passwords.password.setText(values["password"])  # type: ignore[attr-defined]
            dialog.passwords.repeat.setText(values["password"])  # type: ignore[attr-defined]
        if "role" in values:
            dialog.role_picker.boxes[values["role"]].setChecked(True)  # type: ignore[attr-defined]
            dialog.scope_picker.area_boxes[values["area"]].setChecked(True)  # type: ignore[attr-defined]
        assert not dialog.ok.isEnabled() and "reason" in dialog.message.text()
        dialog.reason.setText("shift change WO-77")  # type: ignore[attr-defined]
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda d=dialog: not d.isVisible(), timeout=10_000)
    petra = ctx.security.users.require("petra")
    assert not petra.enabled
    assert petra.roles == {Role.MAINTENANCE, Role.SUPERVISOR}
    assert petra.scope == Scope(areas=frozenset({"boiler house"}))
    rows = [r for r in ctx.security.audit.records() if r.target == "petra"]
    assert [(r.action, r.username, r.reason) for r in rows[-3:]] == [
        ("user_password", "ada", "shift change WO-77"),
        ("user_roles", "ada", "shift change WO-77"),
        ("user_disable", "ada", "shift change WO-77"),
    ]
    qtbot.waitUntil(lambda: view.select_user("petra") and view.selected().enabled is False)
    assert view.enable_button.text() == "Enable…"


@pytest.mark.parametrize(
    ("name", "password", "roles", "reason"),
    [
        ("bad name", NEW_PASSWORD, {Role.OPERATOR}, "invalid user name"),
        ("quinn", NEW_PASSWORD, set(), "tick at least one role"),
        ("quinn", "quinn-Harbour-77x", {Role.OPERATOR}, "must not contain the user name"),
        ("quinn", "short", {Role.OPERATOR}, "at least 12 characters"),
    ],
)
def test_add_user_says_why_it_cannot_save(
    make_ctx: Callable[..., HmiContext],
    qtbot: QtBot,
    name: str,
    password: str,
    roles: set[Role],
    reason: str,
) -> None:
    ctx = make_ctx(user="ada")
    view = open_view(ctx, qtbot)
    dialog = view.open_add()
    assert isinstance(dialog, AddUserDialog)
    dialog.username.setText(name)
    dialog.passwords.password.setText(password)
    dialog.passwords.repeat.setText(password)
    for role in roles:
        dialog.role_picker.boxes[role].setChecked(True)
    assert not dialog.ok.isEnabled() and reason in dialog.message.text()


def test_an_existing_name_is_refused_by_the_core(
    make_ctx: Callable[..., HmiContext], qtbot: QtBot
) -> None:
    ctx = make_ctx(user="ada")
    view = open_view(ctx, qtbot)
    dialog = view.open_add()
    assert isinstance(dialog, AddUserDialog)
    dialog.username.setText("otto")
    dialog.passwords.password.setText(NEW_PASSWORD)
    dialog.passwords.repeat.setText(NEW_PASSWORD)
    dialog.role_picker.boxes[Role.OPERATOR].setChecked(True)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Refused"), timeout=10_000)
    assert "exists already" in dialog.message.text() and dialog.isVisible()


@pytest.mark.parametrize("user", ["otto", ""])
def test_an_operator_gets_no_user_actions(
    make_ctx: Callable[..., HmiContext], qtbot: QtBot, user: str
) -> None:
    ctx = make_ctx(user=user)
    view = open_view(ctx, qtbot)
    assert not any(b.isVisibleTo(view) for b in view.action_buttons)
    assert view.open_add() is None and view.open_roles() is None and view.dialog is None
    assert view.status.text().startswith("Refused")
    if user:
        assert view.note.text() == READ_ONLY and view.accounts.rowCount() >= 3
    else:
        assert view.note.text() == LOGGED_OFF and view.accounts.rowCount() == 0
