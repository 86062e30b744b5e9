"""Rolling-origin backtest of the ensemble members and their inverse-error weights.

Folds are consecutive, non-overlapping test windows of ``horizon`` steps at the end of the
history; each member is refitted on everything before its window (an expanding window, as in
``tsCV``). A member that fails or returns non-finite values on any fold is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from core.analytics.forecast.members import Fitted, MemberSpec
from core.analytics.forecast.metrics import (
    BacktestMetrics,
    fold_metrics,
    naive_scale,
    seasonal_naive,
)
from core.analytics.forecast.quiet import WarningTally, captured
from core.analytics.forecast.series import FloatArray, ForecastError, RegularSeries, Seasons

log = logging.getLogger(__name__)

FIT_ERRORS = (ValueError, ArithmeticError, np.linalg.LinAlgError, IndexError)
"""What a member's fit may raise on awkward data; the member is then left out."""


@dataclass(frozen=True)
class FoldPlan:
    """Where the test windows start (ascending training lengths) and how long they are."""

    horizon: int
    train_ends: tuple[int, ...]


def plan_folds(length: int, horizon: int, folds: int, min_train: int) -> FoldPlan:
    """Up to ``folds`` windows of ``horizon`` steps, each training on at least ``min_train``."""
    if horizon < 1 or folds < 1:
        raise ForecastError(f"horizon and folds must be >= 1, got {horizon} and {folds}")
    ends = [length - k * horizon for k in range(folds, 0, -1)]
    ends = [end for end in ends if end >= min_train]
    if not ends:
        raise ForecastError(
            f"series of {length} steps too short for a backtest of horizon {horizon}: "
            f"needs at least {min_train + horizon}"
        )
    return FoldPlan(horizon, tuple(ends))


@dataclass
class MemberResult:
    """One member's backtest forecasts ``(folds, horizon)`` and metrics, or why it failed."""

    name: str
    forecasts: FloatArray | None = None
    metrics: BacktestMetrics | None = None
    error: str = ""
    fit_seconds: float = 0.0
    fitted: list[Fitted] = field(default_factory=list)
    """The member fitted on each fold's training data (for the rolling-origin errors)."""


@dataclass
class Backtest:
    """Actuals, seasonal-naive reference and every member's forecasts on the same folds."""

    plan: FoldPlan
    actuals: FloatArray
    scales: FloatArray
    naive: FloatArray
    members: dict[str, MemberResult]
    tally: WarningTally = field(default_factory=WarningTally)

    @property
    def naive_metrics(self) -> BacktestMetrics:
        """The seasonal-naive forecast's metrics."""
        return fold_metrics(self.actuals, self.naive, self.scales)

    def usable(self) -> dict[str, MemberResult]:
        """Members that produced finite forecasts on every fold."""
        return {n: m for n, m in self.members.items() if m.forecasts is not None}


def fit_member(
    spec: MemberSpec, train: RegularSeries, seasons: Seasons, horizon: int, tally: WarningTally
) -> tuple[Fitted, FloatArray]:
    """Fit one member and forecast ``horizon`` steps, warnings captured into ``tally``."""
    with captured(tally, spec.name):
        fitted = spec.fit(train, seasons, horizon)
        forecast = np.asarray(fitted.predict(horizon), dtype=np.float64)
    if forecast.shape != (horizon,) or not np.all(np.isfinite(forecast)):
        raise ValueError(f"{spec.name} produced non-finite forecasts")
    return fitted, forecast


def run_backtest(
    series: RegularSeries, seasons: Seasons, specs: Sequence[MemberSpec], plan: FoldPlan
) -> Backtest:
    """Every member on every fold, plus the seasonal-naive reference."""
    h = plan.horizon
    actuals = np.array([series.values[end : end + h] for end in plan.train_ends])
    naive = np.array(
        [seasonal_naive(series.values[:end], h, seasons.primary) for end in plan.train_ends]
    )
    scales = np.array(
        [naive_scale(series.values[:end], seasons.primary) for end in plan.train_ends]
    )
    backtest = Backtest(plan, actuals, scales, naive, {})
    for spec in specs:
        backtest.members[spec.name] = _backtest_member(spec, series, seasons, backtest)
    return backtest


def _backtest_member(
    spec: MemberSpec, series: RegularSeries, seasons: Seasons, backtest: Backtest
) -> MemberResult:
    started = time.perf_counter()
    rows, fitted = [], []
    try:
        for end in backtest.plan.train_ends:
            train = series.head(end)
            model, row = fit_member(spec, train, seasons, backtest.plan.horizon, backtest.tally)
            fitted.append(model)
            rows.append(row)
    except FIT_ERRORS as exc:
        log.info("forecast member %s left out: %s", spec.name, exc)
        return MemberResult(spec.name, error=f"{type(exc).__name__}: {exc}")
    forecasts = np.array(rows)
    return MemberResult(
        spec.name,
        forecasts=forecasts,
        metrics=fold_metrics(backtest.actuals, forecasts, backtest.scales),
        fit_seconds=(time.perf_counter() - started) / len(rows),
        fitted=fitted,
    )


def inverse_error_weights(members: dict[str, MemberResult], trim_ratio: float) -> dict[str, float]:
    """Weights proportional to ``1 / MASE``; members worse than ``trim_ratio`` times the best
    get 0. Empty when no member is usable."""
    errors = {
        name: m.metrics.mase
        for name, m in members.items()
        if m.metrics is not None and np.isfinite(m.metrics.mase)
    }
    if not errors:
        return {}
    best = max(min(errors.values()), 1e-12)
    inverse = {
        name: (1.0 / max(err, 1e-12) if err <= trim_ratio * best else 0.0)
        for name, err in errors.items()
    }
    total = sum(inverse.values())
    return {name: value / total for name, value in inverse.items()}


def combine(forecasts: dict[str, FloatArray], weights: dict[str, float]) -> FloatArray:
    """Weighted sum of member forecasts (arrays of one shape)."""
    parts = [weights[name] * forecasts[name] for name in weights if weights[name] > 0]
    return np.asarray(np.sum(parts, axis=0), dtype=np.float64)
