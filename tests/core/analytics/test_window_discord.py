"""Window discord: finds a changed cycle shape that level statistics miss, is silent on a
repeating cycle, and needs history before it scores."""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.anomaly import DiscordDetector, DiscordSettings, EnsembleDetector, WindowDiscord
from core.analytics.live import parse_anomaly_sections

STEP_NS = 60 * 1_000_000_000
PERIOD = 40
FAULT_AT = 4000


def _pump(seed: int, n: int = 6000, fault: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """A pump-like stroke (strong half-cycle, weak half-cycle) with light noise; with ``fault``
    two cycles from ``FAULT_AT`` have their half-cycles swapped: same level, same range."""
    rng = np.random.default_rng(seed)
    phase = (np.arange(n) % PERIOD) / PERIOD
    wave = np.sin(2 * np.pi * phase)
    strong_first = np.where(phase < 0.5, 1.0, 0.3)
    if fault:
        cycles = slice(FAULT_AT, FAULT_AT + 2 * PERIOD)
        strong_first[cycles] = np.where(phase[cycles] < 0.5, 0.3, 1.0)
    values = 5.0 + 2.0 * strong_first * wave + rng.normal(0.0, 0.05, n)
    return np.arange(n, dtype=np.int64) * STEP_NS, values


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_changed_cycle_shape_stands_out(seed: int) -> None:
    ts, values = _pump(seed)
    scores = DiscordDetector().score_series(ts, values)
    fault = scores[FAULT_AT : FAULT_AT + 2 * PERIOD].max()
    assert fault > 0.4
    assert fault > 2.5 * scores[1000:FAULT_AT].max()
    assert fault > 2.5 * scores[FAULT_AT + 3 * PERIOD :].max()


def test_a_repeating_cycle_has_near_zero_distance() -> None:
    _, values = _pump(0, n=3000, fault=False)
    statistic = WindowDiscord(DiscordSettings(window=40, points=8)).push(values)
    assert np.nanmax(statistic[2000:]) < 0.5


def test_no_statistic_before_enough_history() -> None:
    settings = DiscordSettings(window=16, points=8, min_history=100, stride=4)
    statistic = WindowDiscord(settings).push(np.random.default_rng(0).normal(size=400))
    assert np.all(np.isnan(statistic[: 100 + 16]))
    assert np.all(np.isfinite(statistic[-100:]))


def test_constant_signal_has_no_shape() -> None:
    statistic = WindowDiscord(DiscordSettings(window=16, points=8)).push(np.full(2000, 0.1))
    assert np.nanmax(statistic) == 0.0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="discord"):
        WindowDiscord(DiscordSettings(window=30, points=16))


def _margin(scores: np.ndarray) -> float:
    """The fault's peak score over the highest score of the normal stretch before it."""
    return float(scores[FAULT_AT : FAULT_AT + 2 * PERIOD].max() / scores[1000:FAULT_AT].max())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_discord_rule_sees_the_shape_fault_the_ensemble_cannot_tell_from_normal(
    seed: int,
) -> None:
    """Why ``detector = "discord"`` is offered: level statistics miss a changed cycle shape."""
    ts, values = _pump(seed)
    (rule,) = parse_anomaly_sections([{"tags": ["pump/*"], "detector": "discord"}], "plant.toml")
    discord = rule.make_detector().update(ts, values)
    ensemble = EnsembleDetector().score_series(ts, values)
    assert _margin(discord) > 2.5
    assert _margin(ensemble) < 1.5
