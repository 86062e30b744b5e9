"""Log on, switch user and log off at a shared panel: the user panel of the status bar.

A click on the user button opens :class:`UserPanel` (who is logged on here, since when, and the
three actions). "Switch user" asks for the next user's credentials and ends the current session
only when they are accepted (:meth:`core.security.auth.Authenticator.switch_user`).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget

from hmi.operator import OperatorSession
from hmi.security.touch import fit_for_touch
from hmi.widgets.login_dialog import LoginDialog


class SwitchUserDialog(LoginDialog):
    """Credentials of the next user; the current one stays logged on until they are accepted."""

    def __init__(self, operator: OperatorSession, parent: QWidget | None = None) -> None:
        super().__init__(operator, parent)
        self.setObjectName("switch_user_dialog")
        self.setWindowTitle(f"Switch user at {operator.station}")
        self.ok.setText("Switch")
        if operator.logged_on:
            self.message.setText(f"{operator.username} stays logged on until the switch succeeds.")

    def submit(self) -> None:
        """Check the next user's credentials (in a worker) and switch."""
        name = self.username.text().strip()
        if not name or not self.password.text():
            self.message.setText("Enter your user name and password.")
            return
        self.ok.setEnabled(False)
        self.message.setText("checking…")
        self.operator.switch_user(name, self.password.text())


class UserPanel(QDialog):
    """Who is logged on at this station, with log on / switch user / log off."""

    def __init__(
        self, operator: OperatorSession, touch: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("user_panel")
        self.who = QLabel(_who(operator))
        self.who.setObjectName("user_panel_who")
        self.who.setWordWrap(True)
        self.log_on_button = QPushButton("Log on…")
        self.log_on_button.setObjectName("panel_log_on")
        self.switch_button = QPushButton("Switch user…")
        self.switch_button.setObjectName("panel_switch")
        self.log_off_button = QPushButton("Log off")
        self.log_off_button.setObjectName("panel_log_off")
        column = QVBoxLayout(self)
        column.addWidget(self.who)
        for button in (self.log_on_button, self.switch_button, self.log_off_button):
            button.clicked.connect(self.close)
            column.addWidget(button)
        self.log_on_button.setVisible(not operator.logged_on)
        self.switch_button.setVisible(operator.logged_on)
        self.log_off_button.setVisible(operator.logged_on)
        fit_for_touch(self, touch)

    def show_at(self, anchor: QWidget) -> None:
        """Open just above ``anchor`` (the status-bar button)."""
        self.adjustSize()
        corner = anchor.mapToGlobal(QPoint(anchor.width(), 0))
        self.move(corner.x() - self.width(), corner.y() - self.height())
        self.show()


def _who(operator: OperatorSession) -> str:
    if not operator.logged_on:
        return f"Nobody is logged on at {operator.station}: the console is view-only."
    name = operator.full_name or operator.username
    return f"{name} ({operator.username}; {operator.roles}) is logged on at {operator.station}."
