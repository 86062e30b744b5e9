"""Maintenance: the tickets opened from alarms, their detail and lifecycle (open -> in progress
-> resolved -> closed), assignment and notes. Every query and change runs in a worker."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.alarms.tickets import NEXT_STATUS, Ticket, TicketStatus
from core.security.roles import Permission
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.views.alarms.dialogs import TextDialog
from hmi.widgets.tables import make_table

REFRESH_MS = 5000
STEP_TEXT = {
    TicketStatus.IN_PROGRESS: "Start work",
    TicketStatus.RESOLVED: "Resolve",
    TicketStatus.CLOSED: "Close",
}


def ticket_columns(ctx: HmiContext) -> list[Column[Ticket]]:
    """Columns of the ticket list."""
    return [
        Column("#", lambda t: str(t.id), lambda t: t.id),
        Column("Status", lambda t: t.status.replace("_", " ")),
        Column("Priority", lambda t: t.priority),
        Column("Area", lambda t: t.area),
        Column("Title", lambda t: t.title),
        Column("Occurrences", lambda t: str(t.occurrences), lambda t: t.occurrences),
        Column("Assignee", lambda t: t.assignee),
        Column("Updated", lambda t: ctx.clock.datetime_text(t.updated_ns), lambda t: t.updated_ns),
    ]


class MaintenanceView(QWidget):
    """Ticket list beside the selected ticket's detail and actions."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model: RecordTableModel[Ticket] = RecordTableModel(ticket_columns(ctx))
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "tickets", stretch_column=4, sort_column=0)
        self.status_filter = QComboBox()
        self.status_filter.addItem("All tickets", None)
        for status in TicketStatus:
            self.status_filter.addItem(status.value.replace("_", " "), status.value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.detail = QTextBrowser()
        self.step_button = QPushButton("Start work")
        self.step_button.setObjectName("ticket_step")
        self.assign_button = QPushButton("Assign…")
        self.note_button = icon_button("comment", "Add note…")
        self.refresh_button = icon_button("refresh", "Refresh")
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.ticket: Ticket | None = None
        self._reloading = False
        self._build()
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self.busy = False
        self._show_detail(None)

    def _build(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        bar = QHBoxLayout()
        bar.addWidget(self.status_filter)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        column.addLayout(bar)
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        right = QWidget()
        side = QVBoxLayout(right)
        side.addWidget(self.detail, 1)
        actions = QHBoxLayout()
        for button in (self.step_button, self.assign_button, self.note_button):
            actions.addWidget(button)
        side.addLayout(actions)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([700, 420])
        QVBoxLayout(self).addWidget(split)
        self.refresh_button.clicked.connect(self.refresh)
        self.step_button.clicked.connect(self.advance)
        self.assign_button.clicked.connect(self._ask_assign)
        self.note_button.clicked.connect(self._ask_note)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.refresh()
        self._timer.start(REFRESH_MS)

    def hideEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().hideEvent(event)
        self._timer.stop()

    # -- list -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the tickets (of the chosen status) in a worker."""
        if self.busy:
            return
        self.busy = True
        status = self.status_filter.currentData()
        tickets = self.ctx.alarms.tickets
        self._submit(lambda: tickets.tickets(status), self._loaded, "tickets")

    def _loaded(self, tickets: list[Ticket]) -> None:
        self.busy = False
        selected = self.ticket.id if self.ticket is not None else None
        first = not self.model.rowCount()
        self._reloading = True  # a model reset drops the selection: keep the detail meanwhile
        try:
            self.model.update_records(tickets)
        finally:
            self._reloading = False
        if first:
            self.table.resizeColumnsToContents()
        self.status.setText(f"{len(tickets)} ticket(s)")
        if selected is not None and not self.select_ticket(selected):
            self._show_detail(None)  # no longer listed (e.g. closed under an "open" filter)

    def select_ticket(self, ticket_id: int) -> bool:
        """Select a ticket's row."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.record(row).id == ticket_id:
                self.table.selectRow(row)
                return True
        return False

    def _selection_changed(self, *_args: object) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            if not self._reloading:
                self._show_detail(None)
            return
        ticket_id = self.proxy.record(rows[0].row()).id
        tickets = self.ctx.alarms.tickets
        self._submit(lambda: tickets.get(ticket_id), self._show_detail, "ticket")

    # -- detail and actions ---------------------------------------------------------------------
    def _show_detail(self, ticket: Ticket | None) -> None:
        self.ticket = ticket
        step = NEXT_STATUS.get(TicketStatus(ticket.status)) if ticket is not None else None
        self.step_button.setVisible(step is not None)
        if step is not None:
            self.step_button.setText(STEP_TEXT[step])
        for button in (self.assign_button, self.note_button):
            button.setEnabled(ticket is not None and ticket.status != TicketStatus.CLOSED)
        self.detail.setHtml(ticket_html(ticket, self.ctx) if ticket else "<p>Select a ticket.</p>")

    def advance(self) -> None:
        """Move the selected ticket one step along its lifecycle."""
        ticket = self.ticket
        step = NEXT_STATUS.get(TicketStatus(ticket.status)) if ticket is not None else None
        if ticket is None or step is None:
            return
        tickets, user = self.ctx.alarms.tickets, self.ctx.user
        self._guarded(ticket, lambda: tickets.advance(ticket.id, step, user), "advance")

    def _ask_assign(self) -> None:
        if self.ticket is None:
            return
        dialog = TextDialog("Assign ticket", "Assignee", "technician or team", self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.assign(dialog.value())

    def assign(self, assignee: str) -> None:
        """Assign the selected ticket."""
        if self.ticket is not None:
            ticket_id, tickets, user = self.ticket.id, self.ctx.alarms.tickets, self.ctx.user
            work = lambda: tickets.assign(ticket_id, assignee, user)  # noqa: E731
            self._guarded(self.ticket, work, "assign")

    def _ask_note(self) -> None:
        if self.ticket is None:
            return
        dialog = TextDialog("Add note", "Note", "what was found or done", self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_note(dialog.value())

    def add_note(self, text: str) -> None:
        """Add a note to the selected ticket."""
        if self.ticket is not None:
            ticket_id, tickets, user = self.ticket.id, self.ctx.alarms.tickets, self.ctx.user
            self._guarded(self.ticket, lambda: tickets.add_note(ticket_id, user, text), "note")

    def _changed(self, ticket: Ticket) -> None:
        self._show_detail(ticket)
        self.status.setText(f"ticket {ticket.id}: {ticket.status.replace('_', ' ')}")
        self.refresh()

    def _guarded(self, ticket: Ticket, work: Callable[[], Ticket], name: str) -> None:
        """Run a ticket change as the logged-on user, with the ``manage_tickets`` permission
        checked (and a refusal audited) by the security core first."""
        if not self.ctx.require_login():
            self.status.setText(f"{name}: log on first")
            return
        security, user = self.ctx.security, self.ctx.user

        def checked() -> Ticket:
            security.authorizer.require(
                user,
                Permission.MANAGE_TICKETS,
                ticket.area,
                target=f"ticket {ticket.id}",
                station=security.station,
            )
            return work()

        self._submit(checked, self._changed, name)

    def _submit(self, work: Callable[[], Any], done: Callable[[Any], None], name: str) -> None:
        self.ctx.workers.submit(work, done, self._failed, context=self, name=name)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.status.setText(f"refused: {exc}")


def ticket_html(ticket: Ticket, ctx: HmiContext) -> str:
    """The detail pane of a ticket."""
    e = html.escape
    when = ctx.clock.datetime_text
    rows = [
        ("Ticket", f"#{ticket.id}: {ticket.title}"),
        ("Status", ticket.status.replace("_", " ")),
        ("Alarm", ticket.source),
        ("Tag", ticket.tag),
        ("Area", ticket.area),
        ("Priority", ticket.priority),
        ("Assignee", ticket.assignee or "—"),
        ("Occurrences", f"{ticket.occurrences} (last {when(ticket.last_occurrence_ns)})"),
        ("Opened", when(ticket.opened_ns)),
        ("Started", when(ticket.started_ns) or "—"),
        ("Resolved", when(ticket.resolved_ns) or "—"),
        ("Closed", when(ticket.closed_ns) or "—"),
    ]
    table = "".join(f"<tr><td><b>{e(k)}</b></td><td>{e(v)}</td></tr>" for k, v in rows)
    notes = "".join(
        f"<li>{e(when(n.ts_ns))} <b>{e(n.author)}</b>: {e(n.text)}</li>" for n in ticket.notes
    )
    return (
        f"<table cellspacing='4'>{table}</table>"
        f"<h4>Cause</h4><p>{e(ticket.cause) or '<i>not documented</i>'}</p>"
        f"<h4>Corrective action</h4><p>{e(ticket.corrective_action) or '<i>not documented</i>'}</p>"
        f"<h4>Notes</h4><ul>{notes or '<li><i>none</i></li>'}</ul>"
    )
