"""Reports: choose kind, period and scope, generate (in a worker), preview the pages, sign,
export as PDF or CSV, and the archive of generated reports with their verification state.

Everything goes through :class:`core.reports.ReportService`: generating records the file's
SHA-256 and audits it, signing re-authenticates the logged-on user and needs ``sign_reports``,
exporting needs ``export``; the core checks and audits, the view only hides what the user may
not do and says why. Nobody logged on: the view shows only how to log on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.analytics.energy.settings import energy_section
from core.config import ConfigError
from core.reports import ReportService
from core.security.roles import Permission
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.security.touch import fit_for_touch
from hmi.theme import set_property
from hmi.views.reports import jobs, register_report_icons
from hmi.views.reports.archive_panel import ArchivePanel, OpenPath
from hmi.views.reports.files import ArchiveEntry, FileState, ReportFolder
from hmi.views.reports.form import ReportForm
from hmi.views.reports.jobs import ReportFile
from hmi.views.reports.preview import ReportPreview
from hmi.views.reports.shown import ShownReport

log = logging.getLogger(__name__)

SavePath = Callable[[QWidget, str, str], Path | None]
"""``(parent, format, suggested file name) -> path`` (None: cancelled); injected in tests."""
TOUCH_HANDLE_PX = 16
"""Splitter handles a gloved finger can drag."""
LOGGED_OFF = "Log on to generate, sign and export reports and to see the archive."


def ask_save_path(parent: QWidget, fmt: str, suggested: str) -> Path | None:
    """The save dialog for a PDF or CSV file (the suffix is added when missing)."""
    pattern = "PDF (*.pdf)" if fmt == "pdf" else "CSV (*.csv)"
    name, _chosen = QFileDialog.getSaveFileName(parent, f"Export {fmt.upper()}", suggested, pattern)
    if not name:
        return None
    path = Path(name)
    return path if path.suffix.lower() == f".{fmt}" else path.with_name(f"{path.name}.{fmt}")


def ask_open_path(parent: QWidget) -> Path | None:
    """The open dialog for a report file to verify."""
    name, _chosen = QFileDialog.getOpenFileName(
        parent, "Verify a report file", "", "Reports (*.pdf *.csv)"
    )
    return Path(name) if name else None


class ReportsView(QWidget):
    """The report form, the preview with its actions, and the archive."""

    generated = Signal(object)
    """The :class:`~hmi.views.reports.jobs.ReportFile` of a finished generation."""

    def __init__(
        self,
        ctx: HmiContext,
        *,
        folder: Path | None = None,
        save_path: SavePath = ask_save_path,
        open_path: OpenPath = ask_open_path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        register_report_icons()
        self.ctx = ctx
        self.service = ReportService(ctx.historian, ctx.security, clock=ctx.security.clock)
        self.folder = ReportFolder.for_plant(ctx.config, folder)
        shifts = energy_section(ctx.config).shift_list()
        areas = [a.name for a in ctx.config.areas]
        self.form = ReportForm(ctx.clock, areas, shifts, ctx.security.clock)
        self.generate_button = icon_button("report_generate", "Generate")
        self.generate_button.setObjectName("report_generate")
        self.status = QLabel("")
        self.status.setObjectName("report_status")
        self.status.setWordWrap(True)
        self.preview = ReportPreview()
        self.shown = ShownReport(ctx, self.service, self.folder, self.preview, save_path, self)
        self.archive = ArchivePanel(ctx, self.service, self.folder, open_path)
        self.busy = False
        self._build()
        ctx.operator.changed.connect(self._user_changed)
        self._user_changed(ctx.operator.username)
        self._load_meters()

    def _request_panel(self) -> QScrollArea:
        """The form, "Generate" and its status, scrolling on short (touch) screens."""
        request = QGroupBox("New report")
        request.setObjectName("report_request")
        inner = QVBoxLayout(request)
        inner.addWidget(self.form)
        inner.addWidget(self.generate_button)
        inner.addWidget(self.status)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("report_request_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(request)
        return scroll

    def _splitters(self) -> QSplitter:
        """Form | shown report above, the archive below (both adjustable)."""
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.request_panel)
        top.addWidget(self.shown)
        top.setStretchFactor(1, 1)
        top.setSizes([380, 900])
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("reports_split")
        split.addWidget(top)
        split.addWidget(self.archive)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([520, 200])
        if self.ctx.touch:
            for splitter in (top, split):
                splitter.setHandleWidth(TOUCH_HANDLE_PX)
        return split

    def _build(self) -> None:
        self.request_panel = self._request_panel()
        heading = QLabel("Reports")
        heading.setProperty("role", "heading")
        column = QVBoxLayout(self)
        column.addWidget(heading)
        column.addWidget(self._splitters(), 1)
        self.generate_button.clicked.connect(self.generate)
        self.archive.chosen.connect(self.shown.open_entry)
        self.archive.loaded.connect(self._mark_shown)
        self.preview.expand_button.toggled.connect(self.expand_preview)
        self.shown.signed.connect(lambda _r: self.archive.refresh())
        self.shown.exported.connect(lambda _p: self.archive.refresh())
        fit_for_touch(self, self.ctx.touch)
        bar = self.request_panel.verticalScrollBar().sizeHint().width()
        request = self.request_panel.widget()
        self.request_panel.setMinimumWidth(request.sizeHint().width() + bar)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.ctx.operator.logged_on and not self.archive.model.rowCount():
            self.archive.refresh()

    def _load_meters(self) -> None:
        service = self.service
        self.ctx.workers.submit(
            lambda: jobs.meter_devices(service),
            self.form.set_meters,
            lambda exc: log.warning("energy meters not listed: %s", exc),
            context=self,
            name="report-meters",
        )

    def _user_changed(self, username: str) -> None:
        self.generate_button.setEnabled(bool(username))
        self.archive.set_enabled(bool(username))
        self.shown.user_changed()
        if not username:
            self.archive.clear()
            self.say(LOGGED_OFF)
        else:
            self.say("")
            if self.isVisible():
                self.archive.refresh()

    # -- generating -----------------------------------------------------------------------------
    def generate(self) -> None:
        """Generate the report of the form in a worker (recorded in the archive and audited)."""
        if self.busy or not self.ctx.require_login():
            return
        try:
            request = self.form.request(self.ctx.user)
        except ConfigError as exc:
            self.say(f"✖ {exc.message}", failed=True)
            return
        except ValueError as exc:
            self.say(f"✖ {exc}", failed=True)
            return
        self.busy = True
        self.generate_button.setEnabled(False)
        self.say(f"generating the {self.form.kind.currentText().lower()}…")
        service, folder = self.service, self.folder
        self.ctx.workers.submit(
            lambda: jobs.generate(service, folder, request),
            self._generated,
            self._failed,
            context=self,
            name="report-generate",
        )

    def _generated(self, report: ReportFile) -> None:
        self.busy = False
        self.generate_button.setEnabled(self.ctx.operator.logged_on)
        again = " (identical to the recorded file)" if report.reused else ""
        self.say(f"✔ report #{report.base.id} generated{again}")
        self.shown.show_file(report)
        self.archive.refresh()
        self.generated.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.generate_button.setEnabled(self.ctx.operator.logged_on)
        self.say(f"✖ report failed: {exc}", failed=True)

    def expand_preview(self, on: bool) -> None:
        """Give the preview the whole view (the form and the archive hidden) or share it."""
        self.request_panel.setVisible(not on)
        self.archive.setVisible(not on)
        self.preview.expand_button.setChecked(on)

    def _mark_shown(self) -> None:
        """Select the archive row of the report on screen (without opening it again)."""
        report = self.shown.report
        if report is not None:
            self.archive.select(report.record.id, quiet=True)

    # -- helpers --------------------------------------------------------------------------------
    def say(self, text: str, failed: bool = False) -> None:
        """The status line of the form."""
        self.status.setText(text)
        set_property(self.status, "result", "failed" if failed else "")

    def entry(self, report_id: int) -> ArchiveEntry | None:
        """The archive row of a report id (None when not shown)."""
        row = self.archive.model.row_of(report_id)
        return self.archive.model.record(row) if row >= 0 else None

    def state_of(self, report_id: int) -> FileState | None:
        """The verification state shown for a report id."""
        entry = self.entry(report_id)
        return entry.state if entry is not None else None

    def may_sign(self) -> bool:
        """True when the logged-on user's roles grant ``sign_reports``."""
        return self.ctx.operator.may(Permission.SIGN_REPORTS)
