"""A new password typed twice, with the policy shown and checked as the user types.

The policy check is :func:`core.security.passwords.check_password_policy` (cheap: no hashing),
so it runs on every keystroke; the reason shown is the core's own. The same check runs again
in the core when the password is stored.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit

from core.security.passwords import (
    MIN_DISTINCT_CHARACTERS,
    PasswordPolicyError,
    check_password_policy,
)
from hmi.theme import set_property

OK_MARK = "✔"
BAD_MARK = "✖"


def policy_text(min_length: int) -> str:
    """The password policy in one sentence."""
    return (
        f"At least {min_length} characters and {MIN_DISTINCT_CHARACTERS} different ones; "
        "not containing the user name; not a shorter part repeated; "
        "not a well-known password or word (digits or symbols around a word do not help)."
    )


def password_problem(password: str, repeated: str, username: str, min_length: int) -> str:
    """Why the pair is not acceptable ('' when it is)."""
    try:
        check_password_policy(password, username, min_length)
    except PasswordPolicyError as exc:
        return str(exc)
    if password != repeated:
        return "the two entries differ"
    return ""


class PasswordPair(QObject):
    """Password, repeat, the policy and the live verdict (``✔``/``✖`` plus the reason).

    The fields go into the dialog's own form (:meth:`add_to`), aligned with its other rows.
    """

    changed = Signal()

    def __init__(
        self,
        min_length: int,
        username: Callable[[], str],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.min_length = min_length
        self._username = username
        self.password = QLineEdit()
        self.password.setObjectName("new_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setObjectName("repeat_password")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.policy = QLabel(policy_text(min_length))
        self.policy.setProperty("role", "caption")
        self.policy.setWordWrap(True)
        self.verdict = QLabel("")
        self.verdict.setObjectName("password_verdict")
        self.verdict.setWordWrap(True)
        self.password.textChanged.connect(self.check)
        self.repeat.textChanged.connect(self.check)
        self.check()

    def add_to(self, form: QFormLayout) -> None:
        """Add the password rows, the policy and the verdict to a form."""
        form.addRow("Password", self.password)
        form.addRow("Repeat password", self.repeat)
        form.addRow("", self.policy)
        form.addRow("", self.verdict)

    def problem(self) -> str:
        """Why the entered pair is not acceptable ('' when it is)."""
        if not self.password.text():
            return "enter the password twice"
        return password_problem(
            self.password.text(), self.repeat.text(), self._username(), self.min_length
        )

    def check(self) -> None:
        """Show the verdict for what is typed now."""
        problem = self.problem()
        if not self.password.text():
            self.verdict.setText("")
            set_property(self.verdict, "result", "")
        elif problem:
            self.verdict.setText(f"{BAD_MARK} {problem}")
            set_property(self.verdict, "result", "refused")
        else:
            self.verdict.setText(f"{OK_MARK} meets the policy; both entries match")
            set_property(self.verdict, "result", "confirmed")
        self.changed.emit()

    def value(self) -> str:
        """The password."""
        return self.password.text()

    def clear(self) -> None:
        """Forget what was typed."""
        self.password.clear()
        self.repeat.clear()
