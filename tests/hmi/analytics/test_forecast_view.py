"""The Forecast view on real machine temperatures: it fits in a worker while the GUI thread keeps
running, and shows the core ensemble's forecast, interval, backtest figures and weights."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from core.analytics.baseline.store import hourly_means
from core.analytics.forecast import NAIVE, ForecastSettings, forecast
from core.model import NS_PER_S
from hmi.context import HmiContext
from hmi.views.analytics.forecast import ENSEMBLE, ForecastView, verdict
from hmi.views.analytics.forecast_job import HOUR_NS
from tests.hmi.analytics.conftest import MachineHistory

PROBE_MS = 20


def test_forecast_fits_in_a_worker_and_matches_the_core(
    ctx: HmiContext, qtbot: QtBot, machine_history: MachineHistory
) -> None:
    view = ForecastView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    view.choose("tag", machine_history.tag, "next 24 h")
    request = view.request()
    ticks: list[int] = []
    probe = QTimer()
    probe.timeout.connect(lambda: ticks.append(1))
    probe.start(PROBE_MS)
    view.fit(request)
    assert view.task.busy, "the fit runs in a worker: fit() returned at once"
    qtbot.waitUntil(lambda: not view.task.busy, timeout=60_000)
    probe.stop()
    assert view.task.error is None, view.task.error
    assert len(ticks) >= 3, "the GUI thread kept running its timers while the model was fitted"
    ts, means = hourly_means(ctx.historian, machine_history.tag, request.start_ns, request.end_ns)[
        :2
    ]
    expected = forecast(ts, means, 24, settings=ForecastSettings(step_ns=HOUR_NS))
    outcome = view.outcome
    assert outcome is not None
    result = outcome.result
    np.testing.assert_array_equal(result.ts_ns, expected.ts_ns)
    np.testing.assert_allclose(result.mean, expected.mean, rtol=1e-9)
    np.testing.assert_allclose(result.upper, expected.upper, rtol=1e-9)
    assert result.weights == expected.weights
    rows = {r.name: r for r in view.scores.records}
    assert rows[ENSEMBLE].mase == expected.metrics.mase
    assert rows[NAIVE].mase == expected.naive_metrics.mase
    assert rows[NAIVE].smape == expected.naive_metrics.smape
    assert {n: rows[n].weight for n in expected.weights if n in rows} == {
        n: w for n, w in expected.weights.items() if n in rows
    }
    assert view.summary.text() == verdict(expected)
    assert f"{expected.metrics.mase:.3f}" in view.summary.text()
    peak = outcome.insights[0]
    assert peak.kind == "forecast_peak" and peak.figures["peak"].value == float(expected.mean.max())
    assert peak.text.split(" ")[0] in view.insights.text()
    curves = view.chart.getPlotItem().listDataItems()
    assert any(np.array_equal(c.getData()[1], result.mean) for c in curves)
    assert (result.ts_ns[0] - ts[-1]) == HOUR_NS and result.step_ns == 3600 * NS_PER_S


def test_an_unknown_subject_is_reported_not_raised(ctx: HmiContext, qtbot: QtBot) -> None:
    view = ForecastView(ctx)
    qtbot.addWidget(view)
    view.choose("tag", "no/such_tag", "next 7 days")
    view.fit()
    qtbot.waitUntil(lambda: not view.task.busy, timeout=10_000)
    assert isinstance(view.task.error, KeyError)
    assert "no/such_tag" in view.status.text() and view.status.property("result") == "failed"
