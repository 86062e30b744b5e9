"""A 0-100 health score per device that shows what it is made of.

Four components, each a sub-score 0-100 (100 = healthy) with the raw figure behind it:

- ``anomaly``: share of samples whose anomaly score (from :mod:`core.analytics.anomaly`) is at
  least ``anomaly_threshold``; 0 % scores 100, ``anomaly_share_limit`` or more scores 0;
- ``alarms``: alarm activations per day from the alarm journal; ``alarms_per_day_limit`` or more
  scores 0 (ISA-18.2 treats more than ~10 alarms per operator-hour as overload; one device
  should stay far below);
- ``deviation``: mean absolute deviation from the hour-of-week baseline in %;
  ``deviation_pct_limit`` or more scores 0;
- ``data_quality``: share of samples not of bad quality, times the share of expected samples
  that arrived (when an expected count is known).

The score is the weighted mean of the available components (weights re-normalised); a
component without data is shown as unavailable and does not count. Every figure is linear
between its limits, so a score can be traced back by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from core.model import Quality

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HealthLimits:
    """Where each component reaches 0."""

    anomaly_threshold: float = 0.5
    anomaly_share_limit: float = 0.05
    alarms_per_day_limit: float = 10.0
    deviation_pct_limit: float = 50.0


@dataclass(frozen=True, slots=True)
class HealthWeights:
    """Relative weight of each component."""

    anomaly: float = 0.35
    alarms: float = 0.25
    deviation: float = 0.2
    data_quality: float = 0.2

    def of(self, name: str) -> float:
        """The weight of a component by name."""
        return float(getattr(self, name))


@dataclass(frozen=True, slots=True)
class HealthComponent:
    """One component: its sub-score, the figure it comes from, and how much it counts."""

    name: str
    score: float | None
    """0-100, or None when there was no data for it."""
    value: float | None
    unit: str
    detail: str
    weight: float = 0.0


@dataclass(frozen=True)
class HealthScore:
    """A device's health with its components."""

    device: str
    score: float | None
    components: list[HealthComponent] = field(default_factory=list)

    def component(self, name: str) -> HealthComponent:
        """A component by name."""
        return next(c for c in self.components if c.name == name)


def _linear(value: float, limit: float) -> float:
    """100 at 0, 0 at ``limit`` and beyond."""
    return 100.0 * (1.0 - min(max(value, 0.0) / limit, 1.0)) if limit > 0 else 100.0


def anomaly_component(
    scores: npt.ArrayLike, limits: HealthLimits = HealthLimits()
) -> HealthComponent:
    """From per-sample anomaly scores in [0, 1]."""
    s = np.asarray(scores, dtype=np.float64)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return HealthComponent("anomaly", None, None, "%", "no samples scored")
    share = float(np.mean(s >= limits.anomaly_threshold))
    detail = (
        f"{share:.1%} of {s.size} samples scored >= {limits.anomaly_threshold:g} "
        f"(max {s.max():.2f}); 0 at {limits.anomaly_share_limit:.0%}"
    )
    return HealthComponent(
        "anomaly", _linear(share, limits.anomaly_share_limit), share * 100, "%", detail
    )


def alarm_component(
    activations: int, window_s: float, limits: HealthLimits = HealthLimits()
) -> HealthComponent:
    """From the count of alarm activations in a window."""
    if window_s <= 0:
        return HealthComponent("alarms", None, None, "1/day", "empty window")
    per_day = activations / (window_s / 86_400.0)
    detail = f"{activations} activation(s) in {window_s / 3600:.1f} h; 0 at {limits.alarms_per_day_limit:g}/day"
    return HealthComponent(
        "alarms", _linear(per_day, limits.alarms_per_day_limit), per_day, "1/day", detail
    )


def deviation_component(
    deviation: npt.ArrayLike, limits: HealthLimits = HealthLimits()
) -> HealthComponent:
    """From deviations from the baseline in % (NaN where no baseline)."""
    d = np.asarray(deviation, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return HealthComponent("deviation", None, None, "%", "no learned baseline for this window")
    mean_abs = float(np.mean(np.abs(d)))
    detail = f"mean |deviation| {mean_abs:.1f} % over {d.size} value(s); 0 at {limits.deviation_pct_limit:g} %"
    return HealthComponent(
        "deviation", _linear(mean_abs, limits.deviation_pct_limit), mean_abs, "%", detail
    )


def quality_component(quality: npt.ArrayLike, expected: int | None = None) -> HealthComponent:
    """From sample qualities (and the number of samples that should have arrived)."""
    q = np.asarray(quality, dtype=np.int64)
    return quality_counts_component(int(q.size), int(np.sum(q >= Quality.BAD)), expected)


def quality_counts_component(
    samples: int, bad: int, expected: int | None = None
) -> HealthComponent:
    """From counts of samples and of bad-quality samples (e.g. read from the rollups)."""
    if samples == 0 and not expected:
        return HealthComponent("data_quality", None, None, "%", "no samples")
    usable = (samples - bad) / samples if samples else 0.0
    arrived = min(samples / expected, 1.0) if expected else 1.0
    share = usable * arrived
    detail = f"{usable:.1%} of {samples} samples usable" + (
        f", {arrived:.1%} of {expected} expected arrived" if expected else ""
    )
    return HealthComponent("data_quality", 100.0 * share, share * 100, "%", detail)


def health_score(
    device: str, components: Sequence[HealthComponent], weights: HealthWeights = HealthWeights()
) -> HealthScore:
    """Weighted mean of the available components (each shown with its weight)."""
    shown = [
        HealthComponent(c.name, c.score, c.value, c.unit, c.detail, weights.of(c.name))
        for c in components
    ]
    present = [c for c in shown if c.score is not None and c.weight > 0]
    total = sum(c.weight for c in present)
    if not present or total <= 0:
        return HealthScore(device, None, shown)
    score = sum(c.weight * (c.score or 0.0) for c in present) / total
    return HealthScore(device, round(score, 2), shown)
