"""The anomaly layer of the trend reads its events for a wider span than the view, so a small
pan or zoom inside it draws without a new query; a pan out of it, new tags, the live tick or
an old span read again."""

from __future__ import annotations

import time

import pytest
from pytestqt.qtbot import QtBot

from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.views.trends import anomaly_markers
from hmi.views.trends.anomaly_markers import AnomalyMarkers, EventSpan
from hmi.views.trends.view import TrendView

HOUR_S = 3600


@pytest.fixture
def trend(ctx: HmiContext, qtbot: QtBot) -> TrendView:
    view = TrendView(ctx)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


def settle(view: TrendView, qtbot: QtBot) -> AnomalyMarkers:
    """Wait until the history and the events of the visible range are read."""
    markers = view.anomalies
    qtbot.waitUntil(lambda: not view.history.busy, timeout=10_000)
    tags = {p.tag for p in view.pens}
    x0, x1 = view.plots.x_range()
    start, end = int(x0 * NS_PER_S), int(x1 * NS_PER_S)
    qtbot.waitUntil(
        lambda: markers.span is not None and markers.span.covers(tags, start, end), timeout=10_000
    )
    qtbot.waitUntil(lambda: not markers.busy, timeout=10_000)
    return markers


def pan(view: TrendView, fraction: float) -> None:
    x0, x1 = view.plots.x_range()
    shift = (x1 - x0) * fraction
    view.plots.set_x_range(x0 + shift, x1 + shift)


def test_a_small_pan_reads_no_events_again(trend: TrendView, qtbot: QtBot) -> None:
    trend.add_pen("boiler/temperature")
    end_ns = now_ns() - 2 * HOUR_S * NS_PER_S
    trend.set_time_range(end_ns - HOUR_S * NS_PER_S, end_ns)
    markers = settle(trend, qtbot)
    queries = markers.queries
    for fraction in (0.1, -0.25, 0.2):
        pan(trend, fraction)
        trend.request_history()
        qtbot.waitUntil(lambda: not trend.history.busy, timeout=10_000)
        markers.refresh()
    assert markers.queries == queries, "a pan inside the read span queried again"
    pan(trend, 3.0)
    markers.refresh()
    assert markers.queries == queries + 1, "a pan out of the read span reads its events"
    trend.add_pen("oven1/pv")  # a new tag: its events are not known
    assert markers.queries == queries + 2


def test_live_tick_and_an_old_span_read_again(
    trend: TrendView, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    trend.add_pen("boiler/temperature")
    markers = settle(trend, qtbot)
    queries = markers.queries
    markers.refresh(force=True)  # the live tick: open events grow
    assert markers.queries == queries + 1
    span = markers.span
    assert span is not None
    old = EventSpan(span.tags, span.start_ns, span.end_ns, time.monotonic() - 2 * 60)
    monkeypatch.setattr(anomaly_markers, "SPAN_TTL_S", 60.0)
    markers.span = old
    markers.refresh()
    assert markers.queries == queries + 2, "an old span is read again"
