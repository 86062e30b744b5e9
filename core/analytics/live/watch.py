"""One watched tag: its detector, its event tracker and its ``.anomaly`` score tag."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from core.analytics.live.detectors import FloatArray, IntArray, StreamDetector
from core.analytics.live.history import BASELINE_SAMPLES
from core.analytics.live.rules import AnomalyRule, score_tag_name
from core.analytics.live.tracker import EventChange, EventTracker, TrackerSettings
from core.model import Quality, QualityArray, now_ns
from core.tags import TagInfo

log = logging.getLogger(__name__)

DetectorFactory = Callable[[AnomalyRule], StreamDetector]
_NEVER = np.iinfo(np.int64).min


def default_detector(rule: AnomalyRule) -> StreamDetector:
    """The detector a rule names."""
    return rule.make_detector()


def score_tag_info(tag: TagInfo, rule: AnomalyRule) -> TagInfo:
    """Metadata of the ``.anomaly`` tag of a watched tag."""
    return TagInfo(
        id=0,
        name=score_tag_name(tag.name),
        device=tag.device,
        unit="score",
        description=f"anomaly level of {tag.name} ({rule.detector} detector)",
        deadband=rule.score_deadband,
        eng_min=0.0,
        eng_max=1.0,
        retention_class=tag.retention_class,
    )


class TagWatch:
    """Scores one tag's samples causally and turns the scores into anomaly events."""

    def __init__(
        self,
        tag: TagInfo,
        rule: AnomalyRule,
        detector: StreamDetector,
        clock: Callable[[], int] = now_ns,
    ) -> None:
        self.tag = tag
        self.rule = rule
        self.detector = detector
        self.tracker = EventTracker(tag.name, rule.detector, TrackerSettings.from_rule(rule), clock)
        self.score_tag = score_tag_name(tag.name) if rule.publish_score else None
        self.last_ts = int(_NEVER)

    def warm(self, ts: IntArray, values: FloatArray) -> None:
        """Replay stored samples (good/uncertain, oldest first): no events, no published scores."""
        if ts.size == 0:
            return
        self.detector.update(ts, values)
        self.tracker.prime(values[-BASELINE_SAMPLES:].tolist())
        self.last_ts = int(ts[-1])

    def feed(
        self, ts: IntArray, values: FloatArray, quality: QualityArray
    ) -> tuple[IntArray, FloatArray, list[EventChange]]:
        """Score new samples (ordered by time); returns their times, anomaly levels and the
        event changes. Bad-quality, non-finite and already-seen samples are skipped."""
        keep = (quality < Quality.BAD) & (ts > self.last_ts) & np.isfinite(values)
        ts, values = ts[keep], values[keep]
        if ts.size == 0:
            return ts, values, []
        scores = self.detector.update(ts, values)
        self.last_ts = int(ts[-1])
        levels, changes = self.tracker.push(ts, values, scores)
        return ts, levels, changes
