"""Users: the accounts with roles, scope, state and last log-on, and who is logged on where.

Everyone logged on sees the lists (read only); a user with ``manage_users`` also gets the
actions: add a user, reset a password, set roles and areas, disable or enable. Every action
goes through :class:`core.security.admin.UserAdmin` (checked and audited there) in a worker.
Nobody logged on: the view shows nothing but how to log on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.security.roles import Permission
from core.security.sessions import Session
from core.security.users import User
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.security.access import AccessContext, access_of, role_names, scope_text
from hmi.security.touch import fit_for_touch
from hmi.security.user_dialogs import (
    AddUserDialog,
    EnableDialog,
    ResetPasswordDialog,
    RolesDialog,
)
from hmi.security.user_form import AdminDialog
from hmi.widgets.tables import make_table

REFRESH_MS = 10_000
READ_ONLY = "Read only: adding and changing users needs the manage_users permission."
LOGGED_OFF = "Log on to see the users and who is logged on where."


@dataclass(frozen=True, slots=True)
class UsersSnapshot:
    """Accounts and active sessions read together, with the time of reading."""

    users: list[User]
    sessions: list[Session]
    now_ns: int


def account_state(user: User, now_ns: int) -> str:
    """``enabled``, ``DISABLED`` or ``LOCKED`` (abnormal states in capitals)."""
    if not user.enabled:
        return "DISABLED"
    if user.locked(now_ns):
        return "LOCKED"
    return f"enabled ({user.failed_logins} failed)" if user.failed_logins else "enabled"


def account_columns(access: AccessContext, now: list[int]) -> list[Column[User]]:
    """Columns of the account list (``now`` holds the time of the last reading)."""
    when = access.clock.datetime_text
    return [
        Column("User", lambda u: u.username),
        Column("Full name", lambda u: u.full_name),
        Column("Roles", lambda u: role_names(u.roles)),
        Column("Scope", lambda u: scope_text(u.scope)),
        Column(
            "State",
            lambda u: account_state(u, now[0]),
            tooltip=lambda u: (
                f"locked until {when(u.locked_until_ns)}" if u.locked_until_ns else ""
            ),
        ),
        Column(
            "Last log-on",
            lambda u: when(u.last_login_ns) or "never",
            lambda u: u.last_login_ns or 0,
        ),
        Column(
            "Password set", lambda u: when(u.password_changed_ns), lambda u: u.password_changed_ns
        ),
    ]


def session_columns(access: AccessContext) -> list[Column[Session]]:
    """Columns of the active-session list."""
    when, here = access.clock.datetime_text, access.station
    return [
        Column("User", lambda s: s.username),
        Column(
            "Station", lambda s: f"{s.station} (this station)" if s.station == here else s.station
        ),
        Column("Since", lambda s: when(s.since_ns), lambda s: s.since_ns),
        Column("Last activity", lambda s: when(s.last_activity_ns), lambda s: s.last_activity_ns),
    ]


class UsersView(QWidget):
    """Accounts, their actions (for user managers) and the active sessions."""

    def __init__(self, ctx: HmiContext | AccessContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access = access_of(ctx)
        self._now = [access.now()]
        self.accounts: RecordTableModel[User] = RecordTableModel(account_columns(access, self._now))
        self.accounts_proxy = TextFilterProxy()
        self.accounts_proxy.setSourceModel(self.accounts)
        self.table = make_table(
            self.accounts_proxy, "accounts", sort_column=0, descending=False, fit=True
        )
        self.sessions: RecordTableModel[Session] = RecordTableModel(session_columns(access))
        self.sessions_table = make_table(self.sessions, "sessions", fit=True)
        self.add_button = icon_button("add", "Add user…")
        self.add_button.setObjectName("users_add")
        self.reset_button = QPushButton("Reset password…")
        self.reset_button.setObjectName("users_reset")
        self.roles_button = QPushButton("Roles and areas…")
        self.roles_button.setObjectName("users_roles")
        self.enable_button = QPushButton("Disable…")
        self.enable_button.setObjectName("users_enable")
        self.refresh_button = icon_button("refresh", "Refresh")
        self.action_buttons = (
            self.add_button,
            self.reset_button,
            self.roles_button,
            self.enable_button,
        )
        self.note = QLabel("")
        self.note.setObjectName("users_note")
        self.note.setProperty("role", "caption")
        self.status = QLabel("")
        self.status.setObjectName("users_status")
        self.status.setWordWrap(True)
        self.dialog: QDialog | None = None
        self.busy = self.again = False
        self._build()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        access.operator.changed.connect(self._user_changed)
        self._user_changed(access.operator.username)

    def _build(self) -> None:
        bar = QHBoxLayout()
        for button in (*self.action_buttons, self.refresh_button):
            bar.addWidget(button)
        bar.addStretch(1)
        sessions = QGroupBox("Logged on now (all stations)")
        QVBoxLayout(sessions).addWidget(self.sessions_table)
        column = QVBoxLayout(self)
        heading = QLabel("Users and sessions")
        heading.setProperty("role", "heading")
        column.addWidget(heading)
        column.addWidget(self.note)
        column.addLayout(bar)
        column.addWidget(self.table, 3)
        column.addWidget(sessions, 2)
        column.addWidget(self.status)
        self.add_button.clicked.connect(self.open_add)
        self.reset_button.clicked.connect(self.open_reset)
        self.roles_button.clicked.connect(self.open_roles)
        self.enable_button.clicked.connect(self.open_enable)
        self.refresh_button.clicked.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._selection_changed())
        fit_for_touch(self, self.access.touch())

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.refresh()
        self._timer.start(REFRESH_MS)

    def hideEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        self._timer.stop()

    @property
    def manager(self) -> bool:
        """True when the logged-on user may manage users."""
        return self.access.may(Permission.MANAGE_USERS)

    def _user_changed(self, username: str) -> None:
        for button in self.action_buttons:
            button.setVisible(self.manager)
        self.refresh_button.setVisible(bool(username))
        self.note.setText("" if self.manager else READ_ONLY if username else LOGGED_OFF)
        self.note.setVisible(bool(self.note.text()))
        if not username:
            self.accounts.set_records([])
            self.sessions.set_records([])
            self.status.setText("")
        else:
            self.refresh()
        self._selection_changed()

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read accounts and sessions in a worker (nothing while nobody is logged on).

        A refresh asked for while one is reading runs when that one lands, so a change made
        meanwhile (a user switch, a new session) is never left unshown.
        """
        if not self.access.operator.logged_on:
            return
        if self.busy:
            self.again = True
            return
        self.busy, self.again = True, False
        security = self.access.security

        def read() -> UsersSnapshot:
            return UsersSnapshot(
                security.users.all(), security.auth.active_sessions(), security.clock()
            )

        self.access.submit(read, self._loaded, self._failed, context=self, name="users")

    def _loaded(self, snapshot: UsersSnapshot) -> None:
        self.busy = False
        if self.again:
            self.refresh()
        if not self.access.operator.logged_on:
            return
        selected = self.selected()
        self._now[0] = snapshot.now_ns
        self.accounts.update_records(snapshot.users)
        self.sessions.update_records(snapshot.sessions)
        if selected is not None:
            self.select_user(selected.username)
        self._selection_changed()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if self.again:
            self.refresh()
        self.status.setText(f"Refused: {exc}")

    def select_user(self, username: str) -> bool:
        """Select an account's row."""
        for row in range(self.accounts_proxy.rowCount()):
            if self.accounts_proxy.record(row).username == username:
                self.table.selectRow(row)
                return True
        return False

    def selected(self) -> User | None:
        """The selected account."""
        rows = self.table.selectionModel().selectedRows()
        return self.accounts_proxy.record(rows[0].row()) if rows else None

    def _selection_changed(self) -> None:
        user = self.selected()
        for button in (self.reset_button, self.roles_button, self.enable_button):
            button.setEnabled(user is not None)
        self.enable_button.setText(
            "Enable…" if user is not None and not user.enabled else "Disable…"
        )

    # -- actions --------------------------------------------------------------------------------
    def open_add(self) -> AdminDialog | None:
        """The add-user dialog (user managers only)."""
        return self._open(lambda: AddUserDialog(self.access, parent=self), need_selection=False)

    def open_reset(self) -> AdminDialog | None:
        """Reset the selected user's password."""
        return self._open(lambda: ResetPasswordDialog(self.access, self._target().username, self))

    def open_roles(self) -> AdminDialog | None:
        """Set the selected user's roles and areas."""
        return self._open(lambda: RolesDialog(self.access, self._target(), self))

    def open_enable(self) -> AdminDialog | None:
        """Disable (or enable) the selected user."""
        return self._open(lambda: EnableDialog(self.access, self._target(), self))

    def _target(self) -> User:
        user = self.selected()
        assert user is not None
        return user

    def _open(self, build: Any, need_selection: bool = True) -> AdminDialog | None:
        if not self.manager:
            who = self.access.operator.username or "nobody"
            self.status.setText(f"Refused: {who} may not manage users")
            return None
        if need_selection and self.selected() is None:
            self.status.setText("Select a user first.")
            return None
        dialog: AdminDialog = build()
        dialog.applied.connect(self._applied)
        dialog.setModal(True)
        dialog.show()
        self.dialog = dialog
        return dialog

    def _applied(self, what: str) -> None:
        self.status.setText(f"✔ {what}")
        self.refresh()
