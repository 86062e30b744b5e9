"""Energy & CO2e: kWh and emissions per device, area or site over a period, per hour, day, week,
month or shift, with the emission factor and its source, the method (counter or power, and
their difference), gaps and counter events; bar charts and a CSV export.

The report is computed by :class:`core.analytics.energy.EnergyService` in a worker; the table
and charts show its figures unchanged (see :mod:`.energy_rows`): a sub-meter names the meter it
feeds from, a parent shows its unmetered remainder, and area/site totals count each kWh once.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.analytics.energy import EnergyReport, EnergyService
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.formatting import value_text
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.views.analytics.common import PeriodPicker
from hmi.views.analytics.energy_rows import (
    LEVELS,
    EnergyRow,
    figure,
    period_tick,
    plant_row,
    rows_for,
    top_rows,
    warnings,
    write_csv,
)
from hmi.views.analytics.nav import register_analytics_icons
from hmi.widgets.flow_layout import FlowBar, labelled, wrapped_height
from hmi.widgets.tables import MainColumnFit, make_table

log = logging.getLogger(__name__)

GROUPINGS = ("hour", "day", "week", "month", "shift")
QUANTITIES = {"kWh": 1, "kg CO2e": 2}
"""Chart quantity -> index in a row's ``(label, kWh, kg CO2e)`` period tuples."""
RECALC_DEBOUNCE_MS = 400


def number(value: float | None, digits: int = 3) -> str:
    """A figure for the table ('---' when there is none)."""
    return value_text(value, "", digits)


def _key(value: float | None) -> float:
    return -math.inf if value is None else value


def energy_columns() -> list[Column[EnergyRow]]:
    """Columns of the energy table."""
    return [
        Column("Name", lambda r: r.name),
        Column("Area", lambda r: r.area),
        Column("Site", lambda r: r.site),
        Column("kWh", lambda r: number(r.kwh), lambda r: _key(r.kwh)),
        Column("kg CO2e", lambda r: number(r.co2e_kg), lambda r: _key(r.co2e_kg)),
        Column("Feeds from", lambda r: r.parent),
        Column("Unmetered kWh", lambda r: number(r.remainder_kwh), lambda r: _key(r.remainder_kwh)),
        Column(
            "Factor", lambda r: "---" if r.factor is None else f"{r.factor:.4f} {r.factor_unit}"
        ),
        Column("Factor source", lambda r: r.factor_source, tooltip=lambda r: r.factor_source),
        Column("Method", lambda r: r.method),
        Column("Counter kWh", lambda r: number(r.counter), lambda r: _key(r.counter)),
        Column("Power kWh", lambda r: number(r.power_kwh), lambda r: _key(r.power_kwh)),
        Column(
            "Power vs counter", lambda r: _pct(r.difference_pct), lambda r: _key(r.difference_pct)
        ),
        Column("Coverage", lambda r: _pct(None if r.coverage is None else r.coverage * 100, False)),
        Column(
            "Gaps",
            lambda r: f"{r.gaps} ({r.gap_s / 60:.1f} min)" if r.gaps else "0",
            lambda r: r.gaps,
        ),
    ]


def _pct(value: float | None, signed: bool = True) -> str:
    if value is None:
        return "---"
    return f"{value:+.2f} %" if signed else f"{value:.1f} %"


