"""Alarm-system KPIs (EEMUA 191 / ISA-18.2) of a period, beside their targets, with charts."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from core.alarms.kpi import AlarmKpis
from core.model import NS_PER_S, now_ns
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.theme import PRIORITY_COLOURS
from hmi.views.analytics.charts import AnalyticsPlot

PERIODS_S = (("Last 24 h", 86400), ("Last 7 d", 7 * 86400), ("Last 30 d", 30 * 86400))
PRIORITY_GROUPS = ("low", "medium", "high")
BAD_ACTORS_SHOWN = 10


COUNT_TICKS = 5
"""At most this many ticks (beyond zero) on a count axis."""


def count_step(largest: int) -> int:
    """A whole-number tick step (1, 2, 5, 10, 20, …) giving at most :data:`COUNT_TICKS` ticks
    from zero to ``largest``."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude * COUNT_TICKS >= largest:
                return factor * magnitude
        magnitude *= 10


def _pct(value: float) -> str:
    return f"{value:.1f} %"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} s"


def kpi_rows(k: AlarmKpis) -> list[tuple[str, str, str]]:
    """(figure, value, EEMUA 191 target) rows."""
    r = k.response
    return [
        ("Alarms in period", f"{k.total_alarms}", ""),
        ("Average per 10 min", f"{k.avg_per_10min:.2f}", "≤ 1 acceptable, ≤ 2 manageable"),
        ("Average per hour", f"{k.avg_per_hour:.1f}", "≤ 6 acceptable, ≤ 12 manageable"),
        ("Maximum per 10 min", f"{k.max_per_10min}", "≤ 10"),
        ("Time in flood", _pct(k.flood_pct), "< 1 %"),
        ("Top 10 share", _pct(k.top10_share_pct), "< 20 %"),
        ("Chattering alarms", f"{len(k.chattering)}", "0"),
        ("Fleeting activations", f"{k.fleeting_count}", "0"),
        ("Stale (standing > 24 h)", f"{len(k.stale)}", "< 5"),
        ("Shelved (now / in period)", f"{k.shelved_at_end} / {k.shelve_count}", "few, reviewed"),
        (
            "Out of service (now / in period)",
            f"{k.out_of_service_at_end} / {k.out_of_service_count}",
            "tracked with a reference",
        ),
        ("Response median / p90", f"{_secs(r.p50_s)} / {_secs(r.p90_s)}", ""),
        ("Unacknowledged at end", f"{r.unacknowledged}", ""),
    ]


class KpiPage(QWidget):
    """Period, "Compute", the figures, the priority distribution and the bad actors."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kpis: AlarmKpis | None = None
        self.period = QComboBox()
        for text, seconds in PERIODS_S:
            self.period.addItem(text, seconds)
        self.compute_button = icon_button("kpi", "Compute")
        self.compute_button.setObjectName("kpi_compute")
        self.compute_button.clicked.connect(self.compute)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.figures = QGridLayout()
        self.figures.setVerticalSpacing(2)  # thirteen rows: the touch panel's page stays whole
        self.priority_plot = self._bar_plot("kpi_priorities", "Priorities %: actual, guide (grey)")
        self.actor_plot = self._bar_plot("kpi_bad_actors", "Bad actors (activations)")
        self._build()
        self.task = BackgroundTask(ctx, self, "KPIs", self.status)

    def _bar_plot(self, name: str, title: str) -> AnalyticsPlot:
        """A still chart in the theme's colours, redrawn when the theme changes; its category
        labels are shortened and thinned to the room they have (the touch panel's type)."""
        plot = AnalyticsPlot(self.ctx.palette, name=name)
        plot.setTitle(title, color=plot.palette_.text)
        plot.setMouseEnabled(x=False, y=False)
        plot.setMinimumHeight(180)
        plot.redraw_hooks.append(self._redraw)
        return plot

    def _redraw(self) -> None:
        for plot in (self.priority_plot, self.actor_plot):
            plot.setTitle(plot.getPlotItem().titleLabel.text, color=plot.palette_.text)
        if self.kpis is not None:
            self._show_priorities(self.kpis)
            self._show_actors(self.kpis)

    def _build(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.period)
        bar.addWidget(self.compute_button)
        bar.addWidget(self.status, 1)
        box = QGroupBox("EEMUA 191 figures")
        box.setLayout(self.figures)
        charts = QVBoxLayout()
        charts.addWidget(self.priority_plot)
        charts.addWidget(self.actor_plot)
        row = QHBoxLayout()
        row.addWidget(box, 1)
        row.addLayout(charts, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(row, 1)

    def compute(self) -> None:
        """Compute the KPIs of the chosen period in a worker (the newest request wins)."""
        end = now_ns()
        start = end - int(self.period.currentData()) * NS_PER_S
        source = self.ctx.alarms
        self.task.run(lambda: source.kpis(start, end + 1), self._computed, "computing…")

    def _computed(self, kpis: AlarmKpis) -> None:
        self.kpis = kpis
        self.status.setText(f"{kpis.total_alarms} alarm(s) in the period")
        self._show_figures(kpis)
        self._show_priorities(kpis)
        self._show_actors(kpis)

    def _show_figures(self, kpis: AlarmKpis) -> None:
        while self.figures.count():
            item = self.figures.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for column, header in enumerate(("Figure", "Value", "Target")):
            label = QLabel(f"<b>{header}</b>")
            self.figures.addWidget(label, 0, column)
        for row, (name, value, target) in enumerate(kpi_rows(kpis), start=1):
            self.figures.addWidget(QLabel(name), row, 0)
            shown = QLabel(value)
            shown.setObjectName(f"kpi_value_{row}")
            self.figures.addWidget(shown, row, 1)
            caption = QLabel(target)
            caption.setProperty("role", "caption")
            self.figures.addWidget(caption, row, 2)

    def _show_priorities(self, kpis: AlarmKpis) -> None:
        plot = self.priority_plot
        plot.clear()
        x = np.arange(len(PRIORITY_GROUPS), dtype=float)
        actual = [kpis.priority_groups_pct.get(p, 0.0) for p in PRIORITY_GROUPS]
        guide = [kpis.guideline_pct.get(p, 0.0) for p in PRIORITY_GROUPS]
        brushes = [PRIORITY_COLOURS[p] for p in PRIORITY_GROUPS]
        plot.addItem(pg.BarGraphItem(x=x - 0.18, height=actual, width=0.34, brushes=brushes))
        plot.addItem(
            pg.BarGraphItem(x=x + 0.18, height=guide, width=0.34, brush=plot.palette_.grid)
        )
        plot.set_categories(PRIORITY_GROUPS)

    def _show_actors(self, kpis: AlarmKpis) -> None:
        """The worst alarms as horizontal bars, the worst on top, names on the left axis
        (shortened; the journal and the list have the full name)."""
        plot = self.actor_plot
        plot.clear()
        actors = kpis.bad_actors[:BAD_ACTORS_SHOWN]
        plot.hbars([a.alarm for a in actors], [float(a.count) for a in actors])
        step = count_step(max((a.count for a in actors), default=1))
        plot.getAxis("bottom").setTickSpacing(step, step)  # counts: whole-number ticks only
        plot.setToolTip("\n".join(f"{a.alarm}: {a.count}" for a in actors))
