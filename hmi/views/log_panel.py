"""The application's own log (rotating JSON-line files in the user log directory), filtered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.logging_setup import LEVELS, LogEntry, read_log
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.widgets.tables import make_table

COLUMNS: list[Column[LogEntry]] = [
    Column("Time (UTC)", lambda e: e.ts.replace("T", " ")[:23]),
    Column("Level", lambda e: e.level, lambda e: e.level_rank),
    Column("Logger", lambda e: e.logger),
    Column("Thread", lambda e: e.thread),
    Column("Message", lambda e: e.message, tooltip=lambda e: e.exception or e.message),
]


class LogPanel(QWidget):
    """Level and text filters over the newest log entries (read in a worker)."""

    def __init__(self, ctx: HmiContext, log_dir: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.log_dir = log_dir
        self.model: RecordTableModel[LogEntry] = RecordTableModel(COLUMNS)
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "log_table", stretch_column=4)
        self.level = QComboBox()
        for level in LEVELS:
            self.level.addItem(f"{level} and above", LEVELS.index(level))
        self.level.setCurrentIndex(1)
        self.level.currentIndexChanged.connect(lambda _i: self._apply_level())
        self.text = QLineEdit()
        self.text.setPlaceholderText("Filter log text…")
        self.text.setClearButtonEnabled(True)
        self.text.textChanged.connect(self.proxy.set_text)
        self.refresh_button = icon_button("refresh", "Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        bar = QHBoxLayout()
        bar.addWidget(self.level)
        bar.addWidget(self.text, 1)
        bar.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._apply_level()
        self.busy = False

    def _apply_level(self) -> None:
        minimum = int(self.level.currentData())
        self.proxy.set_predicate(lambda e: e.level_rank >= minimum)

    def refresh(self) -> None:
        """Read the newest entries again."""
        if self.busy:
            return
        self.busy = True
        log_dir = self.log_dir
        self.ctx.workers.submit(
            lambda: read_log(log_dir), self._loaded, self._failed, context=self, name="log"
        )

    def _loaded(self, entries: list[LogEntry]) -> None:
        self.busy = False
        self.model.set_records(list(reversed(entries)))
        self.status.setText(f"{len(entries)} entries, newest first")

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.status.setText(f"cannot read the log: {exc}")