class EnergyView(QWidget):
    """Energy and CO2e per device, area and site."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        register_analytics_icons()
        self.ctx = ctx
        self.report: EnergyReport | None = None
        self.picker = PeriodPicker(ctx.clock)
        self.grouping = self._combo("energy_by", GROUPINGS, "hour")
        self.level = self._combo("energy_level", LEVELS, "device")
        self.quantity = self._combo("energy_quantity", tuple(QUANTITIES), "kWh")
        self.calculate_button = icon_button("calculate", "Calculate")
        self.export_button = icon_button("export", "Export CSV…")
        self.export_button.setEnabled(False)
        self.model: RecordTableModel[EnergyRow] = RecordTableModel(energy_columns())
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "energy_table", stretch_column=8, sort_column=3)
        self.fit = MainColumnFit(self.table, 8)  # the factor source keeps a readable share
        self.period_chart = AnalyticsPlot(ctx.palette, name="energy_periods")
        self.total_chart = AnalyticsPlot(ctx.palette, name="energy_totals")
        self.caption = QLabel("")
        self.caption.setProperty("role", "heading")
        self.caption.setWordWrap(True)
        self.warnings = QPlainTextEdit()
        self.warnings.setObjectName("energy_warnings")
        self.warnings.setReadOnly(True)
        self.warnings.setMaximumHeight(110)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.status.setWordWrap(True)
        self.task = BackgroundTask(ctx, self, "energy report", self.status)
        self.export_task = BackgroundTask(ctx, self, "energy export", self.status)
        self._recalc = QTimer(self)
        self._recalc.setSingleShot(True)
        self._recalc.timeout.connect(self.calculate)
        self._build()
        self._connect()

    def _combo(self, name: str, items: tuple[str, ...], current: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.addItems(list(items))
        combo.setCurrentText(current)
        return combo

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt API)
        """The minimum height with the bars' wrapped rows (a touch scroll area sizes by it)."""
        return wrapped_height(self.layout(), width)

    def _build(self) -> None:
        bar = FlowBar([self.picker])
        for text, widget in (("by", self.grouping), ("per", self.level), ("chart", self.quantity)):
            bar.add(labelled(text, widget))
        bar.add(self.calculate_button)
        bar.add(self.export_button)
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.period_chart)
        charts.addWidget(self.total_chart)
        rows = QWidget()  # the table, its gaps and warnings below it
        column = QVBoxLayout(rows)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.table, 1)
        column.addWidget(QLabel("Gaps and warnings"))
        column.addWidget(self.warnings)
        split = QSplitter()
        split.addWidget(rows)
        split.addWidget(charts)
        split.setChildrenCollapsible(False)
        split.setSizes([720, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(bar)
        layout.addWidget(self.caption)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def _connect(self) -> None:
        self.calculate_button.clicked.connect(self.calculate)
        self.export_button.clicked.connect(self.ask_export)
        self.picker.changed.connect(lambda: self._recalc.start(RECALC_DEBOUNCE_MS))
        self.grouping.currentTextChanged.connect(lambda _t: self._recalc.start(RECALC_DEBOUNCE_MS))
        self.level.currentTextChanged.connect(lambda _t: self.show_rows())
        self.quantity.currentTextChanged.connect(lambda _t: self.draw())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.draw())
        for chart in (self.period_chart, self.total_chart):
            chart.redraw_hooks.append(self.draw)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.report is None and not self.task.busy:
            self.calculate()

    # -- computing ------------------------------------------------------------------------------
    def calculate(self) -> int:
        """Compute the report for the chosen window and grouping in a worker; returns the
        request's generation."""
        self._recalc.stop()
        start, end = self.picker.period()
        by = self.grouping.currentText()
        if end <= start:
            self.task.say("the period ends before it starts", failed=True)
            return self.task.generation
        historian = self.ctx.historian

        def work() -> EnergyReport:
            return EnergyService.for_historian(historian).report(start, end, by)  # type: ignore[arg-type]

        return self.task.run(work, self._loaded)

    def _loaded(self, report: EnergyReport) -> None:
        self.report = report
        when = self.ctx.clock.datetime_text
        self.caption.setText(
            f"{when(report.start_ns)} to {when(report.end_ns)} ({report.timezone}), by "
            f"{report.by}; emission factors: {report.table_version}"
        )
        self.warnings.setPlainText("\n".join(warnings(report, when)) or "No gaps or warnings.")
        self.export_button.setEnabled(True)
        self.show_rows()
        self.task.say(
            f"{len(report.meters)} meter(s); computed at {self.ctx.clock.time_text(report.end_ns)}"
        )

    def show_rows(self) -> None:
        """Fill the table with the rows of the chosen level."""
        if self.report is None:
            return
        self.model.set_records(rows_for(self.report, self.level.currentText()))
        self.draw()

    # -- charts ---------------------------------------------------------------------------------
    def selected(self) -> EnergyRow | None:
        """The selected row (None: nothing selected)."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def draw(self) -> None:
        """Bars per period of the selected row (the plant when none), and the rows' totals."""
        for chart in (self.period_chart, self.total_chart):
            chart.clear()
        if self.report is None:
            return
        index, unit = QUANTITIES[self.quantity.currentText()], self.quantity.currentText()
        row = self.selected() or plant_row(self.report)
        by = self.report.by
        self.period_chart.set_categories([period_tick(p[0], by) for p in row.periods])
        self.period_chart.bars([p[1] if index == 1 else p[2] for p in row.periods])
        self.period_chart.setTitle(f"{row.name}: {unit} per {by}")
        records = self.model.records
        top = top_rows(records, index)
        chosen = [k for k, r in enumerate(top) if r is row]
        self.total_chart.hbars([r.name for r in top], [figure(r, index) for r in top], chosen)
        level = self.level.currentText()
        shown = f"top {len(top)} of {len(records)}" if len(top) < len(records) else "all"
        self.total_chart.setTitle(f"{unit} per {level} ({shown})")

    # -- export ---------------------------------------------------------------------------------
    def ask_export(self) -> None:
        """Ask where to save the CSV."""
        path, _ = QFileDialog.getSaveFileName(
            self, "Export energy CSV", "energy.csv", "CSV (*.csv)"
        )
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> int:
        """Write the current report as CSV in a worker (the same rows ``controldeck energy``
        prints); returns the request's generation."""
        report = self.report
        if report is None:
            self.export_task.say("nothing to export yet", failed=True)
            return self.export_task.generation
        return self.export_task.run(
            lambda: write_csv(report, path),
            lambda n: self.export_task.say(f"exported {n} row(s) to {path}"),
        )
