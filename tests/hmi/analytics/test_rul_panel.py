"""The RUL chart keeps the data readable: its x range reaches at most a few spans of the data past
the last sample, and what lies beyond (the estimate, the band's end) is said at the right edge."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from core.analytics.rul import estimate
from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.views.analytics.health_job import RUL_LEVEL, RulOutcome
from hmi.views.analytics.rul_panel import (
    REACH_SPANS,
    RulPanel,
    life_text,
    span_text,
    visible_x_range,
)

HOUR_S = 3600
DAY_S = 24 * HOUR_S


def rising(days: int, per_hour: float, threshold: float) -> RulOutcome:
    """Hourly values rising by ``per_hour`` from 50 (with noise) and the core's estimate."""
    hours = np.arange(days * 24)
    end = now_ns() // NS_PER_S * NS_PER_S
    ts = end - (hours[::-1] * HOUR_S * NS_PER_S).astype(np.int64)
    values = 50 + per_hour * hours + np.random.default_rng(3).normal(0, 0.2, hours.size)
    est = estimate(ts, values, threshold, level=RUL_LEVEL, models=("linear",))
    return RulOutcome("rig/vibration", "mm/s", "hourly means", ts, values, est)


@pytest.fixture
def panel(ctx: HmiContext, qtbot: QtBot) -> RulPanel:
    shown = RulPanel(ctx)
    qtbot.addWidget(shown)
    shown.resize(1200, 500)
    shown.show()
    return shown


def draw(panel: RulPanel, outcome: RulOutcome) -> tuple[float, float]:
    panel.outcome = outcome
    panel.draw()
    left, right = panel.chart.viewRange()[0]
    return float(left), float(right)


def test_a_far_failure_is_off_chart_and_said_at_the_edge(panel: RulPanel) -> None:
    outcome = rising(7, 0.01, 100.0)  # ~5000 h to go on a 7-day history
    est = outcome.estimate
    assert est.time_to_failure_s > 20 * DAY_S and est.status == "degrading"
    first, last = outcome.ts_ns[0] / NS_PER_S, outcome.ts_ns[-1] / NS_PER_S
    left, right = draw(panel, outcome)
    reach = last + REACH_SPANS * (last - first)
    span = reach - first
    assert left == pytest.approx(first - 0.02 * span, rel=1e-9)
    assert right == pytest.approx(reach + 0.02 * span, rel=1e-9)
    assert (last - first) / (right - left) > 0.3, "the data keeps a third of the width"
    assert panel.off_chart is not None and panel.off_chart.isVisible()
    text = panel.off_chart.textItem.toPlainText()
    when = panel.ctx.clock.datetime_text(est.failure_ts_ns)
    assert text == (
        f"failure (estimate) in {life_text(est.time_to_failure_s)}, at {when}; "
        f"{est.level:.0%} band to {span_text(est.upper_s)} →"
    )
    assert panel.off_chart.pos().x() == pytest.approx(reach)


def test_a_near_failure_shows_the_whole_band(panel: RulPanel) -> None:
    outcome = rising(7, 0.5, 150.0)  # ~33 h to go
    est = outcome.estimate
    assert 0 < est.upper_s < REACH_SPANS * 7 * DAY_S
    first, last = outcome.ts_ns[0] / NS_PER_S, outcome.ts_ns[-1] / NS_PER_S
    left, right = draw(panel, outcome)
    assert left < first and last + est.upper_s < right
    assert right == pytest.approx(last + est.upper_s + 0.02 * (last + est.upper_s - first))
    assert panel.off_chart is None
    draw(panel, rising(7, 0.01, 100.0))
    assert panel.off_chart is not None
    draw(panel, outcome)
    assert panel.off_chart is None, "a redraw forgets the previous note"


@pytest.mark.parametrize(
    ("first", "last", "band_end", "expected"),
    [
        (0.0, 10 * DAY_S, 12 * DAY_S, (0.0, 12 * DAY_S)),
        (0.0, 10 * DAY_S, 500 * DAY_S, (0.0, (10 + REACH_SPANS * 10) * DAY_S)),
        (0.0, 10 * DAY_S, math.inf, (0.0, (10 + REACH_SPANS * 10) * DAY_S)),
        (0.0, 60.0, 10 * DAY_S, (0.0, 60.0 + REACH_SPANS * 3600)),  # a minute: an hour's reach
    ],
)
def test_visible_x_range(
    first: float, last: float, band_end: float, expected: tuple[float, float]
) -> None:
    assert visible_x_range(first, last, band_end) == pytest.approx(expected)
