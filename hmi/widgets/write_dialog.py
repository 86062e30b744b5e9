"""The setpoint write dialog: new value (keypad on touch panels) -> check -> confirm -> result.

The operator sees the old value, the new value and the engineering range. A value outside the
range (or not a number) is refused with the reason before anything is sent. After the explicit
confirmation the write goes through the security core (permission, audit) and the driver in a
worker, which reads back; the outcome is shown as CONFIRMED, UNCONFIRMED, FAILED or REFUSED
with the detail.
"""

from __future__ import annotations

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

from core.security.writes import SafeWriteResult
from core.tags import TagInfo
from hmi.context import HmiContext
from hmi.formatting import value_text
from hmi.theme import set_property
from hmi.widgets.keypad import NumericKeypad
from hmi.writes import check_write, perform_write, range_text


class WriteDialog(QDialog):
    """Write an absolute value to one writable tag."""

    written = Signal(object)
    """The :class:`~core.security.writes.SafeWriteResult`."""

    def __init__(self, ctx: HmiContext, tag: TagInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tag = tag
        self.setWindowTitle(f"Write {tag.name}")
        self.setObjectName("write_dialog")
        live = ctx.collector.pipeline.live.get(tag.id)
        self.old_value = live.value if live is not None else None
        self.new_value = QLineEdit()
        self.new_value.setObjectName("write_new_value")
        self.new_value.setPlaceholderText("new value")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setObjectName("write_message")
        self.summary = QLabel("")
        self.summary.setObjectName("write_summary")
        self.result_label = QLabel("")
        self.result_label.setObjectName("write_result")
        self.result_label.setWordWrap(True)
        self.next_button = QPushButton("Next")
        self.next_button.setObjectName("write_next")
        self.confirm_button = QPushButton("Confirm write")
        self.confirm_button.setObjectName("write_confirm")
        self.back_button = QPushButton("Back")
        self.close_button = QPushButton("Close")
        self.pages = QStackedWidget()
        self.keypad = NumericKeypad(self.new_value) if ctx.touch else None
        self.value = 0.0
        self.refusal = ""
        self.write_result: SafeWriteResult | None = None
        self._build()

    def _build(self) -> None:
        entry = QWidget()
        form = QFormLayout(entry)
        form.addRow("Tag", QLabel(self.tag.name))
        if self.tag.description:
            form.addRow("", QLabel(self.tag.description))
        form.addRow("Current value", QLabel(value_text(self.old_value, self.tag.unit)))
        form.addRow("Engineering range", QLabel(range_text(self.tag)))
        form.addRow("New value", self.new_value)
        if self.keypad is not None:
            form.addRow(self.keypad)
        form.addRow(self.message)
        form.addRow(self.next_button)
        confirm = QWidget()
        column = QVBoxLayout(confirm)
        column.addWidget(self.summary)
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addWidget(self.confirm_button)
        column.addLayout(row)
        done = QWidget()
        column = QVBoxLayout(done)
        column.addWidget(self.result_label)
        column.addWidget(self.close_button)
        for page in (entry, confirm, done):
            self.pages.addWidget(page)
        QVBoxLayout(self).addWidget(self.pages)
        self.next_button.clicked.connect(self.check)
        self.new_value.returnPressed.connect(self.check)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.confirm_button.clicked.connect(self.confirm)
        self.close_button.clicked.connect(self.accept)

    def check(self) -> bool:
        """Check the entered value; refused -> reason shown; allowed -> confirmation page."""
        outcome = check_write(self.tag, self.new_value.text())
        if not outcome.allowed:
            self.refusal = outcome.reason
            self.message.setText(f"Refused: {outcome.reason}")
            set_property(self.message, "result", "refused")
            return False
        self.refusal = ""
        self.value = outcome.value
        self.message.setText("")
        old = value_text(self.old_value, self.tag.unit)
        new = value_text(self.value, self.tag.unit)
        self.summary.setText(f"Write {self.tag.name}:\n{old}  →  {new}\n\nConfirm?")
        self.pages.setCurrentIndex(1)
        self.confirm_button.setFocus()
        return True

    def confirm(self) -> None:
        """Send the write in a worker (after the explicit confirmation, by the logged-on user)."""
        if not self.ctx.require_login():
            self.summary.setText("Log on to write setpoints.")
            return
        self.confirm_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.summary.setText(self.summary.text().replace("Confirm?", "Writing…"))
        ctx, tag, value, user = self.ctx, self.tag, self.value, self.ctx.user
        collector = ctx.collector
        self.ctx.workers.submit(
            lambda: perform_write(
                ctx.security,
                list(collector.drivers),
                ctx.registry,
                collector.pipeline.live,
                tag,
                value,
                user,
                reason="operator setpoint",
            ),
            self._finished,
            lambda exc: self._failed(str(exc)),
            context=self,
            name="write",
        )

    def _failed(self, error: str) -> None:
        self.result_label.setText(f"FAILED: {error}")
        set_property(self.result_label, "result", "failed")
        self.pages.setCurrentIndex(2)

    def _finished(self, result: SafeWriteResult) -> None:
        self.write_result = result
        outcome = str(result.outcome.value)
        read_back = (
            f"\nread back: {value_text(float(result.read_back), self.tag.unit)}"
            if isinstance(result.read_back, int | float)
            else ""
        )
        self.result_label.setText(f"{outcome}: {result.detail or 'done'}{read_back}")
        set_property(self.result_label, "result", outcome.lower())
        self.pages.setCurrentIndex(2)
        self.written.emit(result)
