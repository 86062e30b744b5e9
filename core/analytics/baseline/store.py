"""Thin adapters from the historian to the baseline, health, uptime and OEE functions.

They read samples, hourly rollups and the alarm journal, and hand plain arrays to the pure
functions; run them in a worker thread.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from core.alarms.journal import read_journal
from core.alarms.states import AlarmState, Event
from core.analytics.anomaly import EnsembleDetector, StreamDetector
from core.analytics.baseline.health import (
    HealthLimits,
    HealthScore,
    HealthWeights,
    alarm_component,
    anomaly_component,
    deviation_component,
    health_score,
    quality_counts_component,
)
from core.analytics.baseline.hour_of_week import HourOfWeekBaseline
from core.analytics.baseline.oee import Oee, count_increase, oee
from core.analytics.baseline.uptime import Availability, availability
from core.analytics.energy.curve import NS_PER_H, FloatArray, IntArray
from core.analytics.energy.meters import discover
from core.analytics.energy.source import HistorianSource
from core.model import NS_PER_S
from core.store.historian import Historian
from core.store.schema import rollup_1h

log = logging.getLogger(__name__)

WEEK_NS = 7 * 24 * NS_PER_H
RUN_STATE = re.compile(r"(^|[./_])(run|running|run_?state|is_?running|motor_?on)$", re.I)
_LOOKBACK_NS = 30 * 24 * NS_PER_H
"""How far back the state holding into a window is looked for."""


@dataclass(frozen=True)
class HealthOptions:
    """How the health adapter reads and scores."""

    limits: HealthLimits = field(default_factory=HealthLimits)
    weights: HealthWeights = field(default_factory=HealthWeights)
    baseline_weeks: int = 4
    max_anomaly_samples: int = 5000
    detector: Callable[[], StreamDetector] = EnsembleDetector


def main_tag(historian: Historian, device: str) -> str | None:
    """The tag that represents a device: its active power, else its first non-presence tag."""
    tags = [t for t in historian.registry if t.device == device]
    meter = discover(device, tags)
    if meter is not None and meter.power_tags:
        return meter.power_tags[0].name
    others = sorted(t.name for t in tags if not t.name.endswith("/online"))
    return others[0] if others else None


def hourly_means(
    historian: Historian, tag: str, start_ns: int, end_ns: int
) -> tuple[IntArray, FloatArray, int, int]:
    """(hour starts, hourly means, samples, bad samples) of a tag from the 1-hour rollups."""
    info = historian.registry.get(tag)
    if info is None:
        raise KeyError(f"unknown tag {tag!r}")
    c = rollup_1h.c
    query = (
        select(c.bucket, c.vsum, c.n, c.n_bad)
        .where(c.tag_id == info.id, c.bucket >= start_ns - start_ns % NS_PER_H, c.bucket < end_ns)
        .order_by(c.bucket)
    )
    with historian.engine.connect() as conn:
        rows = conn.execute(query).all()
    hours = np.array([r.bucket for r in rows], dtype=np.int64)
    means = np.array([r.vsum / r.n if r.n else np.nan for r in rows], dtype=np.float64)
    return hours, means, int(sum(r.n for r in rows)), int(sum(r.n_bad for r in rows))


def alarm_activations(historian: Historian, device: str, start_ns: int, end_ns: int) -> int:
    """Annunciated alarm activations of a device's tags in the window (from the journal)."""
    count = 0
    for entry in read_journal(historian.engine, start_ns, end_ns):
        info = historian.registry.get(entry.tag)
        owner = info.device if info is not None else entry.tag.split("/", 1)[0]
        activated = entry.event == Event.ACTIVATE.value and entry.to_state == AlarmState.UNACK.value
        count += int(activated and owner == device)
    return count


