"""First run: no user exists, so the console asks for the administrator before anyone can act.

There are no default credentials. The dialog asks for the administrator's log-on name, full name
(printed with electronic signatures) and a password typed twice, with the policy shown and
checked as it is typed; :meth:`core.security.admin.UserAdmin.create_first_administrator` stores
it (argon2id hash, ``user_add`` audit row) and the administrator is logged on. Because the
administrator may not acknowledge alarms or write setpoints (separation of duties), the dialog
then offers to add the first operator.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from core.security.roles import Role
from core.security.users import User
from hmi.security.access import AccessContext
from hmi.security.password_field import PasswordPair
from hmi.security.touch import fit_for_touch
from hmi.security.user_dialogs import AddUserDialog, full_name_problem, name_problem
from hmi.theme import set_property

log = logging.getLogger(__name__)

MIN_WIDTH = 600
INTRO = (
    "No user exists yet: nobody can log on, acknowledge alarms or write setpoints. "
    "Create the administrator first. There are no default passwords."
)
DUTIES = (
    "The administrator manages users and the plant configuration but does not operate the "
    "process (separation of duties): acknowledging alarms and writing setpoints need an "
    "operator, engineer or supervisor account."
)


class FirstRunDialog(QDialog):
    """Create the administrator, then offer to add the first operator."""

    created = Signal(str)
    """The administrator's user name."""
    operator_added = Signal(str)

    def __init__(self, access: AccessContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.setObjectName("first_run_dialog")
        self.setWindowTitle("Create the administrator")
        self.username = QLineEdit()
        self.username.setObjectName("admin_name")
        self.username.setPlaceholderText("log-on name, e.g. admin.jdoe")
        self.full_name = QLineEdit()
        self.full_name.setObjectName("admin_full_name")
        self.full_name.setPlaceholderText("printed with electronic signatures")
        min_length = access.security.config.min_password_length
        self.passwords = PasswordPair(min_length, lambda: self.username.text().strip(), self)
        self.message = QLabel("")
        self.message.setObjectName("first_run_message")
        self.message.setWordWrap(True)
        self.create_button = QPushButton("Create administrator")
        self.create_button.setObjectName("create_admin")
        self.close_button = QPushButton("Not now")
        self.offer = QLabel("")
        self.offer.setObjectName("first_run_offer")
        self.offer.setWordWrap(True)
        self.add_operator_button = QPushButton("Add the first operator…")
        self.add_operator_button.setObjectName("add_first_operator")
        self.done_button = QPushButton("Later")
        self.done_button.setObjectName("first_run_done")
        self.pages = QStackedWidget()
        self.setMinimumWidth(MIN_WIDTH)
        self.administrator: User | None = None
        self.operator_dialog: AddUserDialog | None = None
        self.busy = False
        self._build()
        fit_for_touch(self, access.touch())
        self.validate()

    def _build(self) -> None:
        create = QWidget()
        column = QVBoxLayout(create)
        heading = QLabel("Create the administrator")
        heading.setProperty("role", "heading")
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        column.addWidget(heading)
        column.addWidget(intro)
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Full name", self.full_name)
        self.passwords.add_to(form)
        column.addLayout(form)
        duties = QLabel(DUTIES)
        duties.setProperty("role", "caption")
        duties.setWordWrap(True)
        column.addWidget(duties)
        column.addWidget(self.message)
        column.addLayout(_row(self.close_button, self.create_button))
        offer = QWidget()
        column = QVBoxLayout(offer)
        column.addWidget(self.offer)
        column.addStretch(1)
        column.addLayout(_row(self.done_button, self.add_operator_button))
        self.pages.addWidget(create)
        self.pages.addWidget(offer)
        QVBoxLayout(self).addWidget(self.pages)
        self.username.textChanged.connect(lambda _t: self.passwords.check())
        for signal in (self.username.textChanged, self.full_name.textChanged):
            signal.connect(lambda _t: self.validate())
        self.passwords.changed.connect(self.validate)
        self.create_button.clicked.connect(self.submit)
        self.close_button.clicked.connect(self.reject)
        self.add_operator_button.clicked.connect(self.open_add_operator)
        self.done_button.clicked.connect(self.accept)

    def problem(self) -> str:
        """Why the administrator cannot be created yet ('' when it can)."""
        return (
            name_problem(self.username.text().strip())
            or full_name_problem(self.full_name.text().strip(), required=True)
            or self.passwords.problem()
        )

    def validate(self) -> None:
        """Say what is missing; enable "Create" only for a complete, valid form."""
        problem = self.problem()
        self.create_button.setEnabled(not problem and not self.busy)
        self.message.setText(f"✖ {problem}" if problem else "")
        set_property(self.message, "result", "")

    def submit(self) -> None:
        """Create the administrator (in a worker), then log it on."""
        if self.problem() or self.busy:
            return
        name, full_name = self.username.text().strip(), self.full_name.text().strip()
        password = self.passwords.value()
        admin, station = self.access.security.admin, self.access.station
        self.busy = True
        self.create_button.setEnabled(False)
        self.message.setText("creating…")
        self.access.submit(
            lambda: admin.create_first_administrator(
                name, password, full_name=full_name, station=station
            ),
            lambda user: self._created(user, password),
            self._refused,
            context=self,
            name="first-administrator",
        )

    def _created(self, user: User, password: str) -> None:
        self.busy = False
        self.administrator = user
        self.passwords.clear()
        self.access.operator.login(user.username, password)
        log.info("first administrator %s created at %s", user.username, self.access.station)
        self.offer.setText(
            f"✔ Administrator {user.username} ({user.printed_name}) created and logged on.\n\n"
            f"{DUTIES}\n\nAdd the first operator now?"
        )
        self.pages.setCurrentIndex(1)
        self.created.emit(user.username)

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.create_button.setEnabled(True)
        self.message.setText(f"Refused: {exc}")
        set_property(self.message, "result", "refused")

    def open_add_operator(self) -> AddUserDialog | None:
        """The add-user dialog with the operator role ticked, acting as the new administrator."""
        if self.administrator is None:
            return None
        dialog = AddUserDialog(
            self.access, self.administrator, frozenset({Role.OPERATOR}), parent=self
        )
        dialog.applied.connect(lambda what: self._operator_added(dialog.username.text(), what))
        dialog.setModal(True)
        dialog.show()
        self.operator_dialog = dialog
        return dialog

    def _operator_added(self, name: str, what: str) -> None:
        self.offer.setText(f"✔ {what}.\n\nAdd another user, or continue.")
        self.add_operator_button.setText("Add another user…")
        self.done_button.setText("Done")
        self.operator_added.emit(name.strip())


def _row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addStretch(1)
    for button in buttons:
        row.addWidget(button)
    return row
