"""Anomalies of a period, for the compliance report.

There is no store of anomaly events yet, so this module computes them: the
:class:`~core.analytics.anomaly.EnsembleDetector` scores each chosen tag's bucket means from the
rollups (1-minute rollups for short periods, 1-hour rollups for long ones, in buckets wide
enough that a tag has at most ``max_points`` of them, plus ``warmup_points`` before the period
so the detector's calibration has history), and every bucket inside the period scoring at
least ``threshold`` is an event. When anomaly events are stored, only :func:`find_anomalies`
changes. Bounded on purpose: at most ``max_tags`` tags (alarmed tags first, then power tags,
then by name) and ``max_points`` buckets each; the report says how many tags were scanned.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import text

from core.analytics.anomaly import EnsembleDetector
from core.analytics.baseline.store import RUN_STATE
from core.analytics.energy.units import UnitError, is_energy, is_power, scale
from core.model import NS_PER_S
from core.reports.context import ReportContext
from core.reports.operations import is_production_tag
from core.tags import TagInfo

log = logging.getLogger(__name__)

WIDTHS_S = (60, 300, 900, 1800, 3600, 7200, 14_400, 21_600, 43_200, 86_400)


@dataclass(frozen=True)
class AnomalyOptions:
    """Bounds and threshold of the anomaly scan."""

    max_tags: int = 100
    max_points: int = 2500
    warmup_points: int = 300
    threshold: float = 0.5
    top: int = 25


@dataclass(frozen=True, slots=True)
class AnomalyEvent:
    """A bucket whose mean scored as anomalous."""

    tag: str
    device: str
    ts_ns: int
    score: float
    value: float


@dataclass(frozen=True)
class AnomalyScan:
    """The strongest events of the period and what was scanned."""

    events: list[AnomalyEvent]
    event_count: int
    tags_scanned: int
    tags_eligible: int
    bucket_s: int
    threshold: float
    method: str


def eligible_tags(ctx: ReportContext, tags: Sequence[TagInfo]) -> list[TagInfo]:
    """Analog tags worth scoring (no counters, steps or booleans), alarmed and power tags first."""
    alarmed = {str(a.get("tag", "")) for a in ctx.config.alarms}

    def rank(tag: TagInfo) -> tuple[int, str]:
        first = 0 if tag.name in alarmed else 1 if is_power(tag.unit) else 2
        return first, tag.name

    return sorted((t for t in tags if t.data_type == "float" and not _not_scored(t)), key=rank)


def _not_scored(tag: TagInfo) -> bool:
    """Cumulative counters (energy, volume, pieces) only ever rise and run states and presence
    flags are steps: neither is scored."""
    if is_energy(tag.unit) or is_production_tag(tag) or RUN_STATE.search(tag.name):
        return True
    if tag.name.endswith("/online"):
        return True
    try:
        scale(tag.unit, "L")
    except UnitError:
        return False
    return True


def bucket_width_s(start_ns: int, end_ns: int, max_points: int) -> int:
    """The narrowest bucket width giving at most ``max_points`` buckets in the period."""
    span_s = (end_ns - start_ns) / NS_PER_S
    return next((w for w in WIDTHS_S if span_s / w <= max_points), WIDTHS_S[-1])


def find_anomalies(
    ctx: ReportContext,
    start_ns: int,
    end_ns: int,
    tags: Sequence[TagInfo],
    options: AnomalyOptions | None = None,
) -> AnomalyScan:
    """Score the chosen tags over the period and keep the ``top`` strongest events."""
    opts = options or AnomalyOptions()
    chosen = eligible_tags(ctx, tags)
    width = bucket_width_s(start_ns, end_ns, opts.max_points)
    events: list[AnomalyEvent] = []
    for tag in chosen[: opts.max_tags]:
        events += _tag_events(ctx, tag, start_ns, end_ns, width, opts)
    events.sort(key=lambda e: (-e.score, e.ts_ns, e.tag))
    method = (
        f"EnsembleDetector over {width // 60} min bucket means "
        f"(score >= {opts.threshold:g}, {opts.warmup_points} buckets of warm-up)"
    )
    return AnomalyScan(
        events[: opts.top],
        len(events),
        min(len(chosen), opts.max_tags),
        len(chosen),
        width,
        opts.threshold,
        method,
    )


def _tag_events(
    ctx: ReportContext, tag: TagInfo, start_ns: int, end_ns: int, width_s: int, opts: AnomalyOptions
) -> list[AnomalyEvent]:
    width = width_s * NS_PER_S
    origin = start_ns - opts.warmup_points * width
    table = "rollup_1m" if width_s < 3600 else "rollup_1h"
    query = text(
        f"SELECT (bucket - :origin) / :width, SUM(vsum), SUM(n) FROM {table} "
        "WHERE tag_id = :tag AND bucket >= :origin AND bucket < :end AND n > 0 "
        "GROUP BY 1 ORDER BY 1"
    )
    params = {"origin": origin, "width": width, "tag": tag.id, "end": end_ns}
    with ctx.historian.engine.connect() as conn:
        rows = conn.execute(query, params).all()
    if len(rows) < 2:
        return []
    ts = origin + np.array([r[0] for r in rows], dtype=np.int64) * width
    means = np.array([r[1] / r[2] for r in rows], dtype=np.float64)
    scores = EnsembleDetector().score_series(ts, means)
    hits = np.flatnonzero((scores >= opts.threshold) & (ts >= start_ns))
    return [
        AnomalyEvent(tag.name, tag.device, int(ts[k]), float(scores[k]), float(means[k]))
        for k in hits.tolist()
    ]
