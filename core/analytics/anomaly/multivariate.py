"""Per-device multivariate anomaly detection: an IsolationForest over windowed features.

Several aligned series of one device (same timestamps) are described per sample by, for every
channel, the value, its short-window mean and standard deviation and its first difference. A
forest is fitted on the features of the ``train_size`` samples before a refit point and scores
the samples that follow until the next refit: the score of a sample never depends on it or on
anything after it. Refit points sit every ``refit_every`` samples of the stream's own count and
each fit is seeded from that count, so batching does not change the scores.

Joint features make the forest see relations: two channels that always move together and then
part ways give points far from the training cloud even when each channel alone looks normal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from core.analytics.anomaly.rolling import FloatArray

if TYPE_CHECKING:
    from sklearn.ensemble import IsolationForest

log = logging.getLogger(__name__)

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class IsolationForestSettings:
    """Settings of :class:`IsolationForestDetector`."""

    feature_window: int = 8
    train_size: int = 512
    min_train: int = 128
    refit_every: int = 128
    n_estimators: int = 100
    seed: int = 0


class IsolationForestDetector:
    """Causal IsolationForest over aligned channels; ``update`` takes values of shape (n, k)."""

    def __init__(self, channels: int, settings: IsolationForestSettings | None = None) -> None:
        if channels < 1:
            raise ValueError("at least one channel is needed")
        self.channels = channels
        self.settings = settings or IsolationForestSettings()
        self._recent_rows = np.zeros((0, channels))
        self._features = np.zeros((0, 4 * channels))
        self._count = 0
        self._forest: IsolationForest | None = None
        self._center = np.zeros(4 * channels)
        self._rotation = np.eye(4 * channels)

    def fresh(self) -> Self:
        """A new detector with the same channels and settings."""
        return type(self)(self.channels, self.settings)

    def score_series(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Scores of whole aligned series by a fresh detector."""
        return self.fresh().update(ts_ns, values)

    def update(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        """Scores in [0, 1] of the next rows; a row with a non-finite value scores 0 and is
        skipped. The score is ``2 s - 1`` clipped at 0, with ``s`` the forest's anomaly score
        (about 0.5 or less for ordinary points, towards 1 for isolated ones)."""
        rows = np.asarray(values, dtype=np.float64)
        if rows.ndim == 1 and self.channels == 1:
            rows = rows[:, None]
        ts = np.asarray(ts_ns, dtype=np.int64)
        if rows.ndim != 2 or rows.shape[1] != self.channels or rows.shape[0] != ts.size:
            raise ValueError(
                f"expected values of shape ({ts.size}, {self.channels}), got {rows.shape}"
            )
        usable = np.isfinite(rows).all(axis=1)
        scores = np.zeros(ts.size)
        features = self._push_features(rows[usable])
        scores[usable] = self._score_rows(features)
        return scores

    def _push_features(self, rows: FloatArray) -> FloatArray:
        """Per row and channel: value, window mean, window std, difference to the previous row."""
        width = self.settings.feature_window
        history = self._recent_rows
        padded = np.concatenate([np.full((width, self.channels), np.nan), history, rows])
        self._recent_rows = np.concatenate([history, rows])[-width:]
        start = width + history.shape[0] - width + 1
        windows = sliding_window_view(padded, width, axis=0)[start : start + rows.shape[0]]
        previous = padded[
            width + history.shape[0] - 1 : width + history.shape[0] - 1 + rows.shape[0]
        ]
        mean = np.nanmean(windows, axis=2)
        std = np.nanstd(windows, axis=2)
        difference = np.nan_to_num(rows - previous)
        return np.concatenate([rows, mean, std, difference], axis=1)

    def _score_rows(self, features: FloatArray) -> FloatArray:
        scores = np.zeros(features.shape[0])
        done = 0
        every = self.settings.refit_every
        while done < features.shape[0]:
            if self._count % every == 0:
                self._refit()
            take = min(every - self._count % every, features.shape[0] - done)
            block = features[done : done + take]
            if self._forest is not None:
                raw = -self._forest.score_samples(self._whiten(block))
                scores[done : done + take] = np.clip(2.0 * raw - 1.0, 0.0, 1.0)
            self._features = np.concatenate([self._features, block])[-self.settings.train_size :]
            self._count += take
            done += take
        return scores

    def _refit(self) -> None:
        s = self.settings
        if self._features.shape[0] < s.min_train:
            return
        self._fit_whitening(self._features)
        from sklearn.ensemble import IsolationForest  # heavy: on first fit

        forest = IsolationForest(
            n_estimators=s.n_estimators,
            random_state=(s.seed + self._count) % (2**32),
        )
        self._forest = forest.fit(self._whiten(self._features))
        log.debug(
            "isolation forest refitted on %d rows at sample %d",
            self._features.shape[0],
            self._count,
        )

    def _fit_whitening(self, features: FloatArray) -> None:
        """PCA whitening of the training features: the forest splits along axes, so correlated
        channels are rotated onto independent unit-variance components first, where leaving
        the usual relation shows as an extreme value of one component."""
        self._center = features.mean(axis=0)
        _, singular, components = np.linalg.svd(features - self._center, full_matrices=False)
        spread = singular / np.sqrt(max(features.shape[0] - 1, 1))
        floor = max(float(spread.max(initial=0.0)) * 1e-6, 1e-12)
        self._rotation = components.T / np.maximum(spread, floor)

    def _whiten(self, features: FloatArray) -> FloatArray:
        return np.asarray((features - self._center) @ self._rotation, dtype=np.float64)
