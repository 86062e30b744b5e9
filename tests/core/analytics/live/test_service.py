"""The live anomaly service on a real Collector: events, the score tag, alarm promotion."""

from __future__ import annotations

from pathlib import Path

from core.analytics.live import SCORE_SUFFIX, list_events
from core.model import NS_PER_S, Quality, Reading, now_ns
from tests.core.analytics.live.conftest import (
    feed,
    noise,
    plant_file,
    running,
    seconds,
    stored,
    wait_for,
)

PROMOTION = """
[[alarms]]
tag = "meter1/power.anomaly"
type = "high"
limit = 0.45
on_delay_s = 60
message = "Sustained anomaly on meter1 power"

[[alarms]]
tag = "meter2/power.anomaly"
type = "high"
limit = 0.45
on_delay_s = 60
"""
RULES = [{"tags": ["meter1/*", "meter2/power"], "cooldown_s": 5}]
SPIKE, SHIFT, SHIFT_END, N = 725, 1025, 1225, 1300


def test_spike_and_level_shift_make_events_scores_and_a_promoted_alarm(tmp_path: Path) -> None:
    t0 = now_ns() - (N + 5) * NS_PER_S
    ts = seconds(t0, N)
    meter1 = noise(N, seed=1)
    meter1[SPIKE] += 20.0
    meter1[SHIFT:SHIFT_END] += 10.0
    meter2 = noise(N, seed=2)
    meter2[SPIKE] += 20.0
    with running(plant_file(tmp_path, PROMOTION), RULES) as (collector, service):
        assert service.wait_ready(10)
        feed(collector, "meter1/power", ts, meter1)
        feed(collector, "meter2/power", ts, meter2)
        wait_for(lambda: collector.counters.get("anomaly.scored") == 2 * N, what="all scored")
        wait_for(lambda: collector.counters.get("anomaly.events_closed") == 3, what="3 closed")
        engine = collector.historian.engine
        wait_for(lambda: service.events.pending == 0, what="events stored")
        events = list_events(engine, t0, now_ns())
        alarms = collector.alarms.engine
        promoted = alarms.state("meter1/power.anomaly:high")
        spiked_only = alarms.state("meter2/power.anomaly:high")
        score_tag = f"meter1/power{SCORE_SUFFIX}"
        peak_stored = lambda: (  # noqa: E731
            stored(collector, score_tag, t0) > 0
            and collector.historian.raw(score_tag, t0, now_ns()).values.max() >= 0.5
        )
        wait_for(peak_stored, what="the peak of the score tag stored")
        scores = collector.historian.raw(score_tag, t0, now_ns())
        score_unit = collector.historian.registry.get(score_tag)
    by_tag = {(e.tag, e.start_ns): e for e in events}
    spike = by_tag[("meter1/power", int(ts[SPIKE]))]
    assert spike.end_ns is not None and spike.end_ns - spike.start_ns <= 3 * NS_PER_S
    assert spike.peak_ns == ts[SPIKE] and spike.peak_value == meter1[SPIKE]
    assert spike.peak_score >= 0.5 and spike.detector == "ensemble"
    shift = by_tag[("meter1/power", int(ts[SHIFT]))]
    assert shift.close_reason == "recovered" and shift.end_ns is not None
    assert ts[SHIFT_END] <= shift.end_ns <= ts[SHIFT_END + 5]
    assert abs(shift.baseline_median - 100.0) < 0.5 and 0.5 < shift.baseline_sigma < 2.0
    assert ("meter2/power", int(ts[SPIKE])) in by_tag and len(events) == 3
    assert score_unit is not None and score_unit.unit == "score"
    assert scores.values.min() >= 0.0 and scores.values.max() <= 1.0
    assert promoted.activated_ns == ts[SHIFT] + 60 * NS_PER_S
    assert spiked_only.state.value == "normal" and spiked_only.activated_ns is None


def test_bad_quality_samples_and_unwatched_tags_are_not_scored(tmp_path: Path) -> None:
    t0 = now_ns() - 100 * NS_PER_S
    with running(plant_file(tmp_path), RULES) as (collector, service):
        assert service.wait_ready(10)
        collector.pipeline.emit(
            [
                Reading("meter1/power", 1.0, t0),
                Reading("meter1/power", None, t0 + NS_PER_S, Quality.BAD_COMMS_LOST),
                Reading("other/flow", 3.0, t0),
                Reading("meter1/power", 2.0, t0 + 2 * NS_PER_S),
            ],
            source="test",
        )
        wait_for(lambda: collector.counters.get("anomaly.scored") == 2, what="2 scored")
        assert service.watched_tags() == ["meter1/power"]
        watch = service.watch_of("meter1/power")
        assert watch is not None and watch.last_ts == t0 + 2 * NS_PER_S
    assert service.watch_of("other/flow") is None
