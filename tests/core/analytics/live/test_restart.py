"""Warm-up from the store after a restart, open events resumed, and an ingest never blocked."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from core.analytics.anomaly import EnsembleDetector
from core.analytics.anomaly.base import IntArray
from core.analytics.anomaly.rolling import FloatArray
from core.analytics.live import AnomalyRule, list_events
from core.model import NS_PER_S, now_ns
from tests.core.analytics.live.conftest import (
    feed,
    noise,
    plant_file,
    running,
    seconds,
    stored,
    wait_for,
)

TAG = "line1/pressure"


def _rules(**extra: object) -> list[dict[str, object]]:
    return [{"tags": ["line1/*"], "cooldown_s": 3, **extra}]


def test_restart_warms_up_from_history_so_the_first_spike_is_seen(tmp_path: Path) -> None:
    plant = plant_file(tmp_path)
    t0 = now_ns() - 1000 * NS_PER_S
    ts = seconds(t0, 700)
    values = noise(700, seed=7)
    values[610] += 25.0
    values[660] += 25.0
    with running(plant, _rules()) as (collector, _):
        feed(collector, TAG, ts[:600], values[:600])
        wait_for(lambda: stored(collector, TAG, t0) == 600, what="stored")
    with running(plant, _rules()) as (collector, service):
        assert service.wait_ready(20)
        watch = service.watch_of(TAG)
        assert watch is not None and watch.last_ts == ts[599]
        feed(collector, TAG, ts[600:650], values[600:650])
        wait_for(lambda: collector.counters.get("anomaly.scored") == 50, what="scored")
        wait_for(lambda: service.events.pending == 0, what="stored")
    with running(plant, _rules(warmup_samples=0)) as (collector, service):
        assert service.wait_ready(20)
        feed(collector, TAG, ts[650:700], values[650:700])
        wait_for(lambda: collector.counters.get("anomaly.scored") == 50, what="scored")
    starts = [e.start_ns for e in list_events(collector.historian.engine, t0, now_ns())]
    assert starts == [ts[610]], "warm detector sees the spike; a cold one (no warm-up) cannot"


def test_an_open_event_resumes_after_restart_and_closes_once(tmp_path: Path) -> None:
    plant = plant_file(tmp_path)
    t0 = now_ns() - 1000 * NS_PER_S
    ts = seconds(t0, 900)
    values = noise(900, seed=8)
    values[600:800] += 12.0
    with running(plant, _rules()) as (collector, service):
        feed(collector, TAG, ts[:700], values[:700])
        wait_for(lambda: collector.counters.get("anomaly.events_opened") == 1, what="opened")
    with running(plant, _rules()) as (collector, service):
        assert service.wait_ready(20)
        (resumed,) = list_events(collector.historian.engine, t0, now_ns(), open_only=True)
        feed(collector, TAG, ts[700:], values[700:])
        wait_for(lambda: collector.counters.get("anomaly.events_closed") == 1, what="closed")
        wait_for(lambda: service.events.pending == 0, what="stored")
        (event,) = list_events(collector.historian.engine, t0, now_ns(), tag=TAG)
    assert resumed.start_ns == event.start_ns == ts[600] and resumed.end_ns is None
    assert event.close_reason == "recovered" and ts[800] <= (event.end_ns or 0) <= ts[805]


class GatedDetector:
    """A detector that cannot score until the test opens its gate (a hung analytics thread)."""

    def __init__(self, gate: threading.Event) -> None:
        self.gate = gate
        self.inner = EnsembleDetector()

    def update(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        self.gate.wait(30)
        return self.inner.update(ts_ns, values)

    def score_series(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        return self.inner.score_series(ts_ns, values)


def test_a_stuck_detector_drops_counted_batches_and_never_blocks_ingest(tmp_path: Path) -> None:
    gate = threading.Event()
    t0 = now_ns() - 600 * NS_PER_S
    ts = seconds(t0, 500)

    def factory(rule: AnomalyRule) -> GatedDetector:
        return GatedDetector(gate)

    with running(plant_file(tmp_path), _rules(), queue_batches=2, detector_factory=factory) as (
        collector,
        service,
    ):
        try:
            assert service.wait_ready(10)
            for i in range(0, 500, 10):
                feed(collector, TAG, ts[i : i + 10], noise(10, seed=i))
            all_stored = lambda: stored(collector, TAG, t0) == 500  # noqa: E731
            wait_for(all_stored, what="every sample stored while the detector hangs")
            assert not gate.is_set()
            dropped = collector.counters.get("anomaly.dropped_samples")
            assert collector.counters.get("anomaly.dropped_batches") > 0 and dropped > 0
            assert collector.counters.get("queue_full") == 0
            assert collector.counters.get("subscriber_errors") == 0
        finally:
            gate.set()
        wait_for(lambda: service.status()["anomaly.queue_depth"] == 0, what="drained")
    scored = collector.counters.get("anomaly.scored")
    assert scored + dropped == 500 and np.isfinite(scored)


class BrokenDetector:
    """A detector that fails on every update (a bug in one model)."""

    def update(self, ts_ns: IntArray, values: FloatArray) -> FloatArray:
        raise RuntimeError("model bug")


def test_a_failing_detector_is_isolated_to_its_tag(tmp_path: Path) -> None:
    rules = [
        {"tags": ["line1/bad"], "detector": "seasonal"},
        {"tags": ["line1/*"]},
    ]

    def factory(rule: AnomalyRule) -> BrokenDetector | EnsembleDetector:
        return BrokenDetector() if rule.detector == "seasonal" else EnsembleDetector()

    t0 = now_ns() - 100 * NS_PER_S
    with running(plant_file(tmp_path), rules, detector_factory=factory) as (collector, service):
        assert service.wait_ready(10)
        feed(collector, "line1/bad", seconds(t0, 20), noise(20, seed=1))
        feed(collector, "line1/good", seconds(t0, 20), noise(20, seed=2))
        wait_for(lambda: collector.counters.get("anomaly.scored") == 20, what="good tag scored")
        wait_for(lambda: collector.counters.get("anomaly.errors") >= 1, what="error counted")
        wait_for(lambda: stored(collector, "line1/good.anomaly", t0) > 0, what="good scores")
        assert collector.historian.registry.get("line1/bad.anomaly") is not None
