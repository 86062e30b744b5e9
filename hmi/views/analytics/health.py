"""Health & RUL: a health score 0-100 per device with what it is made of (anomaly share, alarm
load, deviation from the hour-of-week baseline, data quality), uptime and availability, over a
period; below, the remaining useful life of a chosen health indicator.

Scores come from :func:`core.analytics.baseline.store.device_health` and
:func:`~core.analytics.baseline.store.device_availability`, computed in a worker. Normal is
grey; a score below :data:`LOW_SCORE` is marked by text ("low") and a darker bar, not by colour.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel, TextFilterProxy
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.views.analytics.common import PeriodPicker
from hmi.views.analytics.health_job import COMPONENTS, DeviceHealth, devices, health_report
from hmi.views.analytics.nav import register_analytics_icons
from hmi.views.analytics.rul_panel import RulPanel
from hmi.widgets.tables import make_table

log = logging.getLogger(__name__)

LOW_SCORE = 50.0
COMPONENT_TEXT = {
    "anomaly": "Anomaly",
    "alarms": "Alarm load",
    "deviation": "Deviation",
    "data_quality": "Data quality",
}


def score_text(score: float | None) -> str:
    """``87``, ``32 low`` or ``---`` (no data)."""
    if score is None:
        return "---"
    return f"{score:.0f}" + (" low" if score < LOW_SCORE else "")


def share_text(share: float | None) -> str:
    """A 0..1 share as a percentage (``---`` when unknown)."""
    return "---" if share is None else f"{share * 100:.1f} %"


def _key(value: float | None) -> float:
    return -1.0 if value is None else value


def _component(name: str) -> Column[DeviceHealth]:
    return Column(
        COMPONENT_TEXT[name],
        lambda r: score_text(r.component_score(name)),
        lambda r: _key(r.component_score(name)),
    )


def _health(r: DeviceHealth) -> float | None:
    return r.health.score if r.health is not None else None


def _uptime(r: DeviceHealth) -> float | None:
    return r.availability.uptime if r.availability is not None else None


def _available(r: DeviceHealth) -> float | None:
    return r.availability.availability if r.availability is not None else None


def _share(header: str, figure: Callable[[DeviceHealth], float | None]) -> Column[DeviceHealth]:
    return Column(header, lambda r: share_text(figure(r)), lambda r: _key(figure(r)))


def health_columns() -> list[Column[DeviceHealth]]:
    """Columns of the device table."""
    columns: list[Column[DeviceHealth]] = [
        Column("Device", lambda r: r.device),
        Column("Area", lambda r: r.area),
        Column("Health", lambda r: score_text(_health(r)), lambda r: _key(_health(r))),
    ]
    columns += [_component(name) for name in COMPONENTS]
    columns += [_share("Uptime", _uptime), _share("Availability", _available)]
    columns.append(Column("Note", lambda r: r.error))
    return columns


def detail_html(row: DeviceHealth) -> str:
    """The components of a device's score with their figures, weights and details."""
    e = html.escape
    if row.health is None:
        return f"<p><b>{e(row.device)}</b>: not scored ({e(row.error)}).</p>"
    lines = [
        f"<tr><td><b>{e(COMPONENT_TEXT.get(c.name, c.name))}</b></td>"
        f"<td>{e(score_text(c.score))}</td><td>weight {c.weight:.2f}</td><td>{e(c.detail)}</td></tr>"
        for c in row.health.components
    ]
    return (
        f"<p><b>{e(row.device)}</b>: health {e(score_text(row.health.score))} "
        "(weighted mean of the components with data)</p>"
        f"<table cellspacing='4'>{''.join(lines)}</table>"
    )


class HealthView(QWidget):
    """Device health with its components, availability, and remaining useful life."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        register_analytics_icons()
        self.ctx = ctx
        self.picker = PeriodPicker(ctx.clock, default="last 7 days")
        self.refresh_button = icon_button("refresh", "Score devices")
        self.model: RecordTableModel[DeviceHealth] = RecordTableModel(health_columns())
        self.proxy = TextFilterProxy()
        self.proxy.setSourceModel(self.model)
        self.table = make_table(self.proxy, "health_table", sort_column=2, descending=False)
        self.chart = AnalyticsPlot(ctx.palette, name="health_components")
        self.chart.redraw_hooks.append(self.draw)
        self.detail = QTextBrowser()
        self.detail.setObjectName("health_detail")
        self.rul = RulPanel(ctx)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.task = BackgroundTask(ctx, self, "device health", self.status)
        self._build()
        self.refresh_button.clicked.connect(self.refresh)
        self.picker.changed.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self.draw())

    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.picker)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(self.chart)
        side.addWidget(self.detail)
        top = QSplitter()
        top.addWidget(self.table)
        top.addWidget(side)
        top.setSizes([760, 420])
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(self.rul)
        split.setSizes([420, 330])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def showEvent(self, event: Any) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self.model.rowCount() and not self.task.busy:
            self.refresh()

    def refresh(self) -> int:
        """Score every device over the chosen period in a worker; returns the generation."""
        start, end = self.picker.period()
        if end <= start:
            self.task.say("the period ends before it starts", failed=True)
            return self.task.generation
        historian = self.ctx.historian
        work = lambda: health_report(historian, devices(historian), start, end)  # noqa: E731
        return self.task.run(work, self._loaded, "scoring device health…")

    def _loaded(self, rows: list[DeviceHealth]) -> None:
        self.model.update_records(rows)
        self.table.resizeColumnsToContents()
        low = sum(1 for r in rows if _key(_health(r)) >= 0 and _key(_health(r)) < LOW_SCORE)
        self.task.say(f"{len(rows)} device(s) scored, {low} below {LOW_SCORE:.0f}")
        self.draw()

    def selected(self) -> DeviceHealth | None:
        """The selected device's row."""
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.record(rows[0].row()) if rows else None

    def select_device(self, device: str) -> bool:
        """Select a device's row."""
        for row in range(self.proxy.rowCount()):
            if self.proxy.record(row).device == device:
                self.table.selectRow(row)
                return True
        return False

    def draw(self) -> None:
        """The selected device's component sub-scores as bars (low ones darker), its detail."""
        self.chart.clear()
        row = self.selected()
        if row is None:
            self.detail.setHtml("<p>Select a device to see what its score is made of.</p>")
            return
        scores = [row.component_score(name) for name in COMPONENTS]
        low = [k for k, s in enumerate(scores) if s is not None and s < LOW_SCORE]
        self.chart.set_categories([COMPONENT_TEXT[n] for n in COMPONENTS])
        self.chart.bars(scores, highlight=low)
        self.chart.setYRange(0, 100)
        self.chart.setTitle(f"{row.device}: component scores (100 = healthy)")
        self.detail.setHtml(detail_html(row))
