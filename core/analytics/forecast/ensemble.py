"""The forecasting ensemble: backtest, inverse-error weights, refit, calibrated intervals.

``Forecaster(settings).fit(ts_ns, values)`` regularises the series, trims it to
``max_history`` steps, runs the rolling-origin backtest of every member, weights them by
``1 / MASE`` and refits the weighted members on the whole history. The resulting
:class:`FittedEnsemble` is picklable (the model registry stores it) and forecasts any horizon;
every :class:`Forecast` carries the backtest MASE and sMAPE of the ensemble, of each member and
of the seasonal-naive reference. If no member survives the backtest, the seasonal-naive
forecast itself is used (and says so in ``weights``).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from core.analytics.forecast.backtest import (
    FIT_ERRORS,
    Backtest,
    combine,
    fit_member,
    inverse_error_weights,
    plan_folds,
    run_backtest,
)
from core.analytics.forecast.forest import ForestSpec
from core.analytics.forecast.intervals import IntervalCalibration, calibrate
from core.analytics.forecast.members import EtsSpec, Fitted, MemberSpec, SarimaxSpec
from core.analytics.forecast.metrics import NAIVE, BacktestMetrics, fold_metrics, seasonal_naive
from core.analytics.forecast.origins import rolling_errors
from core.analytics.forecast.quiet import WarningTally, captured
from core.analytics.forecast.result import Forecast, MemberScore
from core.analytics.forecast.series import (
    FloatArray,
    IntArray,
    RegularSeries,
    Seasons,
    infer_seasons,
    regularize,
)

log = logging.getLogger(__name__)

DEFAULT_MEMBERS: tuple[MemberSpec, ...] = (EtsSpec(), SarimaxSpec(), ForestSpec())


@dataclass(frozen=True)
class ForecastSettings:
    """How the ensemble is fitted."""

    horizon: int = 48
    """Lead time (steps) the backtest measures and the intervals are calibrated for."""
    season: int | None = None
    """Primary season in steps; None infers the daily cycle from the sampling step."""
    level: float = 0.9
    folds: int = 3
    max_history: int = 2016
    """Only the most recent steps are used (fit time grows with the length)."""
    weekly: bool = True
    """Add the weekly cycle as a further season when the history holds three weeks."""
    trim_ratio: float = 2.0
    """Members with a backtest MASE above this multiple of the best get no weight."""
    step_ns: int | None = None
    members: tuple[MemberSpec, ...] = DEFAULT_MEMBERS


@dataclass
class FittedEnsemble:
    """Members fitted on the whole history, their weights and the interval calibration."""

    series: RegularSeries
    seasons: Seasons
    fitted: dict[str, Fitted]
    weights: dict[str, float]
    calibration: IntervalCalibration
    metrics: BacktestMetrics
    naive_metrics: BacktestMetrics
    scores: dict[str, MemberScore]
    warnings: WarningTally = field(default_factory=WarningTally)
    fit_seconds: float = 0.0

    def predict(self, horizon: int | None = None, level: float | None = None) -> Forecast:
        """Forecast ``horizon`` steps (default: the backtest horizon) after the history, with a
        ``level`` interval (default: the calibrated level of the settings)."""
        steps = self.calibration.sigma.size if horizon is None else horizon
        if steps < 1:
            raise ValueError(f"horizon must be >= 1, got {steps}")
        with captured(self.warnings, "ensemble predict"):
            parts = {name: fitted.predict(steps) for name, fitted in self.fitted.items()}
        if NAIVE in self.weights:
            parts[NAIVE] = seasonal_naive(self.series.values, steps, self.seasons.primary)
        mean = combine(parts, self.weights)
        lower, upper = self.calibration.bands(mean, level)
        return Forecast(
            ts_ns=self.series.future_ts(steps),
            mean=mean,
            lower=lower,
            upper=upper,
            level=self.calibration.level if level is None else level,
            metrics=self.metrics,
            naive_metrics=self.naive_metrics,
            interval_coverage=self.calibration.coverage if level is None else math.nan,
            weights=dict(self.weights),
            members=dict(self.scores),
            seasons=self.seasons.all or (1,),
            step_ns=self.series.step_ns,
            warnings=self.warnings.total,
            fit_seconds=self.fit_seconds,
        )


class Forecaster:
    """Fits :class:`FittedEnsemble` objects with one set of :class:`ForecastSettings`."""

    def __init__(self, settings: ForecastSettings | None = None) -> None:
        self.settings = settings or ForecastSettings()

    def fit(self, ts_ns: IntArray, values: FloatArray) -> FittedEnsemble:
        """Backtest, weight and refit on ``(ts_ns, values)`` (irregular, gappy input is fine)."""
        started = time.perf_counter()
        cfg = self.settings
        series = regularize(ts_ns, values, cfg.step_ns).tail(cfg.max_history)
        horizon = cfg.horizon
        plan = plan_folds(len(series), horizon, cfg.folds, _min_train(series, cfg))
        seasons = self.seasons_for(series.step_ns, plan.train_ends[0])
        backtest = run_backtest(series, seasons, cfg.members, plan)
        weights = inverse_error_weights(backtest.members, cfg.trim_ratio)
        fitted, weights = self._refit(series, seasons, weights, backtest)
        ensemble = _ensemble_backtest(backtest, weights)
        log.info(
            "forecast fitted: %d steps, seasons %s, weights %s, MASE %.3f (naive %.3f)",
            len(series),
            seasons.all,
            {k: round(v, 3) for k, v in weights.items()},
            ensemble.mase,
            backtest.naive_metrics.mase,
        )
        return FittedEnsemble(
            series=series,
            seasons=seasons,
            fitted=fitted,
            weights=weights,
            calibration=_calibration(series, seasons, backtest, weights, cfg.level),
            metrics=ensemble,
            naive_metrics=backtest.naive_metrics,
            scores=_scores(backtest, weights),
            warnings=backtest.tally,
            fit_seconds=time.perf_counter() - started,
        )

    def seasons_for(self, step_ns: int, length: int) -> Seasons:
        """The seasons used for a history of ``length`` steps."""
        seasons = infer_seasons(step_ns, length, self.settings.season)
        return seasons if self.settings.weekly else Seasons(seasons.primary)

    def _refit(
        self,
        series: RegularSeries,
        seasons: Seasons,
        weights: dict[str, float],
        backtest: Backtest,
    ) -> tuple[dict[str, Fitted], dict[str, float]]:
        specs = {spec.name: spec for spec in self.settings.members}
        fitted: dict[str, Fitted] = {}
        for name in [n for n, w in weights.items() if w > 0]:
            try:
                fitted[name] = fit_member(
                    specs[name], series, seasons, backtest.plan.horizon, backtest.tally
                )[0]
            except FIT_ERRORS as exc:
                log.warning("forecast member %s failed on the full history: %s", name, exc)
        kept = {name: weights[name] for name in fitted}
        total = sum(kept.values())
        if not kept or total <= 0:
            log.warning("no forecast member usable; falling back to the seasonal-naive forecast")
            return {}, {NAIVE: 1.0}
        return fitted, {name: w / total for name, w in kept.items()}


def _min_train(series: RegularSeries, settings: ForecastSettings) -> int:
    season = settings.season or infer_seasons(series.step_ns, len(series)).primary
    return max(2 * season + 12, 2 * settings.horizon, 48)


def _combined(backtest: Backtest, weights: dict[str, float]) -> FloatArray:
    if NAIVE in weights:
        return backtest.naive
    usable = backtest.usable()
    parts = {name: usable[name].forecasts for name in weights}
    return combine({k: v for k, v in parts.items() if v is not None}, weights)


def _calibration(
    series: RegularSeries,
    seasons: Seasons,
    backtest: Backtest,
    weights: dict[str, float],
    level: float,
) -> IntervalCalibration:
    """Intervals from the out-of-sample errors of rolling forecast origins."""
    found = rolling_errors(series, backtest, weights, seasons.primary, _combined(backtest, weights))
    return calibrate(found.errors, level, found.folds)


def _ensemble_backtest(backtest: Backtest, weights: dict[str, float]) -> BacktestMetrics:
    return fold_metrics(backtest.actuals, _combined(backtest, weights), backtest.scales)


def _scores(backtest: Backtest, weights: dict[str, float]) -> dict[str, MemberScore]:
    scores = {
        name: MemberScore(name, weights.get(name, 0.0), m.metrics, m.error, m.fit_seconds)
        for name, m in backtest.members.items()
    }
    scores[NAIVE] = MemberScore(NAIVE, weights.get(NAIVE, 0.0), backtest.naive_metrics, "", 0.0)
    return scores


def forecast(
    ts_ns: IntArray,
    values: FloatArray,
    horizon: int,
    *,
    season: int | None = None,
    settings: ForecastSettings | None = None,
    members: Sequence[MemberSpec] | None = None,
) -> Forecast:
    """Fit the ensemble with a backtest of ``horizon`` steps and forecast that far."""
    base = settings or ForecastSettings()
    tuned = replace(
        base,
        horizon=horizon,
        season=season if season is not None else base.season,
        members=tuple(members) if members is not None else base.members,
    )
    return Forecaster(tuned).fit(ts_ns, values).predict(horizon)
