"""Engine behaviour with the injected clock: limits, deadband, delays, latching, every alarm type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from core.alarms.states import AlarmState, Event
from core.model import Quality, SampleBatch

from .conftest import T0, S, batch

Build = Callable[..., Any]


def events(journal: Any, alarm: str) -> list[tuple[float, str, str]]:
    """(seconds after T0, event, new state) of one alarm's journal entries."""
    return [
        ((t.ts_ns - T0) / S, t.event.value, t.to_state.value)
        for t in journal.transitions
        if t.alarm == alarm
    ]


def feed(engine: Any, tag_id: int, points: list[tuple[float, float]], quality: int = 0) -> None:
    """One batch per point, evaluated at the point's own time."""
    for seconds, value in points:
        engine.evaluate(batch([(tag_id, seconds, value, quality)]), T0 + int(seconds * S))


HIGH = {"tag": "t", "type": "high", "limit": 10.0}


@pytest.mark.parametrize(
    ("options", "points", "expected"),
    [
        # deadband 2: clears only below 8; 9 stays active
        (
            {"deadband": 2},
            [(1, 11), (2, 9), (3, 7.9)],
            [(1, "activate", "unack"), (3, "clear", "rtn_unack")],
        ),
        # exactly at the limit is not above it
        ({}, [(1, 10), (2, 10.001)], [(2, "activate", "unack")]),
        # on-delay 5 s: a 3-s excursion never alarms, a 6-s one alarms 5 s after it began
        (
            {"on_delay_s": 5},
            [(1, 11), (4, 9), (10, 12), (16, 12)],
            [(15, "activate", "unack")],
        ),
        # off-delay 5 s: a 2-s dip does not clear; a 6-s one clears 5 s after it began
        (
            {"off_delay_s": 5},
            [(1, 11), (2, 5), (4, 11), (10, 5), (16, 5)],
            [(1, "activate", "unack"), (15, "clear", "rtn_unack")],
        ),
        # latched: stays latched after the value returns to normal
        ({"latched": True}, [(1, 11), (2, 5)], [(1, "activate", "unack"), (2, "clear", "latched")]),
    ],
)
def test_high_limit_behaviour(
    make_engine: Build, options: dict[str, Any], points: list[tuple[float, float]], expected: Any
) -> None:
    engine, journal, resolver = make_engine({**HIGH, **options})
    feed(engine, resolver("t"), points)
    assert events(journal, "t:high") == expected


def test_on_delay_fires_from_tick_without_new_samples(make_engine: Build) -> None:
    engine, journal, resolver = make_engine({**HIGH, "on_delay_s": 5})
    feed(engine, resolver("t"), [(1, 11)])
    assert engine.tick(T0 + 5 * S) == []
    engine.tick(T0 + 6 * S)
    assert events(journal, "t:high") == [(6, "activate", "unack")]


def test_latched_alarm_needs_reset_after_ack(make_engine: Build, clock: Any) -> None:
    engine, _journal, resolver = make_engine({**HIGH, "latched": True})
    feed(engine, resolver("t"), [(1, 11)])
    engine.acknowledge(["t:high"], "op")
    feed(engine, resolver("t"), [(3, 5)])
    assert engine.state("t:high").state is AlarmState.LATCHED
    engine.acknowledge(["t:high"], "op")
    assert engine.state("t:high").state is AlarmState.NORMAL


