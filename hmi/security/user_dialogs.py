"""The user administration dialogs: add a user, reset a password, set roles and areas,
disable or enable an account. Each validates as the administrator types and says why it
cannot be saved; the change itself goes through :class:`core.security.admin.UserAdmin`."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from core.security.admin import UserAdmin
from core.security.roles import Role
from core.security.users import User, UserError, check_username
from hmi.security.access import AccessContext, role_names, scope_text
from hmi.security.password_field import PasswordPair
from hmi.security.user_form import AdminDialog, Change, RolePicker, ScopePicker, on_change

MAX_FULL_NAME = 255


def name_problem(username: str) -> str:
    """Why a user name is not valid ('' when it is)."""
    if not username:
        return "enter a user name"
    try:
        check_username(username)
    except UserError as exc:
        return str(exc)
    return ""


def full_name_problem(full_name: str, required: bool) -> str:
    """Why a full name is not valid ('' when it is)."""
    if required and not full_name:
        return "enter the full name (printed with electronic signatures)"
    if len(full_name) > MAX_FULL_NAME:
        return f"the full name must have at most {MAX_FULL_NAME} characters"
    return ""


class AddUserDialog(AdminDialog):
    """A new account: name, full name, password twice, roles, sites and areas."""

    def __init__(
        self,
        access: AccessContext,
        actor: User | None = None,
        roles: frozenset[Role] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(access, "Add user", "Add user", actor, parent)
        self.setObjectName("add_user_dialog")
        self.username = QLineEdit()
        self.username.setObjectName("user_name")
        self.username.setPlaceholderText("log-on name, e.g. jdoe")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("full_name")
        self.full_name.setPlaceholderText("printed with electronic signatures")
        min_length = access.security.config.min_password_length
        self.passwords = PasswordPair(min_length, lambda: self.username.text().strip(), self)
        self.role_picker = RolePicker(roles)
        self.scope_picker = ScopePicker(access)
        names = QWidget()
        form = QFormLayout(names)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("User name", self.username)
        form.addRow("Full name", self.full_name)
        self.passwords.add_to(form)
        on_change(
            self.username.textChanged,
            self.full_name.textChanged,
            self.passwords.changed,
            self.role_picker.changed,
        )(self.validate)
        self.username.textChanged.connect(lambda _t: self.passwords.check())
        self.finish_layout(names, self.role_picker, self.scope_picker)

    def problem(self) -> str:
        """Name, full name, password and at least one role."""
        return (
            name_problem(self.username.text().strip())
            or full_name_problem(self.full_name.text().strip(), required=False)
            or self.passwords.problem()
            or ("tick at least one role" if not self.role_picker.roles() else "")
        )

    def prepare(self) -> Change:
        """Add the account as the acting user."""
        name, full_name = self.username.text().strip(), self.full_name.text().strip()
        password, roles = self.passwords.value(), self.role_picker.roles()
        scope, station = self.scope_picker.scope(), self.access.station
        self.passwords.clear()

        def change(admin: UserAdmin, actor: User) -> str:
            admin.add_user(
                actor, name, password, roles, scope, full_name=full_name, station=station
            )
            return f"user {name} added ({role_names(roles)}; {scope_text(scope)})"

        return change


class ResetPasswordDialog(AdminDialog):
    """A new password for an account (the user should change it at the next chance)."""

    def __init__(self, access: AccessContext, username: str, parent: QWidget | None = None):
        super().__init__(access, f"Reset the password of {username}", "Set password", None, parent)
        self.setObjectName("reset_password_dialog")
        self.target = username
        min_length = access.security.config.min_password_length
        self.passwords = PasswordPair(min_length, lambda: username, self)
        self.reason = QLineEdit()
        self.reason.setObjectName("change_reason")
        self.reason.setPlaceholderText("why (kept in the audit trail), e.g. forgotten")
        extra = QWidget()
        form = QFormLayout(extra)
        form.setContentsMargins(0, 0, 0, 0)
        self.passwords.add_to(form)
        form.addRow("Reason", self.reason)
        on_change(self.passwords.changed, self.reason.textChanged)(self.validate)
        self.finish_layout(extra)

    def problem(self) -> str:
        """A password meeting the policy and a reason."""
        return self.passwords.problem() or (
            "give a reason" if not self.reason.text().strip() else ""
        )

    def prepare(self) -> Change:
        """Store the new password as the acting user."""
        target, password = self.target, self.passwords.value()
        reason, station = self.reason.text().strip(), self.access.station
        self.passwords.clear()

        def change(admin: UserAdmin, actor: User) -> str:
            admin.change_password(actor, target, password, station=station, reason=reason)
            return f"password of {target} reset"

        return change


class RolesDialog(AdminDialog):
    """Replace an account's roles, sites and areas."""

    def __init__(self, access: AccessContext, user: User, parent: QWidget | None = None):
        super().__init__(access, f"Roles and areas of {user.username}", "Save", None, parent)
        self.setObjectName("roles_dialog")
        self.target = user.username
        self.role_picker = RolePicker(user.roles)
        self.scope_picker = ScopePicker(access, user.scope)
        self.reason = QLineEdit()
        self.reason.setObjectName("change_reason")
        self.reason.setPlaceholderText("why (kept in the audit trail), e.g. moved to night shift")
        extra = QWidget()
        form = QFormLayout(extra)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Now", QLabel(f"{user.role_text or '—'} ({scope_text(user.scope)})"))
        form.addRow("Reason", self.reason)
        on_change(self.role_picker.changed, self.reason.textChanged)(self.validate)
        self.finish_layout(extra, self.role_picker, self.scope_picker)

    def problem(self) -> str:
        """At least one role and a reason."""
        if not self.role_picker.roles():
            return "tick at least one role"
        return "give a reason" if not self.reason.text().strip() else ""

    def prepare(self) -> Change:
        """Store the roles and scope as the acting user."""
        target, roles, scope = self.target, self.role_picker.roles(), self.scope_picker.scope()
        reason, station = self.reason.text().strip(), self.access.station

        def change(admin: UserAdmin, actor: User) -> str:
            admin.set_roles(actor, target, roles, scope, station=station, reason=reason)
            return f"{target}: {role_names(roles)} ({scope_text(scope)})"

        return change


class EnableDialog(AdminDialog):
    """Disable an account (with a reason) or enable it again."""

    def __init__(self, access: AccessContext, user: User, parent: QWidget | None = None):
        self.enable = not user.enabled
        verb = "Enable" if self.enable else "Disable"
        super().__init__(access, f"{verb} {user.username}", verb, None, parent)
        self.setObjectName("enable_dialog")
        self.target = user.username
        self.reason = QLineEdit()
        self.reason.setObjectName("change_reason")
        self.reason.setPlaceholderText("why (kept in the audit trail), e.g. left the company")
        what = (
            "The account can log on again."
            if self.enable
            else "The account can no longer log on; its history stays in the audit trail."
        )
        extra = QWidget()
        form = QFormLayout(extra)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(QLabel(what))
        form.addRow("Reason", self.reason)
        self.reason.textChanged.connect(lambda _t: self.validate())
        self.finish_layout(extra)

    def problem(self) -> str:
        """A reason."""
        return "give a reason" if not self.reason.text().strip() else ""

    def prepare(self) -> Change:
        """Disable or enable as the acting user."""
        target, enable = self.target, self.enable
        reason, station = self.reason.text().strip(), self.access.station

        def change(admin: UserAdmin, actor: User) -> str:
            admin.set_enabled(actor, target, enable, station=station, reason=reason)
            return f"{target} {'enabled' if enable else 'disabled'}"

        return change
