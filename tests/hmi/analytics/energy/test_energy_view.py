"""The Energy & CO2e view on a running plant (the simulated SDM630 meter polled over Modbus):
over a closed window of meter data written through the collector's pipeline at a fixed past
time, the figures, groups, charts and the CSV are the core's. (The live meter's first seconds
need not hold a measurable kWh: its float32 counter moves in 0.008 kWh steps, and a quiet hour
of the simulated plant draws a fraction of that in a few seconds.)"""

from __future__ import annotations

import csv
import io
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from core.analytics.energy import EnergyService
from core.analytics.energy.export import CSV_COLUMNS, csv_rows
from core.cli.output import write_csv
from core.model import NS_PER_S, Quality, SampleBatch, now_ns
from hmi.context import HmiContext
from hmi.views.analytics.common import preset_window
from hmi.views.analytics.energy import EnergyView, number
from hmi.views.analytics.energy_rows import period_tick, rows_for, top_rows

BERLIN = ZoneInfo("Europe/Berlin")
DATA_START_NS = int(datetime(2025, 11, 18, 8, 0, tzinfo=BERLIN).timestamp()) * NS_PER_S
"""The written meter data: three plant-time hours from 08:00 on a past Tuesday."""
DATA_HOURS = 3
STEP_S = 5
KW = 12.0
"""The written meter's mean load (the counter rises at exactly this rate)."""
COUNTER_START_KWH = 40_000.0
WINDOW = (DATA_START_NS + 900 * NS_PER_S, DATA_START_NS + (3 * 3600 - 900) * NS_PER_S)
"""08:15 to 10:45: one whole hour and two clipped ones."""


def write_meter_data(ctx: HmiContext) -> None:
    """Counter and power samples of meter1 over the data hours, through the collector's
    pipeline (as replayed history), durable when this returns."""
    collector = ctx.collector
    registry = collector.historian.registry
    ids = [registry.resolve(f"meter1/{name}") for name in ("import_kwh", "total_power")]
    assert None not in ids
    t_s = np.arange(0, DATA_HOURS * 3600 + 1, STEP_S, dtype=np.int64)
    counter = COUNTER_START_KWH + KW * t_s / 3600.0
    power_w = KW * 1000.0 * (1.0 + 0.1 * np.sin(2 * np.pi * t_s / 600.0))
    n = t_s.size
    batch = SampleBatch.from_columns(
        np.repeat(np.array(ids, dtype=np.int64), n),
        np.tile(DATA_START_NS + t_s * NS_PER_S, 2),
        np.concatenate([counter, power_w]),
        np.full(2 * n, int(Quality.GOOD)),
        historical=True,
    )
    done = threading.Event()
    collector.pipeline.process(None, batch, "energy-test", now_ns(), done.set)
    assert done.wait(30), "the writer did not confirm the meter data"


@pytest.fixture
def window(ctx: HmiContext) -> tuple[int, int]:
    """A closed window of whole seconds (the picker's resolution) over written meter data."""
    write_meter_data(ctx)
    return WINDOW


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
    assert row.kwh == meter.kwh == pytest.approx(KW * (WINDOW[1] - WINDOW[0]) / 3600 / NS_PER_S)
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
    ("now", "yesterday_hours"),
    [
        (datetime(2026, 3, 30, 10, 0, tzinfo=BERLIN), 23),  # the day after the spring change
        (datetime(2026, 10, 26, 0, 30, tzinfo=BERLIN), 25),  # just after the autumn change
        (datetime(2026, 11, 23, 19, 2, tzinfo=BERLIN), 24),
    ],
)
def test_preset_windows_in_plant_time(ctx: HmiContext, now: datetime, yesterday_hours: int) -> None:
    at = int(now.timestamp()) * NS_PER_S
    hour = 3600 * NS_PER_S
    start, end = preset_window("yesterday", ctx.clock.zone, at)
    assert (end - start) / hour == yesterday_hours
    assert ctx.clock.local(start).hour == 0 and ctx.clock.local(end).hour == 0
    assert ctx.clock.local(end).date() == now.date()
    for preset, hours in (("last 24 h", 24), ("last 7 days", 168)):
        assert preset_window(preset, ctx.clock.zone, at) == (at - hours * hour, at)


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
