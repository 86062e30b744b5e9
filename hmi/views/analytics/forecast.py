"""Forecast: a tag's hourly mean or a device's hourly energy for the next 24 hours or 7 days,
fitted in a worker by the core's backtest-weighted ensemble; history, forecast and prediction
interval on one chart; backtest MASE and sMAPE of the ensemble, of each member and of the
seasonal-naive reference, the member weights, and insight sentences with their sources.
"""

from __future__ import annotations

import html
import logging
import math
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from core.analytics.energy import energy_section, plant_meters
from core.analytics.forecast import NAIVE, Forecast
from core.model import NS_PER_S, now_ns
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.icons import icon_button
from hmi.models.records import Column, RecordTableModel
from hmi.views.analytics.charts import AnalyticsPlot
from hmi.views.analytics.forecast_job import (
    HORIZONS,
    ForecastOutcome,
    ForecastRequest,
    horizon_named,
    hour_floor,
    run_forecast,
)
from hmi.views.analytics.nav import register_analytics_icons
from hmi.widgets.tables import make_table

log = logging.getLogger(__name__)

KIND_TEXT = {"tag": "Tag (hourly mean)", "energy": "Energy of device (kWh per hour)"}
SHOWN_HISTORY_DAYS = 7
ENSEMBLE = "ensemble"


@dataclass(frozen=True)
class ScoreRow:
    """One line of the backtest table: the ensemble, a member or seasonal naive."""

    name: str
    weight: float | None
    mase: float | None
    smape: float | None
    mae: float | None
    note: str


def _fig(value: float | None, digits: int = 3) -> str:
    return "---" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def score_rows(result: Forecast) -> list[ScoreRow]:
    """The ensemble first, then every member and seasonal naive with its weight."""
    m = result.metrics
    rows = [
        ScoreRow(
            ENSEMBLE,
            None,
            m.mase,
            m.smape,
            m.mae,
            f"the weighted members; {m.folds} backtest fold(s)",
        )
    ]
    for name, score in result.members.items():
        metrics = score.metrics
        note = score.error or ("reference" if name == NAIVE else f"fit {score.fit_seconds:.2f} s")
        rows.append(
            ScoreRow(
                name,
                score.weight,
                metrics.mase if metrics else None,
                metrics.smape if metrics else None,
                metrics.mae if metrics else None,
                note,
            )
        )
    return rows


def score_columns() -> list[Column[ScoreRow]]:
    """Columns of the backtest table."""
    return [
        Column("Model", lambda r: r.name),
        Column("Weight", lambda r: _fig(r.weight, 3)),
        Column("MASE", lambda r: _fig(r.mase)),
        Column("sMAPE %", lambda r: _fig(r.smape, 2)),
        Column("MAE", lambda r: _fig(r.mae)),
        Column("Note", lambda r: r.note),
    ]


def verdict(result: Forecast) -> str:
    """One line comparing the ensemble with seasonal naive on the same backtest folds."""
    ours, naive = result.metrics, result.naive_metrics
    better = ours.mase < naive.mase
    return (
        f"Backtest: ensemble MASE {_fig(ours.mase)}, sMAPE {_fig(ours.smape, 2)} % — seasonal "
        f"naive MASE {_fig(naive.mase)}, sMAPE {_fig(naive.smape, 2)} %: "
        + ("the ensemble is better." if better else "the ensemble is NOT better than naive.")
        + f" {result.level:.0%} interval, coverage in backtest {_fig(result.interval_coverage * 100, 0)} %."
    )


