"""The Health & RUL view on the machine's real temperatures: the device's health score and its
components are the core's, the component chart shows them, and the RUL is the core's estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from core.analytics.baseline.store import device_availability, device_health, hourly_means
from core.analytics.rul import estimate
from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.views.analytics.health import HealthView, score_text
from hmi.views.analytics.health_job import COMPONENTS, RUL_LEVEL
from hmi.views.analytics.rul_panel import life_text, span_text
from tests.hmi.analytics.conftest import MachineHistory

DAY_NS = 86_400 * NS_PER_S


@pytest.fixture
def view(ctx: HmiContext, qtbot: QtBot) -> HealthView:
    found = HealthView(ctx)
    qtbot.addWidget(found)
    found.resize(1300, 900)
    return found


def test_health_scores_and_components_are_the_cores(
    view: HealthView, ctx: HmiContext, qtbot: QtBot, machine_history: MachineHistory
) -> None:
    end = (machine_history.end_ns - DAY_NS) // NS_PER_S * NS_PER_S
    start = end - 7 * DAY_NS
    view.picker.set_custom(start, end)
    generation = view.refresh()
    qtbot.waitUntil(
        lambda: not view.task.busy and view.task.generation == generation, timeout=60_000
    )
    assert view.task.error is None, view.task.error
    assert view.select_device("machine1")
    row = view.selected()
    assert row is not None and row.health is not None
    expected = device_health(ctx.historian, "machine1", start, end)
    assert row.health == expected
    assert row.availability == device_availability(ctx.historian, "machine1", start, end)
    assert expected.score is not None and 0 <= expected.score <= 100
    assert expected.component("deviation").score is not None, "four weeks of baseline before"
    health_column = [c.header for c in view.model.columns].index("Health")
    proxy_row = next(r for r in range(view.proxy.rowCount()) if view.proxy.record(r) is row)
    assert view.proxy.index(proxy_row, health_column).data() == score_text(expected.score)
    bars = next(i for i in view.chart.getPlotItem().items if hasattr(i, "opts"))
    shown = [expected.component(n).score for n in COMPONENTS]
    assert list(bars.opts["height"]) == [s for s in shown if s is not None]
    detail = view.detail.toPlainText()
    assert all(c.detail in detail for c in expected.components)
    devices = {r.device for r in view.model.records}
    assert {"machine1", "boiler", "meter1"} <= devices
    assert not any(d.endswith(".anomaly") for d in devices)


@pytest.mark.parametrize("threshold", [40.0, 120.0])
def test_rul_is_the_cores_estimate(
    view: HealthView,
    ctx: HmiContext,
    qtbot: QtBot,
    machine_history: MachineHistory,
    threshold: float,
) -> None:
    now = now_ns()
    view.rul.choose(machine_history.tag, threshold, 30)
    view.rul.estimate(now)
    qtbot.waitUntil(lambda: not view.rul.task.busy, timeout=30_000)
    assert view.rul.task.error is None, view.rul.task.error
    start, end = view.rul.history_window(now)
    ts, means = hourly_means(ctx.historian, machine_history.tag, start, end)[:2]
    finite = np.isfinite(means)
    expected = estimate(ts[finite], means[finite], threshold, level=RUL_LEVEL)
    outcome = view.rul.outcome
    assert outcome is not None and outcome.source == "hourly means"
    assert outcome.estimate == expected
    text = view.rul.result.text()
    assert life_text(expected.time_to_failure_s) in text and expected.status in text
    assert f"{expected.level:.0%} band {span_text(expected.lower_s)}" in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (math.inf, "never (on this trend)"),
        (0.0, "now (past the threshold)"),
        (7200.0, "2.0 h"),
        (3 * 86_400.0, "3.0 d"),
    ],
)
def test_life_text(seconds: float, text: str) -> None:
    assert life_text(seconds) == text
