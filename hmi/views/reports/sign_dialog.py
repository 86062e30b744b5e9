"""Electronic signature of a report (21 CFR Part 11): the logged-on user enters their password
again and chooses what the signature means; the security core checks both (a wrong password is
audited and counts toward lock-out) and records name, time and meaning linked to the report's
SHA-256. The dialog stays open with the core's reason when refused.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from core.security.signatures import Meaning
from hmi.security.touch import fit_for_touch
from hmi.theme import set_property

log = logging.getLogger(__name__)

MEANING_TEXT: dict[Meaning, str] = {
    Meaning.REVIEWED: "Reviewed: I have reviewed this report",
    Meaning.APPROVED: "Approved: I approve this report",
    Meaning.RESPONSIBLE: "Responsible: I am responsible for what this report records",
}
STATEMENT = (
    "Your signature is the legally binding equivalent of your handwritten signature. Your "
    "printed name, the time and the meaning are linked to this report's SHA-256 and recorded "
    "in the audit trail; the signed copy keeps the report unchanged and adds a signature page."
)


class SignDialog(QDialog):
    """Who signs (the logged-on user), what the report is, the meaning and the password."""

    sign_requested = Signal(str, str)
    """``(meaning, password)``: the view signs in a worker and calls :meth:`refused` or closes."""

    def __init__(
        self, signer: str, report_text: str, touch: bool, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sign_dialog")
        self.setWindowTitle("Sign report")
        self.setMinimumWidth(560)
        self.report = QLabel(report_text)
        self.report.setObjectName("sign_report")
        self.report.setWordWrap(True)
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signer = QLabel(signer)
        self.signer.setObjectName("sign_signer")
        self.meanings = QButtonGroup(self)
        self.meaning_buttons: dict[Meaning, QRadioButton] = {}
        for meaning, text in MEANING_TEXT.items():
            button = QRadioButton(text)
            button.setObjectName(f"sign_{meaning.value}")
            self.meanings.addButton(button)
            self.meaning_buttons[meaning] = button
        self.password = QLineEdit()
        self.password.setObjectName("sign_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.statement = QLabel(STATEMENT)
        self.statement.setWordWrap(True)
        self.statement.setProperty("role", "caption")
        self.message = QLabel("")
        self.message.setObjectName("sign_message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok: QPushButton = self.buttons.addButton(
            "Sign", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setObjectName("sign_ok")
        self._build()
        fit_for_touch(self, touch)

    def _build(self) -> None:
        meanings = QVBoxLayout()
        for button in self.meaning_buttons.values():
            meanings.addWidget(button)
        form = QFormLayout()
        form.addRow("Report", self.report)
        form.addRow("Signed by", self.signer)
        form.addRow("Meaning", meanings)
        form.addRow("Password", self.password)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.statement)
        column.addWidget(self.message)
        column.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.password.returnPressed.connect(self.submit)

    def meaning(self) -> Meaning | None:
        """The chosen meaning (None until one is)."""
        return next((m for m, b in self.meaning_buttons.items() if b.isChecked()), None)

    def choose(self, meaning: Meaning | str) -> None:
        """Tick a meaning."""
        self.meaning_buttons[Meaning(str(meaning))].setChecked(True)

    def submit(self) -> None:
        """Ask the view to sign (after the cheap checks here)."""
        meaning = self.meaning()
        if meaning is None:
            self._say("Choose what your signature means.")
            return
        if not self.password.text():
            self._say("Enter your password again to sign.")
            return
        self.ok.setEnabled(False)
        self._say("checking…", refused=False)
        self.sign_requested.emit(meaning.value, self.password.text())

    def refused(self, reason: str) -> None:
        """The core refused: say why, forget the password, let the user try again."""
        self.password.clear()
        self.ok.setEnabled(True)
        self._say(f"Refused: {reason}")

    def _say(self, text: str, refused: bool = True) -> None:
        self.message.setText(text)
        set_property(self.message, "result", "refused" if refused else "")
