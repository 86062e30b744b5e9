"""Touch-panel sizing for the security dialogs, and a numeric keypad popup for number fields.

The theme's touch additions size most controls already; :func:`fit_for_touch` makes the
dialogs honour touch mode on their own (at least 48 px per target), whatever style is loaded.
Text fields need no on-screen keyboard (the panel's own keyboard is used); numbers get the
glove-sized :class:`~hmi.widgets.keypad.NumericKeypad`.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hmi.theme import TOUCH_MIN_TARGET_PX
from hmi.widgets.keypad import NumericKeypad

TOUCH_TARGETS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def fit_for_touch(root: QWidget, touch: bool) -> None:
    """Give every control below ``root`` a touch target of at least 48 px (when ``touch``)."""
    if not touch:
        return
    for kind in TOUCH_TARGETS:
        for widget in root.findChildren(kind):
            widget.setMinimumHeight(max(widget.minimumHeight(), TOUCH_MIN_TARGET_PX))
            if isinstance(widget, QAbstractButton):
                widget.setMinimumWidth(max(widget.minimumWidth(), TOUCH_MIN_TARGET_PX))


class KeypadPopup(QDialog):
    """The numeric keypad for one field, with "Done"."""

    def __init__(self, target: QLineEdit, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("keypad_popup")
        self.keypad = NumericKeypad(target)
        for key in ("±", "."):
            self.keypad.keys[key].setEnabled(False)
        self.done_button = QPushButton("Done")
        self.done_button.setObjectName("keypad_done")
        self.done_button.clicked.connect(self.accept)
        column = QVBoxLayout(self)
        column.addWidget(self.keypad)
        column.addWidget(self.done_button)
        fit_for_touch(self, True)
