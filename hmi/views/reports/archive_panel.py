"""The archive of generated reports: every row of the ``reports`` table with its file's
verification state, a text filter, "Verify" (re-checks the selected file in a worker),
"Refresh" (reads the
archive again and checks every file) and "Verify a file…" (any report file, e.g. one received by e-mail).

Choosing a row (a click or a tap: no right-click or hover needed) asks the view to preview it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.reports import ReportService, Verification
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import TextFilterProxy
from hmi.theme import set_property
from hmi.views.reports.archive_model import ArchiveModel
from hmi.views.reports.files import (
    ArchiveEntry,
    FileState,
    ReportFolder,
    check,
    describe,
    load_archive,
    verify_file,
)
from hmi.widgets.tables import make_table, scaled_width, set_column_widths, widen_to_headers

log = logging.getLogger(__name__)

OpenPath = Callable[[QWidget], Path | None]
"""Asks for a report file to verify (None: cancelled); injected in tests."""
COLUMN_WIDTHS = (50, 150, 70, 270, 110, 160, 100, 200, 150)
"""Widths before the first rows arrive (then the columns fit their contents)."""
MAX_COLUMN_WIDTH = 280
"""The widest a column fitted to its contents gets, at the desk's type."""


class ArchivePanel(QWidget):
    """Archive rows, their states and the verify actions."""

    chosen = Signal(object)
    """An :class:`ArchiveEntry` the user picked (to preview)."""
    loaded = Signal()
    checked = Signal(object)
    """A re-checked :class:`ArchiveEntry`."""
    file_verified = Signal(object)
    """The :class:`~core.reports.Verification` of a file chosen with "Verify a file…"."""

    def __init__(
        self,
        ctx: HmiContext,
        service: ReportService,
        folder: ReportFolder,
        open_path: OpenPath,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.service, self.folder, self.open_path = ctx, service, folder, open_path
        self.model = ArchiveModel(ctx.clock)
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "report_archive", sort_column=0)
        set_column_widths(self.table, COLUMN_WIDTHS)
        self.search = QLineEdit()
        self.search.setObjectName("archive_search")
        self.search.setPlaceholderText("filter the archive…")
        self.refresh_button = icon_button("refresh", "Refresh")
        self.refresh_button.setObjectName("archive_refresh")
        self.refresh_button.setToolTip("Read the archive again and check every file")
        self.verify_button = icon_button("report_verify", "Verify")
        self.verify_button.setObjectName("archive_verify")
        self.verify_file_button = QPushButton("Verify a file…")
        self.verify_file_button.setObjectName("archive_verify_file")
        self.status = QLabel("")
        self.status.setObjectName("archive_status")
        self.status.setWordWrap(True)
        self.loading = False
        self.stale = False
        """A refresh was asked for while one was reading: read again when it ends."""
        self.checking: set[int] = set()
        self._build()

    def _build(self) -> None:
        bar = QHBoxLayout()
        heading = QLabel("Archive")
        heading.setProperty("role", "heading")
        bar.addWidget(heading)
        bar.addWidget(self.search, 1)
        for button in (
            self.refresh_button,
            self.verify_button,
            self.verify_file_button,
        ):
            bar.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(bar)
        column.addWidget(self.table, 1)
        column.addWidget(self.status)
        self.search.textChanged.connect(self.proxy.set_text)
        self.refresh_button.clicked.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify_selected)
        self.verify_file_button.clicked.connect(self.ask_verify_file)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.clicked.connect(lambda index: self.chosen.emit(self.proxy.record(index.row())))
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        """Actions need a logged-on user."""
        for widget in (
            self.refresh_button,
            self.verify_button,
            self.verify_file_button,
        ):
            widget.setEnabled(enabled)

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the archive and check every file (in a worker). Asked while a read is under
        way (which may have missed the newest report), it reads again once that one ends."""
        if self.loading:
            self.stale = True
            return
        self.loading, self.stale = True, False
        self.say("reading the archive and checking the files…")
        service, folder = self.service, self.folder
        self.ctx.workers.submit(
            lambda: load_archive(service, folder),
            self._loaded,
            self._failed,
            context=self,
            name="report-archive",
        )

    def _loaded(self, entries: list[ArchiveEntry]) -> None:
        self.loading = False
        if self.stale:
            self.refresh()
            return
        chosen = self.selected()
        self.model.set_records(entries)
        self._fit_columns()
        bad = sum(e.state is not FileState.VERIFIED for e in entries)
        summary = f"{bad} not verified" if bad else "all verified"
        self.say(f"{len(entries)} report file(s), {summary}", failed=bad > 0)
        if chosen is not None:
            self.select(chosen.record.id, quiet=True)
        self.loaded.emit()

    def _fit_columns(self) -> None:
        """Size the columns to what they show (long signature lists are capped, at a width
        that grows with the type), never narrower than their header text."""
        cap = scaled_width(self.table, MAX_COLUMN_WIDTH)
        for column in range(self.model.columnCount() - 1):
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), cap))
        widen_to_headers(self.table)

    def clear(self) -> None:
        """Show nothing (nobody logged on)."""
        self.model.set_records([])
        self.say("")

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        if self.stale:
            self.refresh()
            return
        self.say(f"✖ {exc}", failed=True)

    # -- selection ------------------------------------------------------------------------------
    def selected(self) -> ArchiveEntry | None:
        """The entry of the selected row (None when none is)."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def select(self, report_id: int, quiet: bool = False) -> bool:
        """Select the row of a report id (``quiet``: without asking for a preview)."""
        for row in range(self.proxy.rowCount()):
            entry = self.proxy.record(row)
            if entry.record.id == report_id:
                already = self.selected() is entry
                self.blockSignals(quiet)
                self.table.selectRow(row)
                self.blockSignals(False)
                self.table.scrollTo(self.proxy.index(row, 0))
                if already and not quiet:
                    self.chosen.emit(entry)
                return True
        return False

    def _selected(self, _new: QItemSelection, _old: QItemSelection) -> None:
        entry = self.selected()
        if entry is not None:
            self.chosen.emit(entry)

    # -- verifying ------------------------------------------------------------------------------
    def verify_selected(self) -> None:
        """Re-check the selected row's file in a worker."""
        entry = self.selected()
        if entry is None:
            self.say("Choose a report in the archive first.", failed=True)
            return
        self.verify(entry)

    def verify(self, entry: ArchiveEntry) -> None:
        """Re-check one row's file in a worker."""
        record = entry.record
        if record.id in self.checking:
            return
        self.checking.add(record.id)
        self.say(f"checking report #{record.id}…")
        service, folder = self.service, self.folder
        self.ctx.workers.submit(
            lambda: check(service, folder, record),
            self._checked,
            lambda exc: self._check_failed(record.id, exc),
            context=self,
            name="report-verify",
        )

    def _checked(self, entry: ArchiveEntry) -> None:
        self.checking.discard(entry.record.id)
        self.model.replace_entry(entry)
        mark = "✔" if entry.state is FileState.VERIFIED else "✖"
        self.say(f"{mark} {describe(entry)}", failed=entry.state is not FileState.VERIFIED)
        self.checked.emit(entry)

    def _check_failed(self, report_id: int, exc: BaseException) -> None:
        self.checking.discard(report_id)
        self.say(f"✖ report #{report_id}: {exc}", failed=True)

    def ask_verify_file(self) -> None:
        """Ask for any report file and check it against the store."""
        path = self.open_path(self)
        if path is not None:
            self.verify_path(path)

    def verify_path(self, path: Path) -> None:
        """Check a file (in a worker); the outcome goes to the status line."""
        service = self.service
        self.say(f"checking {path}…")
        self.ctx.workers.submit(
            lambda: verify_file(service, path),
            lambda outcome: self._file_verified(path, outcome),
            self._failed,
            context=self,
            name="report-verify-file",
        )

    def _file_verified(self, path: Path, outcome: Verification) -> None:
        lines = outcome.describe()
        self.say(f"{path.name}: {lines[-1]}\n" + "\n".join(lines[:-1]), failed=not outcome.ok)
        self.file_verified.emit(outcome)

    def say(self, text: str, failed: bool = False) -> None:
        """The status line under the table."""
        self.status.setText(text)
        set_property(self.status, "result", "failed" if failed else "")