@pytest.mark.parametrize(
    ("raw", "tag_points", "expected_states"),
    [
        ({"tag": "t", "type": "high_high", "limit": 100}, [(1, 101)], ["unack"]),
        (
            {"tag": "t", "type": "low", "limit": 5, "deadband": 1},
            [(1, 4), (2, 5.5), (3, 6.5)],
            ["unack", "rtn_unack"],
        ),
        ({"tag": "t", "type": "low_low", "limit": 1}, [(1, 0.5)], ["unack"]),
        (
            {"tag": "t", "type": "discrete", "state": True},
            [(1, 0), (2, 1), (3, 0)],
            ["unack", "rtn_unack"],
        ),
        ({"tag": "t", "type": "discrete", "state": 3}, [(1, 2), (2, 3)], ["unack"]),
        (
            {"tag": "t", "type": "deviation", "baseline": 50, "limit": 5},
            [(1, 54), (2, 56), (3, 50)],
            ["unack", "rtn_unack"],
        ),
        # 10 units per minute: 1 unit/s is 60/min -> alarm; then 0.1 unit/s is 6/min -> clear
        (
            {"tag": "t", "type": "rate_of_change", "limit": 10, "rate_per": "minute"},
            [(0, 0), (1, 1), (11, 2)],
            ["unack", "rtn_unack"],
        ),
        ({"tag": "t", "type": "rate_of_change", "limit": 2}, [(0, 0), (1, 1), (2, 4)], ["unack"]),
    ],
)
def test_alarm_types(
    make_engine: Build,
    raw: dict[str, Any],
    tag_points: list[tuple[float, float]],
    expected_states: list[str],
) -> None:
    engine, journal, resolver = make_engine(raw)
    feed(engine, resolver("t"), tag_points)
    name = engine.definitions[0].alarm_name
    assert [state for _, _, state in events(journal, name)] == expected_states


