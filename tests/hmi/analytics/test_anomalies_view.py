"""The Anomalies view and the anomaly layer of the trends, on events the live detectors found in
the machine's real temperatures: the list equals the store, filters work, "trend this" opens the
trend on the event's window, and the trend shades the event."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from core.analytics.live import SCORE_SUFFIX, list_events
from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.main_window import MainWindow
from hmi.views.analytics.anomalies import MAX_EVENTS, AnomaliesView, event_window
from hmi.views.trends.anomaly_markers import event_tag
from hmi.views.trends.view import TrendView
from tests.hmi.analytics.conftest import MachineHistory


def anomalies_view(ctx: HmiContext, qtbot: QtBot, history: MachineHistory) -> AnomaliesView:
    view = AnomaliesView(ctx)
    qtbot.addWidget(view)
    view.picker.set_custom(history.start_ns // NS_PER_S * NS_PER_S, now_ns() // NS_PER_S * NS_PER_S)
    qtbot.waitUntil(lambda: not view.task.busy and view.model.rowCount() > 0, timeout=10_000)
    return view


def test_the_list_is_the_stored_events_with_filters(
    ctx: HmiContext, qtbot: QtBot, machine_history: MachineHistory
) -> None:
    view = anomalies_view(ctx, qtbot, machine_history)
    start, end = view.picker.period()
    assert view.model.records == list_events(ctx.historian.engine, start, end, limit=MAX_EVENTS)
    event = machine_history.events[0]
    assert event in view.model.records
    view.search.setText(machine_history.tag)
    assert view.proxy.rowCount() == len(machine_history.events)
    row = [view.proxy.record(r) for r in range(view.proxy.rowCount())].index(event)
    texts = [view.proxy.index(row, c).data() for c in range(view.proxy.columnCount())]
    assert texts[1] == machine_history.tag and texts[5] == f"{event.peak_score:.2f}"
    assert texts[0] == ("open" if event.is_open else "closed")
    assert texts[2] == ctx.clock.datetime_text(event.start_ns)
    for state, keep in (("open", lambda e: e.is_open), ("closed", lambda e: not e.is_open)):
        view.state.setCurrentText(state)
        assert view.proxy.rowCount() == sum(1 for e in machine_history.events if keep(e))


@pytest.mark.parametrize(
    ("start_s", "end_s", "window_s"),
    [(0, 60, (-600, 660)), (0, 7200, (-3600, 10800)), (0, None, (-600, 1100))],
)
def test_event_window(
    start_s: int, end_s: int | None, window_s: tuple[int, int], machine_history: MachineHistory
) -> None:
    from dataclasses import replace

    base = machine_history.events[0]
    event = replace(
        base, start_ns=start_s * NS_PER_S, end_ns=None if end_s is None else end_s * NS_PER_S
    )
    assert event_window(event, 500 * NS_PER_S) == (window_s[0] * NS_PER_S, window_s[1] * NS_PER_S)


def test_trend_this_opens_the_event_window_with_its_marker(
    ctx: HmiContext, qtbot: QtBot, machine_history: MachineHistory
) -> None:
    window = MainWindow(ctx.settings, ctx.clock, player=lambda _s: None)
    qtbot.addWidget(window)
    window.show()
    window.attach(ctx)
    window.show_view("anomalies")
    view = window.views["anomalies"]
    assert isinstance(view, AnomaliesView)
    view.picker.set_custom(
        machine_history.start_ns // NS_PER_S * NS_PER_S, now_ns() // NS_PER_S * NS_PER_S
    )
    qtbot.waitUntil(lambda: not view.task.busy and view.model.rowCount() > 0, timeout=10_000)
    event = machine_history.events[0]
    view.search.setText(machine_history.tag)
    view.table.selectRow([view.proxy.record(r) for r in range(view.proxy.rowCount())].index(event))
    view.trend_button.click()
    trend = window.views["trends"]
    assert isinstance(trend, TrendView) and window.current == "trends"
    assert [p.tag for p in trend.pens] == [machine_history.tag] and not trend.live
    start, end = event_window(event, now_ns())
    x0, x1 = trend.plots.x_range()
    assert abs(x0 - start / NS_PER_S) < 1 and (event.end_ns is None or abs(x1 - end / NS_PER_S) < 1)
    markers = trend.anomalies
    qtbot.waitUntil(lambda: any(m.event == event for m in markers.markers), timeout=10_000)
    marker = next(m for m in markers.markers if m.event == event)
    assert marker.region.getRegion() == (event.start_ns / NS_PER_S, marker.end_s)
    assert marker.box is trend.plots.boxes[trend.pens[0].axis]
    assert marker.shown
    trend.set_layout("overlay")
    assert not marker.shown, "the old region went with the old chart"
    redrawn = next(m for m in markers.markers if m.event == event)
    assert redrawn.shown and redrawn.box is trend.plots.boxes[trend.pens[0].axis]
    trend.remove_pens([machine_history.tag])
    qtbot.waitUntil(lambda: not markers.markers, timeout=5000)
    assert not redrawn.shown


def test_a_score_pen_shows_the_events_of_its_source_tag() -> None:
    assert event_tag(f"machine1/temperature{SCORE_SUFFIX}") == "machine1/temperature"
    assert event_tag("machine1/temperature") == "machine1/temperature"
