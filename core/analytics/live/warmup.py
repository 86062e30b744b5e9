"""Start-up of the live anomaly service: detectors replay recent history, open events resume.

A restart then needs no hours of new data before the detectors score again: each watched tag's
newest ``warmup_samples`` stored samples are replayed into its detector (no events, no published
scores), within a total time budget; tags beyond the budget start cold and are counted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from core.analytics.live.detectors import FloatArray, IntArray
from core.analytics.live.events import AnomalyEvent, EventStore
from core.analytics.live.watch import TagWatch
from core.model import Quality
from core.store.schema import samples

log = logging.getLogger(__name__)


def read_recent(
    engine: Engine, tag_id: int, until_ns: int, limit: int
) -> tuple[IntArray, FloatArray]:
    """The newest ``limit`` usable (not bad) samples of a tag up to ``until_ns``, oldest first.

    One indexed query (the samples primary key is ``(tag_id, ts)``) with a row limit, so the
    warm-up costs the same whatever the tag's sampling rate.
    """
    if limit <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    stmt = (
        select(samples.c.ts, samples.c.value)
        .where(
            samples.c.tag_id == tag_id,
            samples.c.ts <= until_ns,
            samples.c.quality < int(Quality.BAD),
        )
        .order_by(samples.c.ts.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()[::-1]
    ts = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
    finite = np.isfinite(values)
    return ts[finite], values[finite]


def warm_up(
    watches: Sequence[TagWatch],
    engine: Engine,
    events: EventStore,
    until_ns: int,
    budget_s: float,
) -> int:
    """Replay history into ``watches`` and resume their open events; events of tags no longer
    watched are closed as ``unwatched``. Returns how many tags start cold."""
    open_events = _open_events(events)
    deadline = time.monotonic() + budget_s
    cold = 0
    for watch in watches:
        event = open_events.pop(watch.tag.name, None)
        if event is not None:
            watch.tracker.resume(event)
            log.info("anomaly event of %s resumed (open since %d)", event.tag, event.start_ns)
        if time.monotonic() > deadline:
            cold += 1
            continue
        try:
            watch.warm(*read_recent(engine, watch.tag.id, until_ns, watch.rule.warmup_samples))
        except SQLAlchemyError as exc:
            cold += 1
            log.warning("anomaly warm-up of %s failed: %s", watch.tag.name, exc)
    for event in open_events.values():
        end = max(event.start_ns, event.updated_ns)
        events.save(replace(event, end_ns=end, close_reason="unwatched"))
    if cold:
        log.warning("anomaly: %d tag(s) start cold (warm-up budget %.0f s)", cold, budget_s)
    return cold


def _open_events(events: EventStore) -> dict[str, AnomalyEvent]:
    try:
        return {event.tag: event for event in events.load_open()}
    except SQLAlchemyError as exc:
        log.warning("open anomaly events not loaded: %s", exc)
        return {}