def test_deviation_from_a_setpoint_tag(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(
        {"tag": "pv", "type": "deviation", "setpoint_tag": "sp", "limit": 2}
    )
    pv, sp = resolver("pv"), resolver("sp")
    engine.evaluate(batch([(sp, 0, 10.0), (pv, 0, 11.0)]), T0)
    engine.evaluate(batch([(sp, 1, 20.0), (pv, 1, 11.0)]), T0 + S)
    engine.evaluate(batch([(pv, 2, 19.5)]), T0 + 2 * S)
    assert events(journal, "pv:deviation") == [(1, "activate", "unack"), (2, "clear", "rtn_unack")]


def test_baseline_can_be_updated(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(
        {"tag": "t", "type": "deviation", "baseline": 0, "limit": 1}
    )
    engine.set_baseline("t:deviation", 100.0)
    feed(engine, resolver("t"), [(1, 100.5), (2, 98)])
    assert events(journal, "t:deviation") == [(2, "activate", "unack")]


def test_bad_quality_alarm_and_limits_ignore_bad_values(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(HIGH, {"tag": "t", "type": "bad_quality"})
    t = resolver("t")
    engine.evaluate(batch([(t, 1, 999.0, Quality.BAD_COMMS_LOST)]), T0 + S)
    engine.evaluate(batch([(t, 2, 5.0, Quality.GOOD)]), T0 + 2 * S)
    assert events(journal, "t:bad_quality") == [(1, "activate", "unack"), (2, "clear", "rtn_unack")]
    assert events(journal, "t:high") == []


def test_stale_alarm(make_engine: Build) -> None:
    engine, journal, resolver = make_engine({"tag": "t", "type": "stale", "stale_s": 10})
    t = resolver("t")
    engine.evaluate(batch([(t, 0, 1.0)]), T0)
    engine.tick(T0 + 10 * S)
    assert events(journal, "t:stale") == []
    engine.tick(T0 + 11 * S)
    assert events(journal, "t:stale") == [(10, "activate", "unack")]
    engine.evaluate(batch([(t, 12, 1.0)]), T0 + 12 * S)
    assert events(journal, "t:stale")[-1] == (12, "clear", "rtn_unack")


def test_stale_alarm_for_a_tag_never_seen_counts_from_start(make_engine: Build) -> None:
    engine, journal, _ = make_engine({"tag": "never", "type": "stale", "stale_s": 5})
    engine.tick(T0)
    engine.tick(T0 + 6 * S)
    assert events(journal, "never:stale") == [(5, "activate", "unack")]


def test_suppression_by_design(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(
        {
            "tag": "flow",
            "type": "low",
            "limit": 2,
            "suppress_when": "not running",
            "vars": {"running": "pump/running"},
        }
    )
    flow, run = resolver("flow"), resolver("pump/running")
    engine.evaluate(batch([(run, 0, 1.0), (flow, 0, 5.0)]), T0)
    # pump stops and flow drops in the same batch: suppressed, never annunciated
    engine.evaluate(batch([(run, 1, 0.0), (flow, 1, 0.0)]), T0 + S)
    assert engine.state("flow:low").state is AlarmState.SUPPRESSED
    assert engine.needs_ack() == []
    # pump restarts while the flow is still low: the alarm comes back as active
    engine.evaluate(batch([(run, 2, 1.0)]), T0 + 2 * S)
    assert events(journal, "flow:low") == [
        (1, "suppress", "suppressed"),
        (1, "activate", "suppressed"),
        (2, "unsuppress", "unack"),
    ]


def test_historical_batches_never_raise_alarms(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(HIGH)
    replay = batch([(resolver("t"), 1, 50.0)])
    replay.historical = True
    assert engine.evaluate(replay, T0 + S) == []
    assert journal.transitions == []


def test_unknown_and_out_of_range_tags_are_ignored(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(HIGH)
    t = resolver("t")
    engine.evaluate(batch([(999, 1, 50.0), (-1, 1, 50.0), (t, 1, 5.0)]), T0 + S)
    assert journal.transitions == []
    assert engine.evaluate(SampleBatch.empty(), T0) == []


def test_out_of_order_samples_in_one_batch(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(HIGH)
    t = resolver("t")
    engine.evaluate(batch([(t, 3, 5.0), (t, 1, 11.0), (t, 2, 12.0)]), T0 + 3 * S)
    assert events(journal, "t:high") == [(1, "activate", "unack"), (3, "clear", "rtn_unack")]


def test_rebind_picks_up_tags_declared_later(make_engine: Build) -> None:
    known: dict[str, int] = {}
    from core.alarms.engine import AlarmEngine
    from core.alarms.journal import MemoryJournal
    from core.alarms.permissions import AllowAll

    from .conftest import definitions

    journal = MemoryJournal()
    engine = AlarmEngine(definitions(HIGH), known.get, journal, AllowAll())
    engine.evaluate(batch([(7, 1, 50.0)]), T0 + S)
    assert journal.transitions == []
    known["t"] = 7
    engine.rebind()
    engine.evaluate(batch([(7, 2, 50.0)]), T0 + 2 * S)
    assert [t.event for t in journal.transitions] == [Event.ACTIVATE]


def test_one_batch_equals_sample_by_sample(make_engine: Build) -> None:
    """The vectorised path gives the same transitions as feeding samples one at a time."""
    raw = [
        {**HIGH, "deadband": 1.5, "on_delay_s": 0.5, "off_delay_s": 0.3},
        {"tag": "t", "type": "low", "limit": -5, "deadband": 1},
        {"tag": "u", "type": "rate_of_change", "limit": 4},
        {"tag": "u", "type": "discrete", "state": 3},
        {"tag": "v", "type": "high", "limit": 0.5, "latched": True},
    ]
    rng = np.random.default_rng(7)
    rows = [
        (
            tag,
            round(i * 0.1, 1),
            float(rng.integers(-12, 16)) if tag != 3 else float(rng.integers(0, 2)),
        )
        for i in range(400)
        for tag in (1, 2, 3)
        if rng.random() < 0.7
    ]
    whole, whole_journal, r1 = make_engine(*raw)
    single, single_journal, r2 = make_engine(*raw)
    for name in ("t", "u", "v"):
        r1(name), r2(name)
    whole.evaluate(batch(rows), T0 + 40 * S)
    for row in rows:
        single.evaluate(batch([row]), T0 + int(row[1] * S))
    assert per_alarm(whole_journal) == per_alarm(single_journal)
    assert sum(len(v) for v in per_alarm(whole_journal).values()) > 20


def per_alarm(journal: Any) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    for t in journal.transitions:
        if not t.alarm.startswith("flood:"):
            out.setdefault(t.alarm, []).append((t.ts_ns, t.event.value, t.to_state.value))
    return out
