"""The statsmodels members of the ensemble: Holt-Winters ETS and a SARIMAX regression.

- :class:`EtsSpec` — additive Holt-Winters (``ExponentialSmoothing``). Its one-step likelihood
  favours a nervous level on high-rate data, which ruins day-ahead forecasts, so the variant
  (season length, cap on the level smoothing, damped trend or none) is chosen on an inner
  hold-out of the training data, scored on the multi-step error the forecast is used for.
- :class:`SarimaxSpec` — dynamic harmonic regression: Fourier terms of every season (daily and
  weekly cycles of any length, cheaply) by least squares, and a ``SARIMAX`` ARMA model of the
  remainder; the state stays small where a seasonal ARIMA of period 48 or 336 would not.

Both are fitted on numpy arrays (no pandas index, so no frequency warnings); their warnings are
captured by the caller (:mod:`core.analytics.forecast.quiet`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from core.analytics.forecast.metrics import mae
from core.analytics.forecast.series import FloatArray, IntArray, RegularSeries, Seasons

log = logging.getLogger(__name__)


class Fitted(Protocol):
    """A member fitted on a training series; forecasts the steps right after it."""

    def predict(self, horizon: int) -> FloatArray:
        """Point forecasts of the next ``horizon`` steps."""
        ...


@runtime_checkable
class Extendable(Fitted, Protocol):
    """A fitted member that can take later observations without re-estimating its parameters
    (the rolling-origin forecasts the prediction intervals are calibrated on)."""

    def extend(self, values: FloatArray) -> Extendable:
        """The same parameters with ``values`` (the steps right after the data) appended."""
        ...


class MemberSpec(Protocol):
    """How to fit one kind of member."""

    @property
    def name(self) -> str:
        """Short stable name (``ets``, ``sarimax``, ``forest``)."""
        ...

    def fit(self, train: RegularSeries, seasons: Seasons, horizon: int) -> Fitted:
        """Fit on ``train``; ``horizon`` is the lead time the fit is tuned for."""
        ...


@dataclass(frozen=True)
class EtsVariant:
    """One Holt-Winters configuration tried on the inner hold-out."""

    season: int
    level_cap: float
    damped_trend: bool

    def fit(self, values: FloatArray) -> Any:
        """The fitted statsmodels results."""
        from statsmodels.tsa.holtwinters import ExponentialSmoothing  # heavy: on first fit

        seasonal = "add" if self.season > 1 else None
        model = ExponentialSmoothing(
            values,
            trend="add" if self.damped_trend else None,
            damped_trend=self.damped_trend,
            seasonal=seasonal,
            seasonal_periods=self.season if seasonal else None,
            initialization_method="heuristic" if seasonal else "estimated",
            bounds={"smoothing_level": (0.0, self.level_cap)},
        )
        return model.fit(use_brute=False)


@dataclass
class FittedEts:
    """Holt-Winters results plus the variant that produced them."""

    variant: EtsVariant
    results: Any

    def predict(self, horizon: int) -> FloatArray:
        """Point forecasts."""
        return np.asarray(self.results.forecast(horizon), dtype=np.float64)

    def extend(self, values: FloatArray) -> FittedEts:
        """Re-run the smoothing over the longer data with the fitted parameters (no fit)."""
        if values.size == 0:
            return self
        from statsmodels.tsa.holtwinters import ExponentialSmoothing  # heavy: on first use

        p = self.results.params
        data = np.concatenate((np.asarray(self.results.model.endog, dtype=np.float64), values))
        seasonal = self.variant.season > 1
        model = ExponentialSmoothing(
            data,
            trend="add" if self.variant.damped_trend else None,
            damped_trend=self.variant.damped_trend,
            seasonal="add" if seasonal else None,
            seasonal_periods=self.variant.season if seasonal else None,
            initialization_method="known",
            initial_level=p["initial_level"],
            initial_trend=p["initial_trend"] if self.variant.damped_trend else None,
            initial_seasonal=p["initial_seasons"] if seasonal else None,
        )
        smoothing = ("smoothing_level", "smoothing_trend", "smoothing_seasonal", "damping_trend")
        fixed = {k: p[k] for k in smoothing if p.get(k) is not None and np.isfinite(p[k])}
        return FittedEts(self.variant, model.fit(optimized=False, **fixed))


@dataclass(frozen=True)
class EtsSpec:
    """Holt-Winters ETS with its variant chosen on an inner hold-out."""

    level_caps: tuple[float, ...] = (0.05, 0.2)
    name: str = "ets"

    def variants(self, length: int, seasons: Seasons) -> list[EtsVariant]:
        """Variants the training length allows: the primary and the longest fitting season,
        each with capped level smoothing, and the classic free damped Holt-Winters."""
        fitting = [s for s in seasons.all if length >= 2 * s + 12] or [1]
        candidates = sorted({fitting[0], max(fitting)})
        out = [EtsVariant(s, cap, False) for s in candidates for cap in self.level_caps]
        out += [EtsVariant(s, 1.0, True) for s in candidates]
        return out

    def fit(self, train: RegularSeries, seasons: Seasons, horizon: int) -> FittedEts:
        """Choose the variant on the last ``horizon`` steps, then refit it on everything."""
        holdout = min(horizon, len(train) // 5)
        inner = train.values[: len(train) - holdout]
        scored = []
        for variant in self.variants(inner.size, seasons):
            try:
                guess = np.asarray(variant.fit(inner).forecast(holdout), dtype=np.float64)
            except (ValueError, np.linalg.LinAlgError) as exc:
                log.debug("ets variant %s failed: %s", variant, exc)
                continue
            if np.all(np.isfinite(guess)):
                scored.append((mae(train.values[inner.size :], guess), variant))
        if not scored:
            raise ValueError("no Holt-Winters variant could be fitted")
        best = min(scored, key=lambda item: item[0])[1]
        return FittedEts(best, best.fit(train.values))


def fourier_terms(steps: IntArray, season: int, harmonics: int) -> FloatArray:
    """``sin``/``cos`` of the first ``harmonics`` harmonics of ``season``, at absolute steps."""
    phase = 2.0 * np.pi * (steps % season).astype(np.float64) / season
    columns = [f(k * phase) for k in range(1, harmonics + 1) for f in (np.sin, np.cos)]
    return np.column_stack(columns) if columns else np.zeros((steps.size, 0))


@dataclass(frozen=True)
class HarmonicDesign:
    """The regression columns: a constant and Fourier terms per season."""

    harmonics: tuple[tuple[int, int], ...]
    """``(season, number of harmonics)`` pairs."""

    def matrix(self, steps: IntArray) -> FloatArray:
        """The design matrix at the given absolute steps."""
        blocks = [np.ones((steps.size, 1))]
        blocks += [fourier_terms(steps, s, k) for s, k in self.harmonics]
        return np.hstack(blocks)


@dataclass
class FittedSarimax:
    """Harmonic regression coefficients and the ARMA model of the remainder."""

    design: HarmonicDesign
    beta: FloatArray
    arma: Any
    end_step: int

    def predict(self, horizon: int) -> FloatArray:
        """Regression part at the future steps plus the ARMA forecast of the remainder."""
        steps = np.arange(self.end_step, self.end_step + horizon, dtype=np.int64)
        remainder = np.asarray(self.arma.forecast(horizon), dtype=np.float64)
        return self.design.matrix(steps) @ self.beta + remainder

    def extend(self, values: FloatArray) -> FittedSarimax:
        """Filter the ARMA state through the new remainders with the fitted parameters."""
        if values.size == 0:
            return self
        steps = np.arange(self.end_step, self.end_step + values.size, dtype=np.int64)
        remainder = values - self.design.matrix(steps) @ self.beta
        arma = self.arma.extend(remainder)
        return FittedSarimax(self.design, self.beta, arma, self.end_step + values.size)


@dataclass(frozen=True)
class SarimaxSpec:
    """Fourier regression + ``SARIMAX(order)`` errors."""

    order: tuple[int, int, int] = (2, 0, 1)
    primary_harmonics: int = 10
    extra_harmonics: int = 4
    max_iterations: int = 50
    name: str = "sarimax"

    def design(self, length: int, seasons: Seasons) -> HarmonicDesign:
        """Harmonics of each season that the training length covers twice."""
        pairs = []
        for index, season in enumerate(seasons.all):
            wanted = self.primary_harmonics if index == 0 else self.extra_harmonics
            harmonics = min(wanted, (season - 1) // 2)
            if harmonics > 0 and length >= 2 * season:
                pairs.append((season, harmonics))
        return HarmonicDesign(tuple(pairs))

    def fit(self, train: RegularSeries, seasons: Seasons, horizon: int) -> FittedSarimax:
        """Least-squares harmonics, then maximum likelihood ARMA on the residuals."""
        from statsmodels.tsa.statespace.sarimax import SARIMAX  # heavy: on first fit

        design = self.design(len(train), seasons)
        matrix = design.matrix(train.steps(0, len(train)))
        beta = np.asarray(np.linalg.lstsq(matrix, train.values, rcond=None)[0], dtype=np.float64)
        remainder = train.values - matrix @ beta
        arma = SARIMAX(remainder, order=self.order).fit(
            disp=False, maxiter=self.max_iterations, cov_type="none"
        )
        return FittedSarimax(design, beta, arma, train.origin + len(train))
