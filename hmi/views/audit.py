"""Audit: the hash-chained audit trail with filters, chain verification and CSV export.

Rows are read in a worker for the chosen period and filtered by user, action and outcome
(:mod:`hmi.security.audit_query`); the text box filters what is shown. "Verify chain" runs
:meth:`core.security.audit.AuditTrail.verify` in a worker and shows "intact" or the first broken
link (and selects it). "Export CSV" needs the ``export`` permission, scrubs device identifiers
and is itself audited. Nobody logged on: the view shows nothing but how to log on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.security.chain import VerifyReport
from core.security.events import AuditRecord
from core.security.roles import Permission
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import RecordTableModel, TextFilterProxy
from hmi.security.access import AccessContext, access_of
from hmi.security.audit_query import (
    KNOWN_ACTIONS,
    KNOWN_OUTCOMES,
    PERIODS,
    AuditFilter,
    AuditPage,
    export_audit,
    select_records,
)
from hmi.security.audit_table import audit_columns, filter_menu, refill_menu
from hmi.security.touch import KeypadPopup, fit_for_touch
from hmi.theme import set_property
from hmi.widgets.flow_layout import FlowBar, labelled, wrapped_height
from hmi.widgets.tables import make_table, set_column_widths

LOGGED_OFF = "Log on to see the audit trail."
COLUMN_WIDTHS = (60, 150, 100, 110, 100, 130, 150, 170, 150, 100)
"""Initial widths of every column but the last (Detail stretches), at the desk's type size."""


