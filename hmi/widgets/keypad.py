"""An on-screen numeric keypad for setpoints on touch panels (gloves: 64 px keys)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

KEYS = (
    ("7", "8", "9"),
    ("4", "5", "6"),
    ("1", "2", "3"),
    ("±", "0", "."),
    ("⌫", "Clear", ""),
)


class NumericKeypad(QWidget):
    """Digits, sign, decimal point, backspace and clear, typing into a line edit."""

    def __init__(self, target: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setSpacing(6)
        for row, keys in enumerate(KEYS):
            for column, key in enumerate(keys):
                if not key:
                    continue
                button = QPushButton(key)
                button.setProperty("keypad", True)
                button.setMinimumSize(64, 64)
                button.setObjectName(f"key_{key}")
                button.clicked.connect(lambda _=False, k=key: self.press(k))
                grid.addWidget(button, row, column)
                self.keys[key] = button

    def press(self, key: str) -> None:
        """Apply one key to the target's text."""
        text = self.target.text()
        if key == "⌫":
            text = text[:-1]
        elif key == "Clear":
            text = ""
        elif key == "±":
            text = text[1:] if text.startswith("-") else f"-{text}"
        elif key == ".":
            text = text if "." in text else (text or "0") + "."
        else:
            text += key
        self.target.setText(text)
        self.target.setFocus()
