"""From a stream of anomaly scores to anomaly events and a published anomaly level, per tag.

The detectors alert once, at the onset of an anomaly (their novelty shaping turns a lasting
anomaly into one high score, not a plateau), so an event cannot be "the time the score stays
high". Instead:

- an anomaly *starts* at a sample scoring ``>= threshold``; the median and robust sigma of the
  preceding normal samples (see :mod:`.history`) are frozen as its baseline;
- it *persists* while the median of the last :data:`PERSIST_WINDOW` samples since the onset
  lies more than ``deviation_z`` robust sigmas from that median, or while the signal is flat
  (the last :data:`PERSIST_WINDOW` samples equal) where the baseline never was;
- it becomes an *event* (stored) once it has persisted ``min_duration_s`` (0: at once);
- the event *ends* when the signal has been back within the baseline for ``cooldown_s`` (reason
  ``recovered``; ``end`` is when it came back; alerts in between belong to the same event), or
  after ``max_open_s`` (reason ``new_normal``: the signal settled at a new level).

The published *anomaly level* is the score, held at the event's peak while an event is open and
the signal still deviates: an alarm with an on-delay on the level promotes a sustained anomaly.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from core.analytics.live.detectors import FloatArray, IntArray
from core.analytics.live.events import AnomalyEvent
from core.analytics.live.history import FLAT_RUN, Baseline, NormalHistory
from core.analytics.live.rules import AnomalyRule
from core.model import NS_PER_S, now_ns

log = logging.getLogger(__name__)

PERSIST_WINDOW = FLAT_RUN

EventChange = tuple[str, AnomalyEvent]
"""``("open" | "update" | "close", snapshot)``."""


@dataclass(frozen=True)
class TrackerSettings:
    """The event rules of one tag (from its :class:`AnomalyRule`)."""

    threshold: float = 0.5
    min_duration_ns: int = 0
    cooldown_ns: int = 60 * NS_PER_S
    deviation_z: float = 3.0
    max_open_ns: int = 86_400 * NS_PER_S

    @classmethod
    def from_rule(cls, rule: AnomalyRule) -> TrackerSettings:
        """Settings of a rule, durations in nanoseconds."""
        return cls(
            threshold=rule.threshold,
            min_duration_ns=int(rule.min_duration_s * NS_PER_S),
            cooldown_ns=int(rule.cooldown_s * NS_PER_S),
            deviation_z=rule.deviation_z,
            max_open_ns=int(rule.max_open_s * NS_PER_S),
        )


@dataclass
class _Anomaly:
    """The anomaly in progress (a candidate until ``confirmed``)."""

    start_ns: int
    baseline: Baseline
    peak_score: float
    peak_ns: int
    peak_value: float
    confirmed: bool = False
    since_onset: int = 0
    quiet_since: int | None = None


class EventTracker:
    """Anomaly events of one tag; feed it the tag's samples with their scores, in time order."""

    def __init__(
        self,
        tag: str,
        detector: str,
        settings: TrackerSettings,
        clock: Callable[[], int] = now_ns,
    ) -> None:
        self.tag = tag
        self.detector = detector
        self.settings = settings
        self._clock = clock
        self._normal = NormalHistory()
        self._recent: deque[float] = deque(maxlen=PERSIST_WINDOW)
        self._active: _Anomaly | None = None

    @property
    def open_event(self) -> AnomalyEvent | None:
        """The open event (None when there is none, or only an unconfirmed candidate)."""
        active = self._active
        return self._snapshot(active) if active is not None and active.confirmed else None

    def prime(self, values: Iterable[float]) -> None:
        """Learn the baseline from stored samples (start-up warm-up); raises no event."""
        for value in values:
            self._normal.add(value)
            self._recent.append(value)

    def resume(self, event: AnomalyEvent) -> None:
        """Continue an event left open by the previous run."""
        self._active = _Anomaly(
            start_ns=event.start_ns,
            baseline=Baseline(event.baseline_median, event.baseline_sigma, False),
            peak_score=event.peak_score,
            peak_ns=event.peak_ns,
            peak_value=event.peak_value,
            confirmed=True,
        )

    def push(
        self, ts: IntArray, values: FloatArray, scores: FloatArray
    ) -> tuple[FloatArray, list[EventChange]]:
        """Anomaly level per sample, and the event changes the samples caused."""
        levels = np.empty(len(scores), dtype=np.float64)
        changes: list[EventChange] = []
        rows = zip(ts.tolist(), values.tolist(), scores.tolist(), strict=True)
        for i, (t, x, s) in enumerate(rows):
            levels[i] = self._step(t, x, s, changes)
        return levels, changes

    def _step(self, t: int, x: float, s: float, changes: list[EventChange]) -> float:
        active = self._active
        if active is None and s < self.settings.threshold:
            self._normal.add(x)
            self._recent.append(x)
            return s
        if active is None:
            active = self._active = self._begin(t, x, s)
        self._recent.append(x)
        active.since_onset += 1
        deviating = self._deviating(active)
        if deviating:
            active.quiet_since = None
            if s > active.peak_score:
                active.peak_score, active.peak_ns, active.peak_value = s, t, x
                if active.confirmed:
                    changes.append(("update", self._snapshot(active)))
        else:
            active.quiet_since = t if active.quiet_since is None else active.quiet_since
            self._normal.add(x)
        self._confirm(active, t, deviating, changes)
        level = max(s, active.peak_score) if active.confirmed and deviating else s
        self._maybe_end(active, t, changes)
        return level

    def _begin(self, t: int, x: float, s: float) -> _Anomaly:
        return _Anomaly(t, self._normal.baseline(fallback=x), s, t, x)

    def _deviating(self, active: _Anomaly) -> bool:
        recent = np.fromiter(self._recent, dtype=np.float64, count=len(self._recent))
        since = recent[-min(active.since_onset, recent.size) :]
        base = active.baseline
        if float(np.median(np.abs(since - base.median))) > self.settings.deviation_z * base.sigma:
            return True
        full = recent.size == PERSIST_WINDOW
        return base.flat_is_abnormal and full and float(np.ptp(recent)) == 0.0

    def _confirm(
        self, active: _Anomaly, t: int, deviating: bool, changes: list[EventChange]
    ) -> None:
        if active.confirmed:
            return
        lasted = t - active.start_ns >= self.settings.min_duration_ns
        at_onset = self.settings.min_duration_ns == 0 and t == active.start_ns
        if lasted and (deviating or at_onset):
            active.confirmed = True
            changes.append(("open", self._snapshot(active)))

    def _maybe_end(self, active: _Anomaly, t: int, changes: list[EventChange]) -> None:
        quiet = active.quiet_since
        if quiet is not None and t - quiet >= self.settings.cooldown_ns:
            if active.confirmed:
                changes.append(("close", self._snapshot(active, quiet, "recovered")))
            self._active = None
        elif active.confirmed and t - active.start_ns >= self.settings.max_open_ns:
            changes.append(("close", self._snapshot(active, t, "new_normal")))
            self._active = None
            self._normal.restart(self._recent)

    def _snapshot(
        self, active: _Anomaly, end_ns: int | None = None, reason: str = ""
    ) -> AnomalyEvent:
        return AnomalyEvent(
            tag=self.tag,
            detector=self.detector,
            start_ns=active.start_ns,
            end_ns=end_ns,
            peak_score=active.peak_score,
            peak_ns=active.peak_ns,
            peak_value=active.peak_value,
            baseline_median=active.baseline.median,
            baseline_sigma=active.baseline.sigma,
            close_reason=reason,
            updated_ns=self._clock(),
        )
