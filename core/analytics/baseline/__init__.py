"""Baselines, health and uptime: pure functions over numpy arrays returning dataclasses.

- :func:`rolling_stats`, :func:`ewma`, :func:`ewma_stats` — causal rolling mean/std and
  time-aware EWMA;
- :class:`HourOfWeekBaseline`, :func:`deviation_pct` — baselines by local hour of week;
- :func:`health_score` and its components — a 0-100 score that shows what it is made of;
- :func:`state_time`, :func:`availability` — uptime from presence, availability from run state;
- :func:`oee` — availability x performance x quality.

Store adapters (worker threads): :mod:`core.analytics.baseline.store` (health, availability,
OEE of a device) and :mod:`core.analytics.baseline.energy` (energy baselines and deviation).
"""

from core.analytics.baseline.health import (
    HealthComponent,
    HealthLimits,
    HealthScore,
    HealthWeights,
    alarm_component,
    anomaly_component,
    deviation_component,
    health_score,
    quality_component,
    quality_counts_component,
)
from core.analytics.baseline.hour_of_week import (
    SLOTS,
    HourOfWeekBaseline,
    deviation_pct,
    hour_of_week,
    week_index,
)
from core.analytics.baseline.oee import Oee, count_increase, oee
from core.analytics.baseline.rolling import (
    RollingStats,
    decayed_sum,
    ewma,
    ewma_stats,
    rolling_stats,
)
from core.analytics.baseline.uptime import Availability, StateTime, availability, state_time

__all__ = [
    "SLOTS",
    "Availability",
    "HealthComponent",
    "HealthLimits",
    "HealthScore",
    "HealthWeights",
    "HourOfWeekBaseline",
    "Oee",
    "RollingStats",
    "StateTime",
    "alarm_component",
    "anomaly_component",
    "availability",
    "count_increase",
    "decayed_sum",
    "deviation_component",
    "deviation_pct",
    "ewma",
    "ewma_stats",
    "health_score",
    "hour_of_week",
    "oee",
    "quality_component",
    "quality_counts_component",
    "rolling_stats",
    "state_time",
    "week_index",
]
