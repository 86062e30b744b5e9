"""Log on at this console (user name and password; checked by the security core in a worker)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from hmi.operator import OperatorSession


class LoginDialog(QDialog):
    """User name, password, "Log on"; stays open with the reason when refused."""

    def __init__(self, operator: OperatorSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.operator = operator
        self.setWindowTitle(f"Log on at {operator.station}")
        self.setObjectName("login_dialog")
        self.username = QLineEdit()
        self.username.setObjectName("login_user")
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = QLabel("")
        self.message.setObjectName("login_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Log on")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.password.returnPressed.connect(self.submit)
        form = QFormLayout(self)
        form.addRow("User", self.username)
        form.addRow("Password", self.password)
        form.addRow(self.message)
        form.addRow(self.buttons)
        operator.changed.connect(self._changed)
        operator.failed.connect(self._refused)

    def submit(self) -> None:
        """Check the credentials (in a worker)."""
        name = self.username.text().strip()
        if not name or not self.password.text():
            self.message.setText("Enter your user name and password.")
            return
        self.ok.setEnabled(False)
        self.message.setText("checking…")
        self.operator.login(name, self.password.text())

    def _changed(self, username: str) -> None:
        if username:
            self.password.clear()
            self.accept()

    def _refused(self, reason: str) -> None:
        self.ok.setEnabled(True)
        self.password.clear()
        self.message.setText(f"Refused: {reason}")

    def done(self, result: int) -> None:
        """Stop listening once closed."""
        self.operator.changed.disconnect(self._changed)
        self.operator.failed.disconnect(self._refused)
        super().done(result)
