"""The event state machine on given scores: onset, persistence, cool-down, min duration, resume."""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.live.history import NormalHistory
from core.analytics.live.tracker import EventChange, EventTracker, TrackerSettings
from core.model import NS_PER_S

T0 = 1_800_000_000 * NS_PER_S
N = 400
ONSET = 300


def _track(
    values: np.ndarray, scores: np.ndarray, **settings: float
) -> tuple[np.ndarray, list[EventChange], EventTracker]:
    given = {k: int(v * NS_PER_S) if k.endswith("_ns") else v for k, v in settings.items()}
    tracker = EventTracker("dev/x", "ensemble", TrackerSettings(**given), clock=lambda: T0)  # type: ignore[arg-type]
    ts = T0 + np.arange(len(values), dtype=np.int64) * NS_PER_S
    levels, changes = [], []
    for i in range(0, len(values), 7):  # batches of odd size: state carries over
        lv, ch = tracker.push(ts[i : i + 7], values[i : i + 7], scores[i : i + 7])
        levels.append(lv)
        changes += ch
    return np.concatenate(levels), changes, tracker


def _signal(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    values = 50.0 + np.random.default_rng(seed).normal(0.0, 1.0, N)
    scores = np.full(N, 0.1)
    scores[ONSET] = 0.8
    return values, scores


def _spans(changes: list[EventChange]) -> list[tuple[str, int, int | None, str]]:
    return [
        (
            kind,
            (e.start_ns - T0) // NS_PER_S,
            None if e.end_ns is None else (e.end_ns - T0) // NS_PER_S,
            e.close_reason,
        )
        for kind, e in changes
        if kind != "update"
    ]


@pytest.mark.parametrize(
    ("shape", "settings", "expected"),
    [
        ("spike", {"cooldown_ns": 0}, [("open", 300, None, ""), ("close", 300, 302, "recovered")]),
        ("spike", {"cooldown_ns": 0, "min_duration_ns": 10}, []),
        ("shift", {"cooldown_ns": 5}, [("open", 300, None, ""), ("close", 300, 352, "recovered")]),
        (
            "shift",
            {"cooldown_ns": 5, "min_duration_ns": 10},
            [("open", 300, None, ""), ("close", 300, 352, "recovered")],
        ),
        ("shift", {"cooldown_ns": 5, "min_duration_ns": 100}, []),
        ("gap", {"cooldown_ns": 10}, [("open", 300, None, ""), ("close", 300, 352, "recovered")]),
        ("gap", {"cooldown_ns": 2}, [("open", 300, None, ""), ("close", 300, 322, "recovered")]),
        (
            "forever",
            {"cooldown_ns": 5, "max_open_ns": 60},
            [("open", 300, None, ""), ("close", 300, 360, "new_normal")],
        ),
        ("quiet", {"cooldown_ns": 0}, [("open", 300, None, ""), ("close", 300, 300, "recovered")]),
    ],
)
def test_event_spans(
    shape: str, settings: dict[str, float], expected: list[tuple[str, int, int | None, str]]
) -> None:
    values, scores = _signal()
    if shape == "spike":
        values[ONSET] += 20.0
    elif shape in ("shift", "gap"):
        values[ONSET:350] += 10.0
        if shape == "gap":
            values[320:325] -= 10.0  # five normal samples inside the anomaly
    elif shape == "forever":
        values[ONSET:] += 10.0
    _, changes, _ = _track(values, scores, **settings)
    assert _spans(changes) == expected


def test_level_is_held_at_the_peak_only_while_the_open_event_deviates() -> None:
    values, scores = _signal()
    values[ONSET:350] += 10.0
    scores[310] = 0.9  # a later, higher alert inside the event raises the peak
    levels, changes, _ = _track(values, scores, cooldown_ns=5)
    assert np.all(levels[ONSET:310] == 0.8) and np.all(levels[310:350] == 0.9)
    assert np.all(levels[352:] == 0.1) and np.all(levels[:ONSET] == 0.1)
    assert [kind for kind, _ in changes] == ["open", "update", "close"]
    peak = changes[1][1]
    assert (
        peak.peak_score == 0.9
        and peak.peak_ns == T0 + 310 * NS_PER_S
        and peak.peak_value == values[310]
    )


@pytest.mark.parametrize(("quantised", "persists"), [(False, True), (True, False)])
def test_a_flat_line_persists_only_where_the_signal_never_was_flat(
    quantised: bool, persists: bool
) -> None:
    values, scores = _signal()
    if quantised:
        values = np.repeat(np.round(values[::6]), 6)[:N]  # runs of six equal values are normal
    values[ONSET:380] = values[ONSET - 1]
    _, changes, _ = _track(values, scores, cooldown_ns=3)
    ends = [(e.end_ns - T0) // NS_PER_S for kind, e in changes if kind == "close" and e.end_ns]
    assert (ends == [380]) if persists else (ends and ends[0] < 310)


def test_stuck_run_missed_by_the_detector_does_not_poison_the_baseline() -> None:
    values, scores = _signal()
    values[100:300] = values[99]  # stuck for 200 samples, no alert
    _, changes, _ = _track(values, scores, cooldown_ns=3)
    (opened, closed) = [e for _, e in changes]
    assert (
        0.5 < opened.baseline_sigma < 2.0 and (closed.end_ns or 0) - opened.start_ns < 5 * NS_PER_S
    )


def test_resume_continues_an_event_and_closes_it() -> None:
    values, scores = _signal()
    values[ONSET:] += 10.0
    _, first, _ = _track(values, scores, cooldown_ns=5)
    assert _spans(first) == [("open", 300, None, "")]
    tracker = EventTracker("dev/x", "ensemble", TrackerSettings(cooldown_ns=3 * NS_PER_S))
    opened = first[0][1]
    tracker.resume(opened)
    assert tracker.open_event is not None and tracker.open_event.start_ns == opened.start_ns
    ts = T0 + (1000 + np.arange(20, dtype=np.int64)) * NS_PER_S
    shifted = np.full(20, opened.baseline_median + 20 * opened.baseline_sigma)
    shifted[10:] = opened.baseline_median
    levels, changes = tracker.push(ts, shifted, np.zeros(20))
    # the median over the last five samples lags two samples behind the return
    assert np.all(levels[:12] == opened.peak_score) and np.all(levels[12:] == 0.0)
    assert [(k, e.start_ns, e.end_ns) for k, e in changes] == [("close", opened.start_ns, ts[12])]
    assert tracker.open_event is None


def test_history_collapses_repeats_and_remembers_runs() -> None:
    history = NormalHistory()
    history.extend([1.0, 1.0, 1.0, 2.0, 3.0, 3.0])
    assert len(history) == 3
    history.restart([5.0, 5.0])
    base = history.baseline(fallback=0.0)
    assert base.median == 5.0 and base.sigma > 0 and not base.flat_is_abnormal
    assert NormalHistory().baseline(fallback=7.0).median == 7.0
