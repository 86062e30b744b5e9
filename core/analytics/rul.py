"""Remaining useful life from a health indicator trending towards a failure threshold.

:func:`estimate` fits two degradation models to ``(ts_ns, values)`` — a straight line and an
exponential ``c + a * exp(b * t)`` — keeps the one with the lower AICc, and solves for the time
its trend reaches ``threshold``. The uncertainty band comes from a moving-block bootstrap of the
residuals (blocks keep the noise's autocorrelation): each replicate is refitted and solved
again, and the band is the ``(1 - level) / 2`` .. ``(1 + level) / 2`` percentiles of the
replicate lives. A replicate whose trend never reaches the threshold has an infinite life, so an
upper bound of ``inf`` says "may never fail on this trend".

The failure time is where the *trend* crosses the threshold (noise excursions cross earlier);
the times are seconds from the last sample.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.analytics.forecast.quiet import WarningTally, captured
from core.model import NS_PER_S

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
MIN_SAMPLES = 8
MODELS = ("linear", "exponential")
FIT_ERRORS = (RuntimeError, ValueError, ArithmeticError, np.linalg.LinAlgError)
_TALLY = WarningTally()
"""Warnings of every fit in the process (scipy's covariance and overflow notes), counted and
logged at DEBUG by :func:`core.analytics.forecast.quiet.captured`."""


@dataclass(frozen=True)
class FitQuality:
    """How well the chosen degradation model fits the indicator."""

    r_squared: float
    rmse: float
    aicc: float
    samples: int


@dataclass(frozen=True)
class RulEstimate:
    """Time to failure from the last sample with its ``level`` band, in seconds.

    ``time_to_failure_s`` is ``0`` when the trend is already past the threshold and ``inf``
    when it does not head towards it; ``failure_ts_ns`` is the absolute time (None when inf).
    """

    time_to_failure_s: float
    lower_s: float
    upper_s: float
    model: str
    quality: FitQuality
    level: float
    threshold: float
    failure_ts_ns: int | None
    replicates: int
    """Bootstrap replicates that could be refitted (the band's sample size)."""

    @property
    def status(self) -> str:
        """``failed`` (past the threshold), ``stable`` (no trend towards it), ``uncertain``
        (heading towards it, but the band admits no failure at all) or ``degrading``."""
        if self.time_to_failure_s == 0.0:
            return "failed"
        if not math.isfinite(self.time_to_failure_s):
            return "stable"
        return "degrading" if math.isfinite(self.upper_s) else "uncertain"


@dataclass(frozen=True)
class _Fit:
    """A fitted trend on scaled time ``tau = t / span`` (``tau`` in [0, 1])."""

    model: str
    params: tuple[float, ...]

    def predict(self, tau: FloatArray) -> FloatArray:
        if self.model == "linear":
            return self.params[0] + self.params[1] * tau
        c, a, b = self.params
        return c + a * np.exp(np.clip(b * tau, -700.0, 700.0))

    def crossing(self, threshold: float, tau_now: float, rising: bool) -> float:
        """Scaled time the trend reaches ``threshold``: ``tau_now`` when already past it, inf
        when it never will (flat, or heading away)."""
        current = float(self.predict(np.array([tau_now]))[0])
        if (current >= threshold) if rising else (current <= threshold):
            return tau_now
        solution = self.solve(threshold)
        return solution if solution > tau_now else math.inf

    def solve(self, threshold: float) -> float:
        """The scaled time where the trend equals ``threshold`` (-inf when nowhere)."""
        if self.model == "linear":
            intercept, slope = self.params
            return (threshold - intercept) / slope if slope != 0 else -math.inf
        c, a, b = self.params
        ratio = (threshold - c) / a if a != 0 else -1.0
        return math.log(ratio) / b if ratio > 0 and b != 0 else -math.inf


def _fit_linear(tau: FloatArray, y: FloatArray) -> _Fit:
    slope, intercept = np.polyfit(tau, y, 1)
    return _Fit("linear", (float(intercept), float(slope)))


def _fit_exponential(tau: FloatArray, y: FloatArray, start: tuple[float, ...] | None) -> _Fit:
    from scipy.optimize import curve_fit  # heavy: on first exponential fit

    p0 = start or _exponential_guess(tau, y)
    params, _ = curve_fit(
        lambda x, c, a, b: c + a * np.exp(np.clip(b * x, -700.0, 700.0)),
        tau,
        y,
        p0=p0,
        maxfev=2000,
    )
    if not np.all(np.isfinite(params)):
        raise RuntimeError("exponential fit diverged")
    return _Fit("exponential", tuple(float(p) for p in params))


def _exponential_guess(tau: FloatArray, y: FloatArray) -> tuple[float, float, float]:
    rising = y[-max(1, y.size // 5) :].mean() >= y[: max(1, y.size // 5)].mean()
    spread = float(np.ptp(y)) or 1.0
    base = float(np.min(y) - 0.05 * spread) if rising else float(np.max(y) + 0.05 * spread)
    sign = 1.0 if rising else -1.0
    slope, intercept = np.polyfit(tau, np.log(np.maximum(sign * (y - base), 1e-12)), 1)
    return base, sign * float(np.exp(intercept)), float(slope)


def _fit(model: str, tau: FloatArray, y: FloatArray, start: tuple[float, ...] | None) -> _Fit:
    return _fit_linear(tau, y) if model == "linear" else _fit_exponential(tau, y, start)


def _quality(fit: _Fit, tau: FloatArray, y: FloatArray) -> FitQuality:
    n, k = y.size, len(fit.params)
    sse = max(float(np.sum((y - fit.predict(tau)) ** 2)), 1e-300)
    sst = float(np.sum((y - y.mean()) ** 2))
    aicc = n * math.log(sse / n) + 2 * k + (2 * k * (k + 1)) / max(n - k - 1, 1)
    r_squared = 1.0 - sse / sst if sst > 0 else 0.0
    return FitQuality(r_squared, math.sqrt(sse / n), aicc, n)


def _select(tau: FloatArray, y: FloatArray, models: tuple[str, ...]) -> tuple[_Fit, FitQuality]:
    """The model with the lowest AICc among those that could be fitted."""
    candidates = []
    for model in models:
        try:
            fit = _fit(model, tau, y, None)
        except FIT_ERRORS as exc:
            log.debug("rul: %s model not fitted: %s", model, exc)
            continue
        candidates.append((fit, _quality(fit, tau, y)))
    if not candidates:
        raise ValueError(f"none of the degradation models {models} could be fitted")
    return min(candidates, key=lambda item: item[1].aicc)


def _block_residuals(residuals: FloatArray, rng: np.random.Generator) -> FloatArray:
    n = residuals.size
    block = max(1, round(n ** (1 / 3)))
    starts = rng.integers(0, n - block + 1, size=-(-n // block))
    return np.concatenate([residuals[s : s + block] for s in starts])[:n]


def _bootstrap_lives(
    tau: FloatArray, y: FloatArray, fit: _Fit, threshold: float, rising: bool, boots: int, seed: int
) -> FloatArray:
    """Remaining life (scaled time after the last sample) of each bootstrap replicate."""
    rng = np.random.default_rng(seed)
    trend = fit.predict(tau)
    residuals = y - trend
    lives = []
    for _ in range(boots):
        replicate = trend + _block_residuals(residuals, rng)
        try:
            refit = _fit(fit.model, tau, replicate, fit.params)
        except FIT_ERRORS:
            continue
        lives.append(refit.crossing(threshold, 1.0, rising) - 1.0)
    return np.array(lives, dtype=np.float64)


def _inputs(
    ts_ns: npt.ArrayLike, values: npt.ArrayLike
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    ts = np.asarray(ts_ns, dtype=np.int64)
    y = np.asarray(values, dtype=np.float64)
    keep = np.isfinite(y)
    order = np.argsort(ts[keep], kind="stable")
    ts, y = ts[keep][order], y[keep][order]
    if y.size < MIN_SAMPLES or ts[-1] <= ts[0]:
        raise ValueError(f"need at least {MIN_SAMPLES} finite samples over a positive time span")
    return ts, y


def estimate(
    ts_ns: npt.ArrayLike,
    values: npt.ArrayLike,
    threshold: float,
    *,
    rising: bool | None = None,
    level: float = 0.9,
    boots: int = 200,
    seed: int = 0,
    models: tuple[str, ...] = ("linear", "exponential"),
) -> RulEstimate:
    """Remaining useful life of the indicator ``values`` (at ``ts_ns``, int64 ns) until its
    trend reaches ``threshold``. ``rising`` says failure is *above* the threshold (inferred:
    the threshold lies above the early values). Deterministic for a given ``seed``."""
    _check_options(level, models, boots)
    ts, y = _inputs(ts_ns, values)
    span_s = (ts[-1] - ts[0]) / NS_PER_S
    tau = (ts - ts[0]) / NS_PER_S / span_s
    if rising is None:
        rising = threshold > float(np.median(y[: max(1, y.size // 2)]))
    with captured(_TALLY, "rul fit"):
        fit, quality = _select(tau, y, models)
        lives = _bootstrap_lives(tau, y, fit, threshold, rising, boots, seed) * span_s
    life = float((fit.crossing(threshold, 1.0, rising) - 1.0) * span_s)
    lower, upper = _band(lives, level, life)
    return RulEstimate(
        time_to_failure_s=life,
        lower_s=lower,
        upper_s=upper,
        model=fit.model,
        quality=quality,
        level=level,
        threshold=threshold,
        failure_ts_ns=int(ts[-1] + round(life * NS_PER_S)) if math.isfinite(life) else None,
        replicates=int(lives.size),
    )


def _check_options(level: float, models: tuple[str, ...], boots: int) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if not models or set(models) - set(MODELS):
        raise ValueError(f"models must be some of {MODELS}, got {models}")
    if boots < 0:
        raise ValueError(f"boots must be >= 0, got {boots}")


def _band(lives: FloatArray, level: float, life: float) -> tuple[float, float]:
    """Percentile band of the replicate lives, always containing the point estimate."""
    if lives.size == 0:
        return life, life
    tail = (1.0 - level) / 2.0
    lower = float(np.quantile(lives, tail, method="lower"))
    upper = float(np.quantile(lives, 1.0 - tail, method="higher"))
    return min(lower, life), max(upper, life)