def device_health(
    historian: Historian,
    device: str,
    start_ns: int,
    end_ns: int,
    options: HealthOptions | None = None,
    tag: str | None = None,
) -> HealthScore:
    """Health of a device over a window: anomaly (main tag), alarm load, deviation from its
    hour-of-week baseline (learned from the weeks before), data quality (all its tags)."""
    opts = options or HealthOptions()
    tag = tag or main_tag(historian, device)
    if tag is None:
        raise KeyError(f"device {device!r} has no tags")
    series = historian.raw(tag, start_ns, end_ns)
    keep = slice(-opts.max_anomaly_samples, None)
    scores = opts.detector().score_series(series.ts_ns[keep], series.values[keep])
    activations = alarm_activations(historian, device, start_ns, end_ns)
    components = [
        anomaly_component(scores, opts.limits),
        alarm_component(activations, (end_ns - start_ns) / NS_PER_S, opts.limits),
        deviation_component(
            hourly_deviation(historian, tag, start_ns, end_ns, opts.baseline_weeks), opts.limits
        ),
        quality_counts_component(*device_sample_counts(historian, device, start_ns, end_ns)),
    ]
    return health_score(device, components, opts.weights)


def hourly_deviation(
    historian: Historian, tag: str, start_ns: int, end_ns: int, weeks: int = 4
) -> FloatArray:
    """Deviation (%) of the window's hourly means from the hour-of-week baseline learned over
    the ``weeks`` before it (NaN in hours the baseline has not learned)."""
    zone = historian.config.plant.timezone
    past_ts, past = hourly_means(historian, tag, start_ns - weeks * WEEK_NS, start_ns)[:2]
    baseline = HourOfWeekBaseline.fit(past_ts, past, zone)
    now_ts, now = hourly_means(historian, tag, start_ns, end_ns)[:2]
    return baseline.deviation_pct(now_ts, now)


def device_sample_counts(
    historian: Historian, device: str, start_ns: int, end_ns: int
) -> tuple[int, int]:
    """(samples, bad-quality samples) of all of a device's tags in the window (rollups)."""
    samples = bad = 0
    for info in (t for t in historian.registry if t.device == device):
        _, _, n, n_bad = hourly_means(historian, info.name, start_ns, end_ns)
        samples, bad = samples + n, bad + n_bad
    return samples, bad


def _step_samples(
    source: HistorianSource, tag: str, start_ns: int, end_ns: int
) -> tuple[IntArray, FloatArray]:
    data = source.window(tag, start_ns, end_ns, _LOOKBACK_NS)
    good = data.quality < 128
    return data.ts_ns[good], data.values[good]


def run_tag(historian: Historian, device: str) -> str | None:
    """A device's run-state tag by name (``run``, ``running``, ``run_state``...)."""
    names = sorted(t.name for t in historian.registry if t.device == device)
    return next((n for n in names if RUN_STATE.search(n)), None)


def device_availability(
    historian: Historian,
    device: str,
    start_ns: int,
    end_ns: int,
    run: str | None = None,
    planned_s: float | None = None,
    stale_s: float | None = None,
) -> Availability:
    """Uptime from ``<device>/online`` and availability from the run-state tag (when found)."""
    source = HistorianSource(historian)
    presence_tag = f"{device}/online"
    presence = None
    if historian.registry.get(presence_tag) is not None:
        presence = _step_samples(source, presence_tag, start_ns, end_ns)
    run = run or run_tag(historian, device)
    running = _step_samples(source, run, start_ns, end_ns) if run else None
    return availability(start_ns, end_ns, presence, running, planned_s, stale_s)


@dataclass(frozen=True)
class OeeTags:
    """The tags of one machine's OEE and its ideal rate."""

    run: str
    total_count: str
    ideal_rate_per_h: float
    good_count: str = ""
    reject_count: str = ""
    rollover: float | None = None


def device_oee(
    historian: Historian, tags: OeeTags, start_ns: int, end_ns: int, planned_s: float | None = None
) -> Oee:
    """OEE of a machine over a window from its run-state and counter tags."""
    source = HistorianSource(historian)
    ts, values = _step_samples(source, tags.run, start_ns, end_ns)
    state = availability(start_ns, end_ns, running=(ts, values), planned_s=planned_s)
    run_s = state.running.on_s if state.running is not None else 0.0

    def increase(tag: str) -> float | None:
        if not tag:
            return None
        data = source.window(tag, start_ns, end_ns, 0)
        return count_increase(data.ts_ns, data.values, tags.rollover, data.quality)

    total = increase(tags.total_count) or 0.0
    return oee(
        run_s,
        state.planned_s,
        total,
        increase(tags.good_count),
        tags.ideal_rate_per_h,
        increase(tags.reject_count),
    )
