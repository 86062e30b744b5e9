"""The health score and its components, on synthetic data and through the store adapter."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest

from core.alarms.journal import SqlJournal
from core.alarms.states import AlarmState, Event, Transition
from core.analytics.anomaly import EwmaCusumDetector
from core.analytics.baseline import (
    HealthLimits,
    HealthWeights,
    alarm_component,
    anomaly_component,
    deviation_component,
    health_score,
    quality_component,
)
from core.analytics.baseline.store import HealthOptions, alarm_activations, device_health, main_tag
from core.model import NS_PER_S, Quality
from core.store.historian import Historian

DAY_S = 86_400


@pytest.mark.parametrize(
    ("scores", "score", "value"),
    [
        (np.zeros(1000), 100.0, 0.0),
        (np.r_[np.zeros(990), np.ones(10)], 80.0, 1.0),  # 1 % anomalous, 0 at 5 %
        (np.r_[np.zeros(900), np.full(100, 0.7)], 0.0, 10.0),
        (np.full(100, 0.49), 100.0, 0.0),
    ],
)
def test_anomaly_component(scores: np.ndarray, score: float, value: float) -> None:
    c = anomaly_component(scores)
    assert (c.name, c.unit) == ("anomaly", "%")
    assert c.score == pytest.approx(score) and c.value == pytest.approx(value)
    assert "samples scored" in c.detail


@pytest.mark.parametrize(
    ("activations", "days", "score"), [(0, 1, 100.0), (5, 1, 50.0), (10, 2, 50.0), (30, 1, 0.0)]
)
def test_alarm_component(activations: int, days: int, score: float) -> None:
    c = alarm_component(activations, days * DAY_S)
    assert c.score == pytest.approx(score)
    assert c.value == pytest.approx(activations / days)


def test_deviation_component_ignores_unlearned_hours() -> None:
    c = deviation_component(np.array([10.0, -20.0, np.nan, 30.0]))
    assert c.value == pytest.approx(20.0)
    assert c.score == pytest.approx(60.0)
    assert deviation_component(np.full(3, np.nan)).score is None


def test_quality_component_counts_bad_samples_and_missing_ones() -> None:
    q = np.array([Quality.GOOD] * 90 + [Quality.UNCERTAIN] * 5 + [Quality.BAD_COMMS_LOST] * 5)
    assert quality_component(q).score == pytest.approx(95.0)
    assert quality_component(q, expected=200).score == pytest.approx(95.0 * 0.5)
    assert quality_component(np.array([], dtype=np.uint8)).score is None


def test_score_is_the_weighted_mean_of_the_available_components() -> None:
    parts = [
        anomaly_component(np.zeros(100)),  # 100
        alarm_component(5, DAY_S),  # 50
        deviation_component(np.array([np.nan])),  # unavailable
        quality_component(np.zeros(10, dtype=np.uint8)),  # 100
    ]
    result = health_score(
        "pump1", parts, HealthWeights(anomaly=0.4, alarms=0.4, deviation=0.1, data_quality=0.2)
    )
    assert result.score == pytest.approx((0.4 * 100 + 0.4 * 50 + 0.2 * 100) / 1.0)
    assert [c.name for c in result.components] == ["anomaly", "alarms", "deviation", "data_quality"]
    assert result.component("deviation").score is None
    assert result.component("alarms").weight == 0.4


def test_no_component_no_score() -> None:
    assert health_score("x", [deviation_component(np.array([]))]).score is None


def test_limits_are_configurable() -> None:
    strict = HealthLimits(alarms_per_day_limit=2.0)
    assert alarm_component(1, DAY_S, strict).score == pytest.approx(50.0)


def journal_activation(historian: Historian, tag: str, ts_s: int, alarm: str = "hi") -> None:
    SqlJournal(historian.engine).record(
        [
            Transition(
                ts_s * NS_PER_S,
                alarm,
                tag,
                Event.ACTIVATE,
                AlarmState.NORMAL,
                AlarmState.UNACK,
                95.0,
                "high",
                "hall",
                "",
            ),
            Transition(
                ts_s * NS_PER_S + 5,
                alarm,
                tag,
                Event.ACK,
                AlarmState.UNACK,
                AlarmState.ACKED,
                95.0,
                "high",
                "hall",
                "",
            ),
        ]
    )


def test_device_health_from_the_store(
    historian_with: Callable[[Sequence[tuple[str, int, float]]], Historian],
) -> None:
    t0 = 1_780_000_000 - 1_780_000_000 % 3600
    week = 7 * DAY_S
    rng = np.random.default_rng(3)
    rows = []
    for t in range(t0, t0 + 3 * week + DAY_S, 300):  # 3 weeks of history, then the day scored
        hour = (t // 3600) % 24
        value = (60.0 if 6 <= hour < 22 else 20.0) + rng.normal(0, 1.0)
        if t >= t0 + 3 * week + 12 * 3600:
            value *= 1.3  # the pump draws 30 % more from noon on
        rows.append(("pump1/power", t, round(value, 3)))
        rows.append(("pump1/temperature", t, round(40 + rng.normal(0, 0.2), 3)))
    historian = historian_with(rows)
    start, end = (t0 + 3 * week) * NS_PER_S, (t0 + 3 * week + DAY_S) * NS_PER_S
    journal_activation(historian, "pump1/temperature", t0 + 3 * week + 3600)
    journal_activation(historian, "pump1/temperature", t0 + 3 * week + 7200)
    journal_activation(historian, "other/level", t0 + 3 * week + 7200)
    assert main_tag(historian, "pump1") == "pump1/power"
    assert alarm_activations(historian, "pump1", start, end) == 2
    health = device_health(
        historian, "pump1", start, end, HealthOptions(detector=EwmaCusumDetector)
    )
    assert 0 < health.score < 100
    alarms = health.component("alarms")
    assert alarms.value == pytest.approx(2.0) and alarms.score == pytest.approx(80.0)
    deviation = health.component("deviation")
    assert deviation.value == pytest.approx(15.0, abs=3.0)  # half the day +30 %, half normal
    quality = health.component("data_quality")
    assert quality.score == pytest.approx(100.0)
    assert health.component("anomaly").score is not None
    parts = [c for c in health.components if c.score is not None]
    expected = sum(c.weight * c.score for c in parts) / sum(c.weight for c in parts)
    assert health.score == pytest.approx(expected, abs=0.01)