class AuditView(QWidget):
    """Filters, the audit rows, verification and export."""

    verified = Signal(object)
    """The :class:`~core.security.chain.VerifyReport` of a finished verification."""

    def __init__(self, ctx: HmiContext | AccessContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access = access_of(ctx)
        self.model: RecordTableModel[AuditRecord] = RecordTableModel(audit_columns(access))
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(
            self.proxy, "audit", stretch_column=10, sort_column=0, descending=False
        )
        set_column_widths(self.table, COLUMN_WIDTHS)
        self.period = QComboBox()
        self.period.setObjectName("audit_period")
        for text, seconds in PERIODS:
            self.period.addItem(text, seconds)
        self.period.setCurrentIndex(2)
        self.user = filter_menu("audit_user", "All users", ())
        self.action = filter_menu("audit_action", "All actions", KNOWN_ACTIONS)
        self.outcome = filter_menu("audit_outcome", "All outcomes", KNOWN_OUTCOMES)
        self.search = QLineEdit()
        self.search.setPlaceholderText("filter the rows shown…")
        self.refresh_button = icon_button("refresh", "Refresh")
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setObjectName("audit_verify")
        self.verdict = QLabel("Chain not verified yet.")
        self.verdict.setObjectName("audit_verdict")
        self.verdict.setWordWrap(True)
        self.seq = QLineEdit()
        self.seq.setObjectName("audit_seq")
        self.seq.setPlaceholderText("seq")
        self.seq.setValidator(QIntValidator(1, 2_000_000_000, self.seq))
        self.seq.setMaximumWidth(120)
        self.keypad_button = QPushButton("Keypad")
        self.keypad_button.setObjectName("audit_keypad")
        self.export_button = icon_button("export", "Export CSV…")
        self.export_button.setObjectName("audit_export")
        self.count = QLabel("")
        self.count.setObjectName("audit_count")
        self.count.setProperty("role", "caption")
        self.status = QLabel("")
        self.status.setObjectName("audit_status")
        self.status.setWordWrap(True)
        self.report: VerifyReport | None = None
        self.page: AuditPage | None = None
        self.keypad: KeypadPopup | None = None
        self.busy = self.verifying = False
        self._build()
        access.operator.changed.connect(self._user_changed)
        self._user_changed(access.operator.username)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height with the bars' wrapped rows (a touch scroll area sizes by it)."""
        return wrapped_height(self.layout(), width)

    def _build(self) -> None:
        filters = FlowBar()
        for label, widget in (
            ("Period", self.period),
            ("User", self.user),
            ("Action", self.action),
            ("Outcome", self.outcome),
        ):
            filters.add(labelled(label, widget))
        self.search.setMinimumWidth(200)
        filters.add(self.search)  # takes what is left of its row
        filters.add(self.refresh_button)
        checks = QHBoxLayout()
        checks.addWidget(self.verify_button)
        checks.addWidget(self.verdict, 1)
        checks.addWidget(
            FlowBar([labelled("Go to seq", self.seq), self.keypad_button, self.export_button])
        )
        column = QVBoxLayout(self)
        heading = QLabel("Audit trail")
        heading.setProperty("role", "heading")
        column.addWidget(heading)
        column.addWidget(filters)
        column.addWidget(self.table, 1)
        counts = QHBoxLayout()
        counts.addWidget(self.count)
        counts.addWidget(self.status, 1)
        column.addLayout(counts)
        column.addLayout(checks)
        for combo in (self.period, self.user, self.action, self.outcome):
            combo.activated.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(self.proxy.set_text)
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.seq.returnPressed.connect(lambda: self.go_to_seq(int(self.seq.text() or 0)))
        self.keypad_button.clicked.connect(self.open_keypad)
        self.export_button.clicked.connect(self.ask_export)
        self.keypad_button.setVisible(self.access.touch())
        fit_for_touch(self, self.access.touch())

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self.refresh()

    def _user_changed(self, username: str) -> None:
        for widget in (self.verify_button, self.export_button, self.refresh_button):
            widget.setEnabled(bool(username))
        self.export_button.setVisible(self.access.may(Permission.EXPORT))
        if not username:
            self.model.set_records([])
            self.count.setText(LOGGED_OFF)
        elif self.isVisible():
            self.refresh()

    # -- reading --------------------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        """The filter chosen in the bar."""
        return AuditFilter(
            self.period.currentData(),
            self.user.currentData() or "",
            self.action.currentData() or "",
            self.outcome.currentData() or "",
        )

    def refresh(self) -> None:
        """Read the rows of the period in a worker and apply the filters."""
        if self.busy or not self.access.operator.logged_on:
            return
        self.busy = True
        audit, wanted, now_ns = self.access.security.audit, self.current_filter(), self.access.now()
        self.access.submit(
            lambda: select_records(audit.records(wanted.start_ns(now_ns)), wanted),
            self._loaded,
            self._failed,
            context=self,
            name="audit",
        )

    def _loaded(self, page: AuditPage) -> None:
        self.busy = False
        if not self.access.operator.logged_on:
            return
        self.page = page
        self.model.set_records(page.records)
        self.table.scrollToBottom()
        refill_menu(self.user, page.users)
        refill_menu(self.action, page.actions)
        shown = f"newest {len(page.records):,} of " if page.truncated else ""
        self.count.setText(f"{shown}{page.matched:,} row(s)")

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.status.setText(f"Refused: {exc}")
        set_property(self.status, "result", "refused")

    def go_to_seq(self, seq: int) -> bool:
        """Select the row with this seq when it is shown."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.record(row).seq == seq:
                self.table.selectRow(row)
                self.table.scrollTo(self.proxy.index(row, 0))
                return True
        return False

    def open_keypad(self) -> KeypadPopup:
        """The numeric keypad for the seq field (touch panels)."""
        self.keypad = KeypadPopup(self.seq, "Go to seq", self)
        self.keypad.accepted.connect(lambda: self.go_to_seq(int(self.seq.text() or 0)))
        self.keypad.setModal(True)
        self.keypad.show()
        return self.keypad

    # -- verification ---------------------------------------------------------------------------
    def verify(self) -> None:
        """Verify the chain and its external checkpoint in a worker."""
        if self.verifying or not self.access.operator.logged_on:
            return
        self.verifying = True
        self.verify_button.setEnabled(False)
        self.verdict.setText("verifying…")
        set_property(self.verdict, "result", "")
        audit = self.access.security.audit
        self.access.submit(
            audit.verify, self._verified, self._verify_failed, context=self, name="verify"
        )

    def _verified(self, report: VerifyReport) -> None:
        self.verifying = False
        self.verify_button.setEnabled(True)
        self.report = report
        mark = "✔" if report.ok else "✖"
        self.verdict.setText(f"{mark} {report.describe()}")
        set_property(self.verdict, "result", "confirmed" if report.ok else "failed")
        if report.first_bad_seq is not None:
            self.seq.setText(str(report.first_bad_seq))
            self.go_to_seq(report.first_bad_seq)
        self.verified.emit(report)

    def _verify_failed(self, exc: BaseException) -> None:
        self.verifying = False
        self.verify_button.setEnabled(True)
        self.verdict.setText(f"✖ verification failed: {exc}")
        set_property(self.verdict, "result", "failed")

    # -- export ---------------------------------------------------------------------------------
    def ask_export(self) -> None:
        """Ask where to write the rows of the current filter, then export them."""
        path, _kind = QFileDialog.getSaveFileName(
            self, "Export the audit trail", "audit.csv", "CSV (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write every row matching the filter to ``path`` (``export`` permission, audited)."""
        if not self.access.operator.logged_on:
            return
        security, wanted, now_ns = self.access.security, self.current_filter(), self.access.now()
        user, station = self.access.operator.username, self.access.station

        def export() -> int:
            return export_audit(security, wanted, now_ns, path, user, station)

        self.access.submit(
            export,
            lambda n: self._exported(path, n),
            self._failed,
            context=self,
            name="audit-export",
        )

    def _exported(self, path: Path, count: int) -> None:
        self.status.setText(f"✔ {count:,} row(s) written to {path}")
        set_property(self.status, "result", "")
        self.refresh()
