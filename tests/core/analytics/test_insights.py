"""Insights: sentences whose every number comes from a figure with a source."""

from __future__ import annotations

import re

import numpy as np
import pytest

from core.analytics.forecast.metrics import BacktestMetrics
from core.analytics.forecast.result import Forecast
from core.analytics.insights import (
    INFO,
    NOTICE,
    WARNING,
    AnomalyNote,
    Figure,
    Insight,
    baseline_deviations,
    forecast_peak,
    new_anomalies,
    summarize,
    top_consumers,
)

HOUR_NS = 3600 * 1_000_000_000
T0 = 1_709_539_200 * 1_000_000_000  # 2024-03-04 08:00 UTC


def kwh(value: float, device: str) -> Figure:
    return Figure(value, "kWh", f"energy.kwh[device={device},period=2024-W10]")


KWH = {
    "Press": kwh(412.5, "Press"),
    "Oven": kwh(500.0, "Oven"),
    "Compressor": kwh(172.5, "Compressor"),
    "Lights": kwh(15.0, "Lights"),
}
BASELINE = {
    "Press": Figure(400.0, "kWh", "baseline.kwh[Press]"),
    "Oven": Figure(380.0, "kWh", "baseline.kwh[Oven]"),
    "Compressor": Figure(200.0, "kWh", "baseline.kwh[Compressor]"),
}


def numbers_are_traceable(insight: Insight) -> None:
    """Every figure appears rendered in the text, and no digits but those of figures and of the
    words (names, period labels) do."""
    text = insight.text
    for figure in insight.figures.values():
        assert figure.render() in text
        assert figure.source
    rest = text
    pieces = [f.render() for f in insight.figures.values()] + list(insight.words.values())
    for piece in sorted(pieces, key=len, reverse=True):
        rest = rest.replace(piece, "")
    assert not re.search(r"\d", rest), f"untraced number in {text!r}"


def test_top_consumer_share_and_total() -> None:
    top, runners = top_consumers(KWH, "week 10")
    assert top.subject == "Oven"
    assert top.figures["top"].value == 500.0
    assert top.figures["total"].value == pytest.approx(1100.0)
    assert top.figures["share"].value == pytest.approx(100 * 500 / 1100)
    assert top.text == ("Oven used the most energy in week 10: 500.0 kWh (45.5 % of 1,100.0 kWh).")
    assert "energy.kwh[device=Oven,period=2024-W10]" in top.figures["total"].source
    assert runners.text == "Next in week 10: Press with 412.5 kWh, Compressor with 172.5 kWh."
    for insight in (top, runners):
        numbers_are_traceable(insight)


def test_baseline_deviations_above_threshold_only() -> None:
    found = baseline_deviations(KWH, BASELINE, "week 10", threshold_pct=10.0)
    assert [i.subject for i in found] == ["Oven", "Compressor"]
    oven, compressor = found
    assert oven.figures["deviation"].value == pytest.approx(100 * 120 / 380)
    assert oven.severity == WARNING
    assert oven.text == ("Oven used 500.0 kWh in week 10, 31.6 % above its baseline of 380.0 kWh.")
    assert compressor.severity == NOTICE
    assert "below" in compressor.text
    for insight in found:
        numbers_are_traceable(insight)


def test_new_anomalies_counts_and_names_the_strongest() -> None:
    notes = [
        AnomalyNote("oven.temp", T0 + HOUR_NS, 0.95, "anomaly_events[17]"),
        AnomalyNote("press.current", T0 + 2 * HOUR_NS, 0.7, "anomaly_events[18]"),
        AnomalyNote("press.current", T0 - HOUR_NS, 0.99, "anomaly_events[12]"),
        AnomalyNote("fan.speed", T0 + 3 * HOUR_NS, 0.2, "anomaly_events[19]"),
    ]
    (insight,) = new_anomalies(notes, since_ns=T0)
    assert insight.figures["count"].value == 2
    assert insight.subject == "oven.temp"
    assert insight.severity == WARNING
    assert insight.text == (
        "2 new anomalies since 2024-03-04 08:00 UTC; the strongest on oven.temp at "
        "2024-03-04 09:00 UTC (score 0.95)."
    )
    assert insight.sources["score"] == "anomaly_events[17]"
    numbers_are_traceable(insight)
    (quiet,) = new_anomalies(notes, since_ns=T0 + 10 * HOUR_NS)
    assert quiet.severity == INFO
    numbers_are_traceable(quiet)


def make_forecast() -> Forecast:
    mean = np.array([100.0, 140.0, 120.0])
    return Forecast(
        T0 + np.arange(3, dtype=np.int64) * HOUR_NS,
        mean,
        mean - 10.0,
        mean + 15.0,
        0.9,
        BacktestMetrics(0.42, 8.0, 5.0, 3),
        BacktestMetrics(0.95, 15.0, 11.0, 3),
        0.88,
        {"ets": 1.0},
        {},
        (24,),
        HOUR_NS,
        0,
        0.1,
    )


def test_forecast_peak_with_interval_and_backtest() -> None:
    insight = forecast_peak("Site load", make_forecast(), "kW", "forecast[site.power]")
    assert insight.text == (
        "Site load is forecast to peak at 140.0 kW at 2024-03-04 09:00 UTC "
        "(90 % interval 130.0 kW to 155.0 kW); backtest MASE 0.42, seasonal naive 0.95."
    )
    assert insight.sources["peak"].endswith(".mean")
    numbers_are_traceable(insight)


def test_summarize_orders_by_severity() -> None:
    insights = summarize(
        "week 10",
        kwh=KWH,
        baseline_kwh=BASELINE,
        anomalies=[AnomalyNote("oven.temp", T0, 0.6, "anomaly_events[1]")],
        anomalies_since_ns=T0,
        forecasts={"Site load": (make_forecast(), "kW", "forecast[site.power]")},
    )
    severities = [i.severity for i in insights]
    assert severities == sorted(severities, reverse=True)
    assert {i.kind for i in insights} == {
        "top_consumers",
        "baseline_deviation",
        "new_anomalies",
        "forecast_peak",
    }
    for insight in insights:
        numbers_are_traceable(insight)


def test_nothing_to_say() -> None:
    assert top_consumers({}, "today") == []
    assert summarize("today") == []
    assert baseline_deviations(KWH, {"Oven": Figure(0.0, "kWh", "b")}, "today") == []
