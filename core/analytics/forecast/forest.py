"""The scikit-learn member: a random forest on lag and calendar features.

Forecasting is *block recursive*: every lag feature is at least ``block`` steps old (``block``
is the shorter of the primary season and the horizon), so one block of up to ``block`` future
steps is predicted by a single vectorised call from values that are known or already
forecast — seven calls for a week of 30-minute data with a daily season, instead of 336.

Features of the sample at step ``t``: ``y[t - lag]`` for the lags of :class:`FeaturePlan`, the
mean of the ``window`` values ending at ``t - block``, the hour of day and day of week (UTC)
and the phase within the primary season.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.analytics.forecast.series import (
    DAY_NS,
    FloatArray,
    IntArray,
    RegularSeries,
    Seasons,
)
from core.model import NS_PER_S

if TYPE_CHECKING:
    from sklearn.ensemble import RandomForestRegressor

log = logging.getLogger(__name__)

MIN_TRAINING_ROWS = 24


@dataclass(frozen=True)
class FeaturePlan:
    """Which lags and window the features use; all at least ``block`` steps back."""

    block: int
    lags: tuple[int, ...]
    window: int
    season: int
    step_ns: int

    @property
    def reach(self) -> int:
        """How far back the features look."""
        return max(*self.lags, self.block + self.window - 1)

    def matrix(self, buffer: FloatArray, index: IntArray, origin: int) -> FloatArray:
        """Feature rows for positions ``index`` of ``buffer`` (whose position 0 is step
        ``origin``)."""
        cumulative = np.concatenate(([0.0], np.cumsum(buffer)))
        end = index - self.block + 1
        window_mean = (cumulative[end] - cumulative[end - self.window]) / self.window
        ts = (origin + index) * self.step_ns
        hour = (ts % DAY_NS) / (3600 * NS_PER_S)
        weekday = (ts // DAY_NS + 3) % 7
        columns = [buffer[index - lag] for lag in self.lags]
        phase = (origin + index) % max(self.season, 1)
        columns += [window_mean, hour, weekday.astype(np.float64), phase.astype(np.float64)]
        return np.column_stack(columns).astype(np.float64)


def plan_features(length: int, seasons: Seasons, horizon: int, step_ns: int) -> FeaturePlan:
    """Lags ``block .. block + 2`` and one and two of each season, kept when the training data
    leave at least half of it (and :data:`MIN_TRAINING_ROWS`) as training rows."""
    primary = seasons.primary
    block = max(1, min(horizon, primary)) if primary > 1 else 1
    window = primary if primary > 1 else max(1, min(24, length // 10))
    candidates = {block, block + 1, block + 2}
    candidates |= {k * s for s in seasons.all for k in (1, 2) if k * s >= block}
    limit = min(length // 2, length - MIN_TRAINING_ROWS - window - block)
    lags = tuple(sorted(lag for lag in candidates if lag <= limit))
    if not lags:
        raise ValueError(f"series of {length} steps too short for lag features")
    return FeaturePlan(block, lags, window, primary, step_ns)


@dataclass
class FittedForest:
    """The forest, its feature plan and the recent history the lags need."""

    plan: FeaturePlan
    forest: RandomForestRegressor
    history: FloatArray
    history_origin: int

    def predict(self, horizon: int) -> FloatArray:
        """Block-recursive forecasts of the next ``horizon`` steps."""
        known = self.history.size
        buffer = np.concatenate((self.history, np.zeros(horizon)))
        for start in range(known, known + horizon, self.plan.block):
            index = np.arange(start, min(start + self.plan.block, known + horizon))
            features = self.plan.matrix(buffer, index, self.history_origin)
            buffer[index] = self.forest.predict(features)
        return buffer[known:].copy()

    def extend(self, values: FloatArray) -> FittedForest:
        """The same forest with ``values`` appended to the history its lags read."""
        if values.size == 0:
            return self
        keep = self.history.size
        history = np.concatenate((self.history, values))[-keep:]
        origin = self.history_origin + self.history.size + values.size - keep
        return FittedForest(self.plan, self.forest, history, origin)


@dataclass(frozen=True)
class ForestSpec:
    """Random forest regression on lag and calendar features."""

    trees: int = 100
    min_leaf: int = 3
    max_features: float = 0.6
    seed: int = 0
    name: str = "forest"

    def fit(self, train: RegularSeries, seasons: Seasons, horizon: int) -> FittedForest:
        """Fit on every training row whose features are complete."""
        from sklearn.ensemble import RandomForestRegressor  # heavy: on first fit

        plan = plan_features(len(train), seasons, horizon, train.step_ns)
        index = np.arange(plan.reach, len(train))
        features = plan.matrix(train.values, index, train.origin)
        forest = RandomForestRegressor(
            n_estimators=self.trees,
            min_samples_leaf=self.min_leaf,
            max_features=self.max_features,
            random_state=self.seed,
            n_jobs=1,
        )
        forest.fit(features, train.values[index])
        keep = plan.reach + 1
        tail = train.tail(keep)
        return FittedForest(plan, forest, tail.values.copy(), tail.origin)
