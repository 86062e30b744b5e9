"""Live anomaly detection: the streaming detectors run on the ingest stream, anomalies are stored.

Anomalies are advisory events, kept apart from alarms (ISA-18.2: alerts are not alarms). For
each ``[[anomaly]]`` rule of the plant file (see :mod:`.rules`), :class:`AnomalyService`

- scores every sample of the watched tags causally on its own thread (never blocking ingest);
- publishes the *anomaly level* as the tag ``<device>/<field.path>.anomaly`` (unit ``score``,
  0..1) through the ingest pipeline, so it is historised, trended and seen by the alarm engine;
- keeps *anomaly events* in the ``anomaly_events`` table (start, end, peak score and its time,
  the value at the peak, the detector, the pre-anomaly baseline): :func:`list_events` lists them
  and marks trends.

The detectors alert once, at an anomaly's onset. How an onset becomes an event with a duration,
and why the level is held at the event's peak while the signal stays away from its pre-anomaly
baseline, is explained in :mod:`.tracker`.

Promoting a sustained anomaly to an alarm is an ordinary alarm rule on the ``.anomaly`` tag: a
``high`` alarm with a limit just below the anomaly threshold and an on-delay. The level stays
above the limit only while an event is open and the signal still deviates, so the alarm rises
once the anomaly has lasted ``on_delay_s``, and clears when the signal returns::

    [[anomaly]]
    tags = ["meter1/total_power"]
    threshold = 0.5

    [[alarms]]
    tag = "meter1/total_power.anomaly"
    type = "high"
    limit = 0.45
    on_delay_s = 300
    priority = "low"
    message = "Sustained anomaly on meter1 total power"

Wiring (done by :class:`core.runtime.Collector`)::

    service = AnomalyService(parse_anomaly_sections(config.anomaly, config.source),
                             historian.registry, historian.engine, pipeline.emit,
                             counters=counters)
    pipeline.subscribe(service.on_batch); service.start(); ...; service.stop()
"""

from core.analytics.live.detectors import StreamDetector, make_detector
from core.analytics.live.events import AnomalyEvent, EventStore, list_events
from core.analytics.live.rules import (
    SCORE_SUFFIX,
    AnomalyRule,
    parse_anomaly_sections,
    rule_for,
    score_tag_name,
)
from core.analytics.live.service import SOURCE, AnomalyService, ReadingSink
from core.analytics.live.tables import anomaly_events
from core.analytics.live.tracker import EventTracker, TrackerSettings
from core.analytics.live.warmup import read_recent, warm_up
from core.analytics.live.watch import TagWatch

__all__ = [
    "SCORE_SUFFIX",
    "SOURCE",
    "AnomalyEvent",
    "AnomalyRule",
    "AnomalyService",
    "EventStore",
    "EventTracker",
    "ReadingSink",
    "StreamDetector",
    "TagWatch",
    "TrackerSettings",
    "anomaly_events",
    "list_events",
    "make_detector",
    "parse_anomaly_sections",
    "read_recent",
    "rule_for",
    "score_tag_name",
    "warm_up",
]
