"""The Energy & CO2e view on a running plant: the simulated SDM630 meter (a counter and power
tags) polled over Modbus, over a closed window; figures, groups, charts and the CSV are the
core's."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.analytics.energy import EnergyService
from core.analytics.energy.export import CSV_COLUMNS, csv_rows
from core.cli.output import write_csv
from core.model import NS_PER_S, now_ns
from hmi.context import HmiContext
from hmi.views.analytics.common import preset_window
from hmi.views.analytics.energy import EnergyView, number
from hmi.views.analytics.energy_rows import period_tick, rows_for, top_rows

DATA_S = 6


def stored_span_s(ctx: HmiContext) -> float:
    """Seconds of stored meter power samples."""
    series = ctx.historian.raw("meter1/total_power", 0, now_ns())
    return 0.0 if len(series) < 2 else (series.ts_ns[-1] - series.ts_ns[0]) / NS_PER_S


@pytest.fixture
def window(ctx: HmiContext, qtbot: QtBot) -> tuple[int, int]:
    """A closed window of whole seconds (the picker's resolution) over stored meter data."""
    qtbot.waitUntil(lambda: stored_span_s(ctx) >= DATA_S + 2, timeout=30_000)
    first = int(ctx.historian.raw("meter1/total_power", 0, now_ns()).ts_ns[0])
    return first // NS_PER_S * NS_PER_S, (now_ns() // NS_PER_S - 2) * NS_PER_S


def energy_view(ctx: HmiContext, qtbot: QtBot) -> EnergyView:
    view = EnergyView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    return view


def test_figures_groups_and_charts_match_the_core(
    ctx: HmiContext, qtbot: QtBot, window: tuple[int, int]
) -> None:
    view = energy_view(ctx, qtbot)
    view.picker.set_custom(*window)
    assert view.picker.period() == window
    view.grouping.setCurrentText("hour")
    generation = view.calculate()
    qtbot.waitUntil(
        lambda: not view.task.busy and view.task.generation == generation, timeout=30_000
    )
    assert view.task.error is None, view.task.error
    expected = EnergyService.for_historian(ctx.historian).report(*window, "hour")
    assert view.report is not None
    shown = {r.name: r for r in view.model.records}
    meter = next(m for m in expected.meters if m.device == "meter1")
    row = shown["meter1"]
    assert row.kwh == meter.kwh and row.kwh is not None and row.kwh > 0
    assert row.co2e_kg == meter.co2e_kg and row.co2e_kg is not None and row.co2e_kg > 0
    assert row.factor == meter.factor and row.factor_source == meter.factor_source
    assert "DE" in row.factor_source and row.area == "utilities" and row.site == "Works"
    assert row.counter == meter.counter and row.power_kwh == meter.power_kwh
    assert row.difference_pct == meter.difference_pct
    assert row.method == "counter (counter+power)"
    column = [c.header for c in view.model.columns].index("kWh")
    index = view.model.index(view.model.records.index(row), column)
    assert view.model.data(index) == number(meter.kwh)
    view.level.setCurrentText("site")
    sites = {r.name: r for r in view.model.records}
    assert (
        sites["Works"].kwh == expected.sites[0].kwh
        and sites["Works"].co2e_kg == expected.sites[0].co2e_kg
    )
    assert [r.name for r in view.model.records] == [r.name for r in rows_for(expected, "site")]
    bars = [i for i in view.total_chart.getPlotItem().items if hasattr(i, "opts")]
    top = top_rows(view.model.records, 1)
    assert list(bars[0].opts["width"]) == [r.kwh for r in top if r.kwh is not None]
    assert top[0].kwh == max(r.kwh for r in view.model.records if r.kwh is not None)
    view.level.setCurrentText("device")
    view.table.selectRow(0)
    selected = view.selected()
    assert selected is not None and "per hour" in view.period_chart.getPlotItem().titleLabel.text


def test_export_csv_equals_the_core_rows(
    ctx: HmiContext, qtbot: QtBot, window: tuple[int, int], tmp_path: Path
) -> None:
    view = energy_view(ctx, qtbot)
    view.picker.set_custom(*window)
    view.grouping.setCurrentText("day")
    generation = view.calculate()
    qtbot.waitUntil(
        lambda: view.report is not None and view.task.generation == generation, timeout=30_000
    )
    path = tmp_path / "energy.csv"
    view.export_csv(path)
    qtbot.waitUntil(lambda: not view.export_task.busy, timeout=10_000)
    assert view.export_task.error is None
    expected = io.StringIO()
    write_csv(
        expected,
        CSV_COLUMNS,
        csv_rows(EnergyService.for_historian(ctx.historian).report(*window, "day")),
    )
    assert path.read_text(encoding="utf-8") == expected.getvalue()
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == list(CSV_COLUMNS) and any(r[0] == "meter1" and r[4] == "total" for r in rows)


@pytest.mark.parametrize(
    ("preset", "hours"),
    [("yesterday", (23, 24, 25)), ("last 24 h", (24,)), ("last 7 days", (168,))],
)
def test_preset_windows_in_plant_time(ctx: HmiContext, preset: str, hours: tuple[int, ...]) -> None:
    start, end = preset_window(preset, ctx.clock.zone, now_ns())
    assert (end - start) / (3600 * NS_PER_S) in hours
    if preset == "yesterday":
        assert ctx.clock.local(start).hour == 0 and ctx.clock.local(end).hour == 0


@pytest.mark.parametrize(
    ("label", "by", "tick"),
    [
        ("2026-11-23T10:00+01:00", "hour", "10:00"),
        ("2026-11-16", "day", "11-16"),
        ("2026-W47", "week", "W47"),
        ("2026-11", "month", "2026-11"),
        ("2026-11-16 early", "shift", "11-16 early"),
    ],
)
def test_period_ticks(label: str, by: str, tick: str) -> None:
    assert period_tick(label, by) == tick
