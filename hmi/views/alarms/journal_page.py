"""The journal query page: every alarm event of a period, by alarm and text (queried in a worker)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from core.alarms.journal import JournalEntry
from core.model import NS_PER_S, now_ns
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.formatting import value_text
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.widgets.flow_layout import FlowBar
from hmi.widgets.tables import MainColumnFit, make_table

PERIODS_S = (
    ("Last hour", 3600),
    ("Last 8 h", 8 * 3600),
    ("Last 24 h", 86400),
    ("Last 7 d", 604800),
)
COMMENT = 9
"""The journal's main text column (it keeps a readable share of the table)."""


def journal_columns(ctx: HmiContext) -> list[Column[JournalEntry]]:
    """Columns of the journal table."""
    return [
        Column("Time", lambda e: ctx.clock.datetime_text(e.ts_ns), lambda e: (e.ts_ns, e.id)),
        Column("Alarm", lambda e: e.alarm),
        Column("Event", lambda e: e.event),
        Column("From", lambda e: e.from_state),
        Column("To", lambda e: e.to_state),
        Column("Value", lambda e: value_text(e.value)),
        Column("Priority", lambda e: e.priority),
        Column("Area", lambda e: e.area),
        Column("User", lambda e: e.user),
        Column("Comment", lambda e: e.comment),
    ]


class JournalPage(QWidget):
    """Period + alarm + text, a "Query" button, the rows."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model: RecordTableModel[JournalEntry] = RecordTableModel(journal_columns(ctx))
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "journal", stretch_column=COMMENT, sort_column=0)
        self.fit = MainColumnFit(self.table, COMMENT)
        self.period = QComboBox()
        for text, seconds in PERIODS_S:
            self.period.addItem(text, seconds)
        self.period.setCurrentIndex(2)
        self.alarm = QComboBox()
        self.alarm.addItem("All alarms", "")
        for d in ctx.alarms.definitions():
            self.alarm.addItem(d.alarm_name, d.alarm_name)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Filter rows…")
        self.text.setClearButtonEnabled(True)
        self.text.textChanged.connect(self.proxy.set_text)
        self.query_button = icon_button("search", "Query")
        self.query_button.setObjectName("journal_query")
        self.query_button.clicked.connect(self.query)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.text.setMinimumWidth(200)
        bar = FlowBar([self.period, self.alarm, self.query_button, self.text])
        layout = QVBoxLayout(self)
        layout.addWidget(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self.task = BackgroundTask(ctx, self, "journal query", self.status)

    def query(self) -> None:
        """Read the journal of the chosen period (and alarm) in a worker (the newest query
        wins: an earlier one still running is not shown)."""
        end = now_ns()
        start = end - int(self.period.currentData()) * NS_PER_S
        alarm = str(self.alarm.currentData() or "") or None
        source = self.ctx.alarms
        self.task.run(lambda: source.journal(start, end + 1, alarm), self._loaded, "querying…")

    def _loaded(self, rows: list[JournalEntry]) -> None:
        self.model.set_records(rows)
        self.status.setText(f"{len(rows)} journal entries")
