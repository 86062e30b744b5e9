"""Dialogs of the alarm console: shelve (duration + reason) and a required text (comment,
out-of-service reference). Every field is a visible control, usable with a touch keyboard."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

SHELVE_DURATIONS_S: tuple[tuple[str, float], ...] = (
    ("15 min", 15 * 60),
    ("1 h", 3600),
    ("4 h", 4 * 3600),
    ("8 h (one shift)", 8 * 3600),
    ("24 h", 24 * 3600),
)
"""Offered shelve durations (the engine refuses more than its maximum, 24 h by default)."""


class ShelveDialog(QDialog):
    """Asks how long and why to shelve an alarm."""

    def __init__(self, alarm: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Shelve {alarm}")
        self.duration = QComboBox()
        for text, seconds in SHELVE_DURATIONS_S:
            self.duration.addItem(text, seconds)
        self.duration.setCurrentIndex(1)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("Reason (required), e.g. instrument under repair, WO 4711")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Shelve")
        ok.setEnabled(False)
        self.reason.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(QLabel(f"Shelving hides {alarm} from the active list until the time is up."))
        form.addRow("Duration", self.duration)
        form.addRow("Reason", self.reason)
        form.addRow(self.buttons)

    def values(self) -> tuple[float, str]:
        """(duration in seconds, reason)."""
        return float(self.duration.currentData()), self.reason.text().strip()


class TextDialog(QDialog):
    """Asks for a required line of text (a comment, an out-of-service reference)."""

    def __init__(
        self, title: str, label: str, placeholder: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.text = QLineEdit()
        self.text.setPlaceholderText(placeholder)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(False)
        self.text.textChanged.connect(lambda text: ok.setEnabled(bool(text.strip())))
        form = QFormLayout(self)
        form.addRow(label, self.text)
        form.addRow(buttons)

    def value(self) -> str:
        """The entered text, stripped."""
        return self.text.text().strip()
