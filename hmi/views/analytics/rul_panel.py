"""Remaining useful life of a health indicator (vibration RMS, a bearing temperature...) until a
failure threshold, with its uncertainty band, estimated in a worker by :mod:`core.analytics.rul`.

The chart shows the indicator, the threshold (a dashed horizontal line) and the failure band
(a shaded region from the band's lower to its upper end, the estimate as a dashed line). The x
range reaches at most :data:`REACH_SPANS` times the data's own span past the last sample: a
failure far away would squash the data to a sliver. What lies beyond is said at the right edge
(``failure (estimate) in 212.4 d, at … →``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from core.analytics.rul import RulEstimate
from core.model import NS_PER_S, now_ns
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.views.analytics.health_job import RUL_LEVEL, RulOutcome, rul_report

log = logging.getLogger(__name__)

DAY_S = 86_400.0
REACH_SPANS = 2.0
"""How far the chart reaches past the last sample, in spans of the data shown."""
MIN_SPAN_S = 3600.0


def life_text(seconds: float) -> str:
    """A remaining life: ``3.2 d``, ``7.5 h``, ``now`` (already past) or ``never`` (no trend)."""
    if not math.isfinite(seconds):
        return "never (on this trend)"
    if seconds <= 0:
        return "now (past the threshold)"
    if seconds >= 2 * DAY_S:
        return f"{seconds / DAY_S:.1f} d"
    return f"{seconds / 3600:.1f} h"


def span_text(seconds: float) -> str:
    """An end of the uncertainty band: ``0 h``, ``7.5 h``, ``3.2 d`` or ``never``."""
    if not math.isfinite(seconds):
        return "never"
    return life_text(seconds) if seconds > 0 else "0 h"


def visible_x_range(first: float, last: float, band_end: float) -> tuple[float, float]:
    """The chart's x range (s): the data and the failure band up to ``band_end``, but no further
    than :data:`REACH_SPANS` spans of the data past its last sample."""
    reach = last + REACH_SPANS * max(last - first, MIN_SPAN_S)
    return first, min(max(band_end, last), reach)


def off_chart_text(est: RulEstimate, right_s: float, last_s: float, when: str) -> str:
    """What of the estimate lies right of the chart (``right_s``), or "" when all is shown."""
    band = f"{est.level:.0%} band to {span_text(est.upper_s)}"
    if last_s + est.time_to_failure_s > right_s:
        return f"failure (estimate) in {life_text(est.time_to_failure_s)}, at {when}; {band} →"
    if last_s + est.upper_s > right_s:
        return f"{band} →"
    return ""


def rul_summary(outcome: RulOutcome, when: Callable[[int], str]) -> str:
    """The estimate in one paragraph: life, band, status, model and fit (times by ``when``)."""
    est = outcome.estimate
    at = f", at {when(est.failure_ts_ns)}" if est.failure_ts_ns else ""
    target = f"{est.threshold:g} {outcome.unit}".strip()
    return (
        f"{outcome.tag}: remaining useful life {life_text(est.time_to_failure_s)}{at}; "
        f"{est.level:.0%} band {span_text(est.lower_s)} to {span_text(est.upper_s)}; "
        f"status {est.status}. Model {est.model} (R² {est.quality.r_squared:.2f}, "
        f"{est.quality.samples} {outcome.source}, {est.replicates} bootstrap replicates) "
        f"towards {target}."
    )


class RulPanel(QWidget):
    """Indicator, threshold and window in; remaining life, band and chart out."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.outcome: RulOutcome | None = None
        self.off_chart: pg.TextItem | None = None
        """The note of what lies right of the chart (None: everything is shown)."""
        self.indicator = QComboBox()
        self.indicator.setObjectName("rul_indicator")
        self.indicator.setEditable(True)
        self.indicator.setMinimumWidth(240)
        self.indicator.addItems([t.name for t in ctx.registry])
        self.threshold = QDoubleSpinBox()
        self.threshold.setObjectName("rul_threshold")
        self.threshold.setRange(-1e9, 1e9)
        self.threshold.setDecimals(3)
        self.lookback = QComboBox()
        self.lookback.setObjectName("rul_lookback")
        for days in (7, 30, 90):
            self.lookback.addItem(f"last {days} days", days)
        self.estimate_button = icon_button("calculate", "Estimate RUL")
        self.result = QLabel("Choose a health indicator and its failure threshold.")
        self.result.setObjectName("rul_result")
        self.result.setWordWrap(True)
        offset = ctx.clock.utc_offset_s(now_ns())
        self.chart = AnalyticsPlot(ctx.palette, name="rul_chart", utc_offset_s=offset)
        self.chart.redraw_hooks.append(self.draw)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.task = BackgroundTask(ctx, self, "RUL", self.status)
        self._build()
        self.estimate_button.clicked.connect(lambda _checked=False: self.estimate())

    def _build(self) -> None:
        bar = QHBoxLayout()
        for text, widget in (
            ("Indicator", self.indicator),
            ("fails at", self.threshold),
            ("from the", self.lookback),
        ):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.estimate_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.result)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.status)

    def choose(self, tag: str, threshold: float, days: int) -> None:
        """Set the indicator, threshold and look-back (as the operator would)."""
        self.indicator.setCurrentText(tag)
        self.threshold.setValue(threshold)
        self.lookback.setCurrentIndex(self.lookback.findData(days))

    def history_window(self, now: int | None = None) -> tuple[int, int]:
        """The look-back window ending now."""
        end = now if now is not None else now_ns()
        return end - int(self.lookback.currentData()) * int(DAY_S) * NS_PER_S, end

    def estimate(self, now: int | None = None) -> int:
        """Estimate in a worker; returns the request's generation."""
        tag, threshold = self.indicator.currentText().strip(), self.threshold.value()
        start, end = self.history_window(now)
        historian = self.ctx.historian
        work = lambda: rul_report(historian, tag, threshold, start, end)  # noqa: E731
        return self.task.run(work, self._estimated, f"estimating the RUL of {tag}…")

    def _estimated(self, outcome: RulOutcome) -> None:
        self.outcome = outcome
        self.result.setText(rul_summary(outcome, self.ctx.clock.datetime_text))
        self.draw()
        self.task.say(f"{len(outcome.values)} {outcome.source} of {outcome.tag}")

    def draw(self) -> None:
        """Indicator, threshold and the failure band (clamped; the rest said at the edge)."""
        self.chart.clear()
        self.off_chart = None
        outcome = self.outcome
        if outcome is None:
            return
        est = outcome.estimate
        x = outcome.ts_ns / NS_PER_S
        self.chart.line(x, outcome.values)
        self.chart.marker(est.threshold, f"threshold {est.threshold:g}", vertical=False)
        low = min(float(outcome.values.min()), est.threshold)
        high = max(float(outcome.values.max()), est.threshold)
        self.chart.setYRange(low, high, padding=0.05)
        first, last = float(x[0]), float(x[-1])
        if math.isfinite(est.time_to_failure_s) and est.time_to_failure_s > 0:
            upper = est.upper_s if math.isfinite(est.upper_s) else est.time_to_failure_s * 2
            self.chart.region(last + est.lower_s, last + upper, f"{est.level:.0%} band", 0.12)
            self.chart.marker(last + est.time_to_failure_s, "failure (estimate)")
            left, right = visible_x_range(first, last, last + upper)
            self.chart.setXRange(left, right, padding=0.02)
            when = self.ctx.clock.datetime_text(est.failure_ts_ns)
            self._note_off_chart(off_chart_text(est, right, last, when), right, (low + high) / 2)
        self.chart.setLabel("left", outcome.unit or "value")
        self.chart.setTitle(f"{outcome.tag}: {RUL_LEVEL:.0%} band of the failure time")

    def _note_off_chart(self, text: str, x: float, y: float) -> None:
        if not text:
            return
        note = pg.TextItem(text, color=self.chart.palette_.text, anchor=(1, 0.5))
        note.setPos(x, y)
        self.chart.addItem(note, ignoreBounds=True)
        self.off_chart = note
