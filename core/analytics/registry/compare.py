"""Comparing two model versions: metrics side by side, which is better, what changed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from core.analytics.registry.rows import ModelVersion

LOWER_IS_BETTER = frozenset(
    {"mase", "smape", "mae", "rmse", "mape", "mse", "fit_seconds", "naive_mase", "aicc"}
)
HIGHER_IS_BETTER = frozenset({"r_squared", "r2", "accuracy", "nab_score", "interval_coverage"})


@dataclass(frozen=True)
class MetricDelta:
    """One metric of both versions; ``better`` is ``a``, ``b``, ``same`` or ``""`` (unknown
    direction or missing on one side)."""

    name: str
    a: float | None
    b: float | None
    delta: float | None
    better: str


@dataclass(frozen=True)
class Comparison:
    """Two versions, their metric deltas (``b - a``) and changed parameters."""

    a: ModelVersion
    b: ModelVersion
    metrics: tuple[MetricDelta, ...]
    changed_params: dict[str, tuple[Any, Any]]

    def winner(self, metric: str) -> str:
        """``a``, ``b``, ``same`` or ``""`` for ``metric``."""
        return next((m.better for m in self.metrics if m.name == metric), "")


def _better(name: str, a: float | None, b: float | None) -> str:
    if a is None or b is None or math.isnan(a) or math.isnan(b):
        return ""
    if math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0):
        return "same"
    if name in LOWER_IS_BETTER:
        return "a" if a < b else "b"
    if name in HIGHER_IS_BETTER:
        return "a" if a > b else "b"
    return ""


def compare_versions(a: ModelVersion, b: ModelVersion) -> Comparison:
    """Side-by-side metrics and the parameters that differ."""
    ma, mb = a.metrics, b.metrics
    deltas = []
    for name in sorted(set(ma) | set(mb)):
        va, vb = ma.get(name), mb.get(name)
        delta = vb - va if va is not None and vb is not None else None
        deltas.append(MetricDelta(name, va, vb, delta, _better(name, va, vb)))
    pa, pb = a.params, b.params
    changed = {
        k: (pa.get(k), pb.get(k)) for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k)
    }
    return Comparison(a, b, tuple(deltas), changed)