class ForecastView(QWidget):
    """Pick a subject and a horizon, fit in a worker, show the forecast and its credentials."""

    def __init__(self, ctx: HmiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        register_analytics_icons()
        self.ctx = ctx
        self.outcome: ForecastOutcome | None = None
        self.kind = QComboBox()
        self.kind.setObjectName("forecast_kind")
        for key, text in KIND_TEXT.items():
            self.kind.addItem(text, key)
        self.subject = QComboBox()
        self.subject.setObjectName("forecast_subject")
        self.subject.setEditable(True)
        self.subject.setMinimumWidth(260)
        self.horizon = QComboBox()
        self.horizon.setObjectName("forecast_horizon")
        self.horizon.addItems([h.label for h in HORIZONS])
        self.fit_button = icon_button("forecast", "Fit and forecast")
        self.chart = AnalyticsPlot(
            ctx.palette, name="forecast_chart", utc_offset_s=ctx.clock.utc_offset_s(now_ns())
        )
        self.chart.redraw_hooks.append(self.draw)
        self.scores: RecordTableModel[ScoreRow] = RecordTableModel(score_columns())
        self.table = make_table(self.scores, "forecast_scores", stretch_column=5, fit=True)
        self.summary = QLabel("Choose a tag or a metered device and a horizon.")
        self.summary.setWordWrap(True)
        self.insights = QLabel("")
        self.insights.setObjectName("forecast_insights")
        self.insights.setWordWrap(True)
        self.insights.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel("")
        self.status.setProperty("role", "caption")
        self.task = BackgroundTask(ctx, self, "forecast", self.status)
        self._build()
        self.kind.currentIndexChanged.connect(lambda _i: self.fill_subjects())
        self.fit_button.clicked.connect(lambda _checked=False: self.fit())
        self.fill_subjects()

    def _build(self) -> None:
        bar = QHBoxLayout()
        for text, widget in (
            ("Forecast", self.kind),
            ("of", self.subject),
            ("for the", self.horizon),
        ):
            bar.addWidget(QLabel(text))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.fit_button)
        lower = QWidget()
        column = QVBoxLayout(lower)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.summary)
        column.addWidget(self.table, 1)
        heading = QLabel("Insights")
        heading.setProperty("role", "heading")
        column.addWidget(heading)
        column.addWidget(self.insights)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.chart)
        split.addWidget(lower)
        split.setSizes([460, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)

    def fill_subjects(self) -> None:
        """Offer the tags, or the devices with an energy meter."""
        current = self.subject.currentText()
        if self.kind.currentData() == "energy":
            tags = list(self.ctx.registry)
            names = [m.device for m in plant_meters(tags, energy_section(self.ctx.config))]
        else:
            names = [t.name for t in self.ctx.registry]
        self.subject.clear()
        self.subject.addItems(names)
        if current in names:
            self.subject.setCurrentText(current)

    def choose(self, kind: str, subject: str, horizon: str) -> None:
        """Select a subject and a horizon (as the operator would)."""
        self.kind.setCurrentIndex(self.kind.findData(kind))
        self.subject.setCurrentText(subject)
        self.horizon.setCurrentText(horizon)

    def request(self) -> ForecastRequest:
        """The forecast the controls describe (history up to the last whole hour)."""
        return ForecastRequest(
            str(self.kind.currentData()),
            self.subject.currentText().strip(),
            horizon_named(self.horizon.currentText()),
            hour_floor(now_ns()),
        )

    def fit(self, request: ForecastRequest | None = None) -> int:
        """Fit and forecast in a worker; returns the request's generation."""
        wanted = request or self.request()
        historian = self.ctx.historian
        text = f"fitting {wanted.source} ({wanted.horizon.label})…"
        return self.task.run(lambda: run_forecast(historian, wanted), self._fitted, text)

    def _fitted(self, outcome: ForecastOutcome) -> None:
        self.outcome = outcome
        result = outcome.result
        self.scores.set_records(score_rows(result))
        self.summary.setText(verdict(result))
        self.insights.setText("<br>".join(self._insight_html(i) for i in outcome.insights))
        self.insights.setToolTip(
            "\n".join(f"{k}: {v}" for i in outcome.insights for k, v in i.sources.items())
        )
        self.draw()
        self.task.say(
            f"{outcome.request.source}: {len(outcome.history)} hourly value(s) fitted in "
            f"{result.fit_seconds:.1f} s; {result.warnings} model warning(s)"
        )

    @staticmethod
    def _insight_html(insight: object) -> str:
        return "• " + html.escape(str(getattr(insight, "text", "")))

    def draw(self) -> None:
        """History (the last week), forecast and its interval band."""
        self.chart.clear()
        outcome = self.outcome
        if outcome is None:
            return
        result = outcome.result
        keep = outcome.history_ts >= outcome.history_ts[-1] - SHOWN_HISTORY_DAYS * 86_400 * NS_PER_S
        x_hist = outcome.history_ts[keep] / NS_PER_S
        x_future = result.ts_ns / NS_PER_S
        self.chart.band(x_future, result.lower, result.upper)
        self.chart.line(x_hist, outcome.history[keep])
        self.chart.line(x_future, result.mean, dashed=True, strong=True)
        self.chart.marker(float(x_hist[-1]), "now")
        unit = outcome.unit or "value"
        self.chart.setLabel("left", unit)
        self.chart.setTitle(
            f"{outcome.request.subject}: history, forecast and {result.level:.0%} interval"
        )
