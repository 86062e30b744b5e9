"""The trend view on the running plant: drag-in pens with live data, decimated history in a
worker, cursor read-out, axes, layouts, saved views and exports."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.importer import import_csv
from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.views.trends.history import HistoryResult
from hmi.views.trends.pens import TrendSpec, held, split_by_quality
from hmi.views.trends.view import TrendView

WEEK_S = 7 * 86_400
SPIKE = 987.5


@pytest.fixture
def trend(ctx: HmiContext, qtbot: QtBot) -> TrendView:
    view = TrendView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 760)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture(scope="module")
def week_of_history(plant: object, tmp_path_factory: pytest.TempPathFactory) -> int:
    """A week of one-minute values of ``history/flow`` imported through core.importer: a sine
    with one spike and an hour of bad quality. Returns the spike's time."""
    start = (now_ns() // NS_PER_S - WEEK_S) * NS_PER_S
    path = tmp_path_factory.mktemp("import") / "flow.csv"
    spike_at = start + 3 * 86_400 * NS_PER_S + 17 * 60 * NS_PER_S
    bad_from, bad_to = spike_at + 3600 * NS_PER_S, spike_at + 2 * 3600 * NS_PER_S
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["tag", "timestamp", "value", "quality"])
        for minute in range(WEEK_S // 60):
            ts = start + minute * 60 * NS_PER_S
            value = SPIKE if ts == spike_at else 50 + 10 * np.sin(minute / 90)
            quality = "bad/comms_lost" if bad_from <= ts < bad_to else "good"
            out.writerow(["history/flow", ts // NS_PER_S, f"{value:.4f}", quality])
    result = import_csv(plant.collector.historian, path)  # type: ignore[attr-defined]
    assert result.imported == WEEK_S // 60
    return spike_at


def curve_points(view: TrendView, tag: str) -> int:
    """Points handed to the solid curve of a pen."""
    x, _ = view.plots.curves[tag][0].getData()
    return 0 if x is None else len(x)


def drag_tag(view: TrendView, tag: str) -> None:
    """Drag a tag from the browser and drop it on the chart (real Qt drag events)."""
    index = view.browser.index_of(tag)
    assert index.isValid()
    source = view.browser.proxy.mapToSource(index)
    mime = view.browser.model.mimeData([source])
    target = view.plots.viewport()
    point = QPointF(target.width() / 2, target.height() / 2)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(
        point.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        point, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, drop)


def test_a_dragged_in_pen_shows_live_data(trend: TrendView, qtbot: QtBot) -> None:
    drag_tag(trend, "boiler/temperature")
    assert [p.tag for p in trend.pens] == ["boiler/temperature"]
    pen = trend.pens[0]
    started = now_ns()
    qtbot.waitUntil(lambda: (pen.buffer.last_ts or 0) > started, timeout=10_000)
    qtbot.waitUntil(lambda: curve_points(trend, pen.tag) > 1, timeout=5000)
    x, y = trend.plots.curves[pen.tag][0].getData()
    assert x[-1] * NS_PER_S > started - NS_PER_S
    assert np.isfinite(y).any()
    x0, x1 = trend.plots.x_range()
    assert x1 - x0 == pytest.approx(600, abs=5), "live mode shows the last 10 minutes"
    assert trend.table_model.index(0, 1).data() not in ("", "---")


def test_seven_day_preset_fetches_decimated_history_in_a_worker(
    trend: TrendView, week_of_history: int, qtbot: QtBot
) -> None:
    trend.add_pen("history/flow")
    qtbot.mouseClick(trend.toolbar.preset_buttons[WEEK_S], Qt.MouseButton.LeftButton)
    result = wait_for_history(trend, qtbot, lambda r: r.end_ns - r.start_ns > 6 * 86_400 * NS_PER_S)
    series = result.series["history/flow"]
    assert not result.on_gui_thread
    assert result.thread_name.startswith("hmi-worker")
    assert len(series) <= result.max_points
    assert series.source in ("rollup_1m", "rollup_1h", "raw/decimated")
    assert series.values.max() == pytest.approx(SPIKE), "min/max decimation keeps the peak"
    assert int(series.ts_ns[int(np.argmax(series.values))]) == week_of_history


def test_panning_reuses_fetched_history_and_keeps_the_peak(
    trend: TrendView, week_of_history: int, qtbot: QtBot
) -> None:
    trend.add_pen("history/flow")
    end = week_of_history + 86_400 * NS_PER_S
    span = 2 * 86_400 * NS_PER_S
    trend.set_time_range(end - span, end)
    wait_for_history(trend, qtbot, lambda r: r.end_ns == end)
    qtbot.waitUntil(lambda: trend.history._workers.pending == 0, timeout=15_000)  # prefetch
    queries = trend.history.queries
    for step in (span // 10, span // 10 + NS_PER_S // 2):  # a tenth of the view, then a bit more
        start = end - span - step
        trend.set_time_range(start, start + span)
        result = trend.history.results[-1]
        assert result.start_ns == start and result.fetched == 0, "answered from the cache"
        series = result.series["history/flow"]
        assert series.values.max() == pytest.approx(SPIKE), "the peak stays while panning"
        assert int(series.ts_ns[int(np.argmax(series.values))]) == week_of_history
        assert len(series) <= result.max_points
    assert trend.history.queries == queries, "no query for a pan inside fetched history"
    x, _ = trend.plots.curves["history/flow"][0].getData()
    assert x is not None and len(x) > 100, "drawn at once, not at the next redraw tick"


def wait_for_history(view: TrendView, qtbot: QtBot, wanted: object) -> HistoryResult:
    found: list[HistoryResult] = []

    def arrived() -> bool:
        found[:] = [r for r in view.history.results if wanted(r)]  # type: ignore[operator]
        return bool(found)

    qtbot.waitUntil(arrived, timeout=15_000)
    return found[-1]


def test_zooming_out_with_the_wheel_switches_to_history(
    trend: TrendView, week_of_history: int, qtbot: QtBot
) -> None:
    trend.add_pen("history/flow")
    day = 86_400
    end = now_ns()
    trend.set_time_range(end - day * NS_PER_S, end)
    qtbot.wait(100)  # a paint: the view box maps the mouse with its drawn transform
    viewport = trend.plots.viewport()
    centre = QPointF(viewport.width() / 2, viewport.height() / 2)
    for _ in range(12):
        wheel = QWheelEvent(
            centre,
            viewport.mapToGlobal(centre),
            QPoint(0, 0),
            QPoint(0, -120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(viewport, wheel)
        qtbot.wait(30)
    x0, x1 = trend.plots.x_range()
    assert x1 - x0 > 6 * day, "twelve wheel steps zoom out past a week"
    assert not trend.live
    result = wait_for_history(trend, qtbot, lambda r: r.end_ns - r.start_ns > 6 * day * NS_PER_S)
    assert not result.on_gui_thread
    assert len(result.series["history/flow"]) <= result.max_points


def test_bad_quality_is_drawn_dashed(trend: TrendView, week_of_history: int, qtbot: QtBot) -> None:
    pen = trend.add_pen("history/flow")
    assert pen is not None
    start = week_of_history
    trend.set_time_range(start, start + 3 * 3600 * NS_PER_S)
    wait_for_history(trend, qtbot, lambda r: r.start_ns == start)
    trend.redraw()
    solid, dashed = trend.plots.curves[pen.tag]
    dashed_y = dashed.getData()[1]
    solid_y = solid.getData()[1]
    assert np.isfinite(dashed_y).sum() >= 60, "the bad hour is drawn dashed"
    assert np.isnan(solid_y).sum() >= 58, "and left out of the solid line"
    assert dashed.opts["pen"].style() == Qt.PenStyle.DashLine


@pytest.mark.parametrize(
    ("quality", "solid_nan", "dashed_finite"),
    [
        ([0, 0, 0, 0], [], []),
        ([0, 132, 0, 0], [1], [0, 1, 2]),
        ([66, 0, 0, 129], [0, 3], [0, 1, 2, 3]),
    ],
)
def test_split_by_quality(
    quality: list[int], solid_nan: list[int], dashed_finite: list[int]
) -> None:
    values = np.arange(4, dtype=float)
    solid, dashed = split_by_quality(values, np.array(quality, dtype=np.uint8))
    assert list(np.flatnonzero(np.isnan(solid))) == solid_nan
    assert list(np.flatnonzero(np.isfinite(dashed))) == dashed_finite


def test_held_extends_the_last_value_to_now() -> None:
    ts = np.array([1, 2], dtype=np.int64)
    out = held(ts, np.array([5.0, 6.0]), np.zeros(2, dtype=np.uint8), 10)
    assert list(out[0]) == [1, 2, 10] and list(out[1]) == [5.0, 6.0, 6.0]
    same = held(ts, np.array([5.0, 6.0]), np.zeros(2, dtype=np.uint8), 2)
    assert len(same[0]) == 2


def test_cursor_reads_out_every_pen_at_one_time(trend: TrendView, qtbot: QtBot) -> None:
    pens = trend.add_pens(["boiler/temperature", "oven1/pv"])
    qtbot.waitUntil(lambda: all(len(p.buffer) >= 3 for p in pens), timeout=10_000)
    trend.show_cursor(True)
    assert trend.plots.cursors
    qtbot.waitUntil(lambda: trend.table_model.index(1, 2).data() not in ("", "---"), timeout=5000)
    times = {trend.table_model.index(r, 3).data() for r in range(2)}
    assert all(t for t in times)
    x = trend.plots.cursor_x
    assert x is not None
    trend.plots.cursors[0].setValue(x - 1)
    assert trend.plots.cursor_x == pytest.approx(x - 1)
    assert all(line.value() == pytest.approx(x - 1) for line in trend.plots.cursors)


def test_shared_and_own_axes_and_layouts(trend: TrendView) -> None:
    trend.add_pens(["boiler/temperature", "boiler/setpoint", "oven1/pv"])
    assert {p.axis for p in trend.pens if p.tag != "oven1/pv"} == {trend.pens[0].axis}
    axes = {p.axis for p in trend.pens}
    assert len(trend.plots.plots) == len(axes), "one stacked plot per axis: same unit, shared"
    trend.set_axis(["boiler/setpoint"], "boiler/setpoint")
    assert len(trend.plots.plots) == len(axes) + 1
    trend.set_layout("overlay")
    assert len(trend.plots.plots) == 1 and len(trend.plots.boxes) == len(
        {p.axis for p in trend.pens}
    )
    assert trend.plots.plots[0].getAxis("left").labelText == "degC" or trend.plots.boxes
    trend.set_layout("stacked")
    trend.set_axis(["oven1/pv", "boiler/setpoint"], "shared")
    assert len(trend.plots.plots) == len({p.axis for p in trend.pens}) == 2
    x_links = {p.vb.linkedView(0) for p in trend.plots.plots[1:]}
    assert x_links == {trend.plots.plots[0].vb}, "time axes are linked"


def test_saved_view_round_trip(trend: TrendView) -> None:
    trend.add_pens(["boiler/temperature", "oven1/pv"])
    trend.set_layout("overlay")
    trend.set_span(3600)
    trend.tools.save_view("boiler shift")
    assert "boiler shift" in trend.tools.store.names()
    trend.remove_pens(["boiler/temperature", "oven1/pv"])
    trend.set_layout("stacked")
    trend.tools.load_view("boiler shift")
    assert [p.tag for p in trend.pens] == ["boiler/temperature", "oven1/pv"]
    assert trend.layout_mode == "overlay"
    assert trend.span_s == 3600
    spec = TrendSpec.from_dict(trend.tools.store.load("boiler shift"))
    assert spec.live and spec.layout == "overlay"


@pytest.mark.parametrize("bad", [{"pens": "x"}, {"pens": [{"axis": "a"}]}, {"layout": "grid"}])
def test_invalid_saved_views_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TrendSpec.from_dict(bad)


def test_exports_csv_and_png_in_a_worker(trend: TrendView, qtbot: QtBot, tmp_path: Path) -> None:
    pen = trend.add_pen("boiler/temperature")
    assert pen is not None
    qtbot.waitUntil(lambda: len(pen.buffer) >= 3, timeout=10_000)
    csv_path, png_path = tmp_path / "visible.csv", tmp_path / "chart.png"
    with qtbot.waitSignal(trend.tools.exported, timeout=10_000):
        trend.tools.export_csv(csv_path)
    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows and {r["tag"] for r in rows} == {"boiler/temperature"}
    assert all(r["quality"] for r in rows) and float(rows[-1]["value"]) > 0
    with qtbot.waitSignal(trend.tools.exported, timeout=10_000):
        trend.tools.export_png(png_path)
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert threading.current_thread() is threading.main_thread()
