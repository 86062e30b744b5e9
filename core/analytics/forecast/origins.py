"""Out-of-sample errors of the ensemble from many forecast origins, for its prediction intervals.

The backtest refits every member once per fold, which is what it costs; three folds give three
errors per lead time, far too few for a 90 % quantile. Between two fold origins the members
fitted for the earlier fold take the newer observations *without* re-estimating their
parameters (:meth:`~core.analytics.forecast.members.Extendable.extend`: the smoothing, Kalman
filter or lag buffer runs on), and the weighted ensemble is forecast again every ``stride``
steps. Each forecast uses only data before its origin and parameters estimated before its fold,
so the errors are out of sample, from ``~2 * horizon / stride`` origins instead of three.

When a weighted member cannot be extended (a custom member), only the fold origins are used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from core.analytics.forecast.backtest import Backtest, FoldPlan, combine
from core.analytics.forecast.members import Extendable
from core.analytics.forecast.metrics import NAIVE, seasonal_naive
from core.analytics.forecast.quiet import captured
from core.analytics.forecast.series import FloatArray, IntArray, RegularSeries

log = logging.getLogger(__name__)

ORIGINS_PER_FOLD = 8
"""Forecast origins per fold span (the stride is ``horizon // ORIGINS_PER_FOLD``, at least 1)."""


@dataclass(frozen=True)
class OriginErrors:
    """``actual - forecast`` per origin and lead time, and the fold each origin belongs to."""

    errors: FloatArray
    """Shape ``(origins, horizon)``."""
    folds: IntArray


def origins(plan: FoldPlan, stride: int) -> list[tuple[int, int]]:
    """``(fold, origin)``: every ``stride`` steps from each fold's training end to the next
    fold's (exclusive); the last fold contributes its own origin only."""
    ends = plan.train_ends
    out = []
    for fold, end in enumerate(ends):
        stop = ends[fold + 1] if fold + 1 < len(ends) else end + 1
        out += [(fold, origin) for origin in range(end, stop, max(1, stride))]
    return out


def fold_errors(backtest: Backtest, combined: FloatArray) -> OriginErrors:
    """The errors at the fold origins only."""
    folds = np.arange(combined.shape[0], dtype=np.int64)
    return OriginErrors(backtest.actuals - combined, folds)


def rolling_errors(
    series: RegularSeries,
    backtest: Backtest,
    weights: dict[str, float],
    season: int,
    combined: FloatArray,
) -> OriginErrors:
    """Ensemble errors from an origin every ``horizon // ORIGINS_PER_FOLD`` steps (see the
    module docstring); the fold errors when a weighted member cannot be extended."""
    horizon = backtest.plan.horizon
    chosen = {name: w for name, w in weights.items() if w > 0}
    members = _extendable(backtest, chosen)
    if members is None:
        log.info("a forecast member cannot be extended: intervals from the fold origins only")
        return fold_errors(backtest, combined)
    rows, folds = [], []
    values = series.values
    with captured(backtest.tally, "interval origins"):
        for fold, origin in origins(backtest.plan, horizon // ORIGINS_PER_FOLD):
            start = backtest.plan.train_ends[fold]
            parts = {
                name: fits[fold].extend(values[start:origin]).predict(horizon)
                for name, fits in members.items()
            }
            if NAIVE in chosen:
                parts[NAIVE] = seasonal_naive(values[:origin], horizon, season)
            rows.append(values[origin : origin + horizon] - combine(parts, chosen))
            folds.append(fold)
    return OriginErrors(np.array(rows), np.array(folds, dtype=np.int64))


def _extendable(backtest: Backtest, chosen: dict[str, float]) -> dict[str, list[Extendable]] | None:
    """The weighted members' per-fold fits, or None when one of them cannot be extended."""
    out: dict[str, list[Extendable]] = {}
    for name in chosen:
        if name == NAIVE:
            continue
        fits = [f for f in backtest.members[name].fitted if isinstance(f, Extendable)]
        if len(fits) != len(backtest.members[name].fitted) or not fits:
            return None
        out[name] = fits
    return out
