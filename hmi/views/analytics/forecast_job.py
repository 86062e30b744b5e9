"""The forecast view's work, done in a worker: read an hourly series (a tag's hourly means from
the 1-hour rollups, or a device's hourly kWh from the energy service), fit the core's ensemble,
and phrase its peak as an insight.

No Qt here: :func:`run_forecast` is called in a worker thread and returns plain data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.analytics.baseline.energy import hourly_kwh
from core.analytics.baseline.store import hourly_means
from core.analytics.energy import EnergyService
from core.analytics.forecast import Forecast, ForecastSettings, forecast, horizon_steps
from core.analytics.forecast.series import FloatArray, IntArray
from core.analytics.insights import Insight, summarize
from core.model import NS_PER_S
from core.store.historian import Historian

log = logging.getLogger(__name__)

HOUR_NS = 3600 * NS_PER_S
DAY_S = 86_400
KINDS = ("tag", "energy")
"""What is forecast: a tag's hourly mean, or a metered device's hourly kWh."""


@dataclass(frozen=True)
class Horizon:
    """How far ahead, and how much history the fit reads."""

    label: str
    seconds: int
    history_days: int


HORIZONS = (Horizon("next 24 h", DAY_S, 21), Horizon("next 7 days", 7 * DAY_S, 56))


def horizon_named(label: str) -> Horizon:
    """A horizon by its label."""
    return next(h for h in HORIZONS if h.label == label)


@dataclass(frozen=True)
class ForecastRequest:
    """One forecast: ``kind`` (``tag`` or ``energy``), its subject, horizon and history end."""

    kind: str
    subject: str
    horizon: Horizon
    end_ns: int

    @property
    def start_ns(self) -> int:
        """Where the history read for the fit begins."""
        return self.end_ns - self.horizon.history_days * DAY_S * NS_PER_S

    @property
    def source(self) -> str:
        """The source key insights cite (``tag:boiler/temperature``, ``energy:meter1``)."""
        return f"{self.kind}:{self.subject}"


@dataclass(frozen=True)
class ForecastOutcome:
    """The history that was fitted, the forecast, and the insight sentences."""

    request: ForecastRequest
    history_ts: IntArray
    history: FloatArray
    unit: str
    result: Forecast
    insights: list[Insight]


def hour_floor(ts_ns: int) -> int:
    """The start of the hour holding ``ts_ns`` (history ends there: no partial hour)."""
    return ts_ns - ts_ns % HOUR_NS


def hourly_series(
    historian: Historian, request: ForecastRequest
) -> tuple[IntArray, FloatArray, str]:
    """``(hour starts, values, unit)`` of the subject over the request's history (finite only)."""
    start, end = request.start_ns, request.end_ns
    if request.kind == "tag":
        info = historian.registry.get(request.subject)
        if info is None:
            raise KeyError(f"unknown tag {request.subject!r}")
        ts, values = hourly_means(historian, request.subject, start, end)[:2]
        unit = info.unit
    elif request.kind == "energy":
        service = EnergyService.for_historian(historian)
        ts, values = hourly_kwh(service, request.subject, start, end)
        unit = "kWh"
    else:
        raise ValueError(f"unknown forecast kind {request.kind!r}")
    finite = np.isfinite(values)
    return ts[finite], values[finite], unit


def fit(ts_ns: IntArray, values: FloatArray, horizon: Horizon) -> Forecast:
    """The core ensemble on an hourly series, ``horizon`` ahead (backtested at that lead)."""
    steps = horizon_steps(horizon.seconds, HOUR_NS)
    return forecast(ts_ns, values, steps, settings=ForecastSettings(step_ns=HOUR_NS))


def run_forecast(historian: Historian, request: ForecastRequest) -> ForecastOutcome:
    """Read, fit, forecast and summarise (worker thread)."""
    ts, values, unit = hourly_series(historian, request)
    result = fit(ts, values, request.horizon)
    insights = summarize(
        request.horizon.label, forecasts={request.subject: (result, unit, request.source)}
    )
    log.info(
        "forecast %s %s: MASE %.3f (seasonal naive %.3f)",
        request.source,
        request.horizon.label,
        result.metrics.mase,
        result.naive_metrics.mase,
    )
    return ForecastOutcome(request, ts, values, unit, result, insights)
