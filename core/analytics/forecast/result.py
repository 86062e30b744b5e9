"""What a forecast returns: points, interval, backtest figures and member weights."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.analytics.forecast.metrics import BacktestMetrics
from core.analytics.forecast.series import FloatArray, IntArray
from core.model import NS_PER_S


@dataclass(frozen=True)
class MemberScore:
    """One ensemble member's weight and backtest metrics (``error`` when it was left out)."""

    name: str
    weight: float
    metrics: BacktestMetrics | None
    error: str
    fit_seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly figures."""
        return {
            "weight": self.weight,
            "backtest": _clean(self.metrics.to_dict()) if self.metrics else None,
            "error": self.error,
            "fit_seconds": self.fit_seconds,
        }


@dataclass(frozen=True, eq=False)
class Forecast:
    """Point forecasts with a ``level`` prediction interval, and how good the ensemble was.

    ``metrics`` are the ensemble's backtest MASE/sMAPE/MAE, ``naive_metrics`` the seasonal-naive
    forecast's on the same folds (MASE below 1 beats seasonal naive on average).
    """

    ts_ns: IntArray
    mean: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float
    metrics: BacktestMetrics
    naive_metrics: BacktestMetrics
    interval_coverage: float
    weights: dict[str, float]
    members: dict[str, MemberScore]
    seasons: tuple[int, ...]
    step_ns: int
    warnings: int
    fit_seconds: float

    @property
    def horizon(self) -> int:
        """Number of forecast steps."""
        return int(self.mean.size)

    def peak(self) -> tuple[int, float, float, float]:
        """``(ts_ns, forecast, lower, upper)`` of the highest point forecast."""
        k = int(self.mean.argmax())
        return int(self.ts_ns[k]), float(self.mean[k]), float(self.lower[k]), float(self.upper[k])

    def summary(self) -> dict[str, Any]:
        """Backtest figures, weights and settings without the points (for JSON and the HMI)."""
        return {
            "level": self.level,
            "step_s": self.step_ns / NS_PER_S,
            "seasons": list(self.seasons),
            "backtest": _clean(self.metrics.to_dict()),
            "seasonal_naive": _clean(self.naive_metrics.to_dict()),
            "interval_coverage": _number(self.interval_coverage),
            "weights": dict(self.weights),
            "members": {name: score.to_dict() for name, score in self.members.items()},
            "warnings": self.warnings,
            "fit_seconds": self.fit_seconds,
        }


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _clean(figures: dict[str, float | int]) -> dict[str, float | int | None]:
    return {k: (_number(v) if isinstance(v, float) else v) for k, v in figures.items()}
