"""The alarm console: active / shelved / out-of-service lists, the journal, the KPIs.

Operator actions (acknowledge, shelve, unshelve, comment, out of service, return to service)
are asked for here and run in workers: the engine writes its journal before it returns. A
refusal (no permission, invalid for the state, missing reason) is shown in the status line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QTabWidget, QVBoxLayout, QWidget

from hmi.context import HmiContext
from hmi.models.alarm_model import AlarmItem, AlarmSnapshot
from hmi.views.alarms.dialogs import ShelveDialog, TextDialog
from hmi.views.alarms.journal_page import JournalPage
from hmi.views.alarms.kpi_page import KpiPage
from hmi.views.alarms.list_page import AlarmListPage
from hmi.widgets.flow_layout import wrapped_height

log = logging.getLogger(__name__)


class AlarmConsole(QWidget):
    """Tabs of alarm lists, journal and KPIs; runs the operator actions."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.active = AlarmListPage(ctx, "active")
        self.shelved = AlarmListPage(ctx, "shelved")
        self.out_of_service = AlarmListPage(ctx, "out_of_service")
        self.journal = JournalPage(ctx)
        self.kpis = KpiPage(ctx)
        self.tabs.addTab(self.active, "Active")
        self.tabs.addTab(self.shelved, "Shelved")
        self.tabs.addTab(self.out_of_service, "Out of service")
        self.tabs.addTab(self.journal, "Journal")
        self.tabs.addTab(self.kpis, "KPIs")
        self.status = QLabel("")
        self.status.setObjectName("alarm_status")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        for page in (self.active, self.shelved, self.out_of_service):
            page.action_requested.connect(self.perform)
        ctx.bridge.alarms_changed.connect(self.show_snapshot)
        self.pending = 0
        self.show_snapshot(ctx.alarms.snapshot)
        self.tabs.currentChanged.connect(self._tab_changed)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height with the page's wrapped rows (a touch scroll area sizes by it)."""
        return wrapped_height(self.layout(), width)

    def show_snapshot(self, snapshot: AlarmSnapshot) -> None:
        """Refresh every list and the tab titles."""
        for page in (self.active, self.shelved, self.out_of_service):
            page.show_snapshot(snapshot)
        self.tabs.setTabText(0, f"Active ({len(snapshot.active())})")
        self.tabs.setTabText(1, f"Shelved ({self.shelved.model.rowCount()})")
        self.tabs.setTabText(2, f"Out of service ({self.out_of_service.model.rowCount()})")

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is self.journal and not self.journal.model.rowCount():
            self.journal.query()
        elif page is self.kpis and self.kpis.kpis is None:
            self.kpis.compute()

    def show_priority(self, priority: str) -> None:
        """Show the active list filtered on a priority ('' for all)."""
        self.tabs.setCurrentWidget(self.active)
        self.active.filter_priority(priority)

    # -- operator actions -----------------------------------------------------------------------
    def perform(self, action: str, items: list[AlarmItem]) -> None:
        """Ask what the action needs, then run it in a worker (as the logged-on user)."""
        if not self.ctx.require_login():
            self.status.setText(f"{action}: log on first")
            return
        source, user = self.ctx.alarms, self.ctx.user
        names = [i.name for i in items]
        first = names[0]
        work: Callable[[], Any] | None = None
        if action == "ack":
            work = lambda: source.acknowledge(names, user)  # noqa: E731
        elif action == "shelve":
            dialog = ShelveDialog(first, self)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                duration, reason = dialog.values()
                work = lambda: source.shelve(first, duration, reason, user)  # noqa: E731
        elif action == "unshelve":
            work = lambda: source.unshelve(first, user)  # noqa: E731
        elif action == "return_to_service":
            work = lambda: source.return_to_service(first, user)  # noqa: E731
        else:
            work = self._with_text(action, first)
        if work is not None:
            self.run(action, names, work)

    def _with_text(self, action: str, name: str) -> Callable[[], Any] | None:
        source, user = self.ctx.alarms, self.ctx.user
        if action == "comment":
            dialog = TextDialog(f"Comment on {name}", "Comment", "What you saw or did", self)
            if dialog.exec() == QDialog.DialogCode.Accepted:
                text = dialog.value()
                return lambda: source.comment(name, user, text)
        elif action == "remove_from_service":
            dialog = TextDialog(
                f"Take {name} out of service", "Reference", "Work order / permit number", self
            )
            if dialog.exec() == QDialog.DialogCode.Accepted:
                reference = dialog.value()
                return lambda: source.remove_from_service(name, reference, user)
        return None

    def run(self, action: str, names: list[str], work: Callable[[], Any]) -> None:
        """Run an action in a worker; report the outcome in the status line."""
        self.pending += 1
        self.status.setText(f"{action}: {', '.join(names)}…")
        self.ctx.workers.submit(
            work,
            lambda _result: self._done(action, names),
            lambda exc: self._failed(action, exc),
            context=self,
            name=f"alarm-{action}",
        )

    def _done(self, action: str, names: list[str]) -> None:
        self.pending -= 1
        self.status.setText(f"{action} done: {', '.join(names)}")
        self.ctx.nav.alarms_acted.emit()

    def _failed(self, action: str, exc: BaseException) -> None:
        self.pending -= 1
        self.status.setText(f"{action} refused: {exc}")
        log.info("alarm action %s refused: %s", action, exc)
