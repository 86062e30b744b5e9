"""The overview's device list: rows prepared in the status worker, applied on the GUI thread."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from core.config import load_config
from core.livecache import LiveCache
from core.model import NS_PER_S, SampleBatch
from core.tags import TagInfo, TagRegistry
from hmi.bridge import StationStatus, take_status
from hmi.context import HmiContext
from hmi.models.device_rows import SILENT_AFTER_S, DeviceRow, DeviceTable, device_table
from hmi.views.overview import SEEN_COLUMN, OverviewView

NOW = 1_700_000_000 * NS_PER_S
PLANT = """[plant]\nname = "rows"\n[[devices]]\nname = "pump1"\narea = "north"\n
[[devices]]\nname = "valve9"\narea = "north"\n[[devices]]\nname = "gd-*"\narea = "fleet"\n"""


def small_plant(tmp_path: Path, ages_s: dict[str, float]) -> SimpleNamespace:
    """The parts of a collector that the device rows read: plant file, registry, live cache."""
    (tmp_path / "plant.toml").write_text(PLANT, encoding="utf-8")
    registry, live = TagRegistry(), LiveCache()
    for name, age in ages_s.items():
        tag = registry.declare(TagInfo(0, name))
        ts = NOW - int(age * NS_PER_S)
        live.update(SampleBatch.from_columns([tag.id], [ts], [1.0], [0]))
    return SimpleNamespace(
        config=load_config(tmp_path / "plant.toml"),
        historian=SimpleNamespace(registry=registry),
        pipeline=SimpleNamespace(live=live),
    )


@pytest.mark.parametrize(
    ("ages_s", "links", "expected"),
    [
        ({"pump1/flow": 5}, {}, {"pump1": "online", "valve9": "offline"}),
        ({"pump1/flow": SILENT_AFTER_S + 1}, {}, {"pump1": "offline", "valve9": "offline"}),
        ({"pump1/flow": 5}, {"pump1": ("degraded", NOW)}, {"pump1": "degraded"}),
        ({"gd-7/level": 1, "gd-7/temp": 500}, {}, {"gd-7": "online"}),
    ],
)
def test_device_states_from_links_else_data_age(
    tmp_path: Path,
    ages_s: dict[str, float],
    links: dict[str, tuple[str, int]],
    expected: dict[str, str],
) -> None:
    table = device_table(small_plant(tmp_path, ages_s), links, NOW)
    states = {r.name: r.state for r in table.rows}
    assert {name: states[name] for name in expected} == expected
    assert [r.name for r in table.rows] == sorted(states), "sorted by name"
    assert "gd-*" not in states, "glob entries of [[devices]] are no devices"
    for area in {r.area for r in table.rows}:
        mine = [r for r in table.rows if r.area == area]
        assert table.area_counts(area) == (len(mine), sum(r.state == "online" for r in mine))


def test_last_seen_is_the_newest_value_of_the_device(tmp_path: Path) -> None:
    table = device_table(small_plant(tmp_path, {"gd-7/level": 1, "gd-7/temp": 500}), {}, NOW)
    rows = {r.name: r for r in table.rows}
    assert rows["gd-7"] == DeviceRow("gd-7", "fleet", "online", NOW - NS_PER_S)
    assert rows["valve9"] == DeviceRow("valve9", "north", "offline", 0)
    assert table.area_counts("nowhere") == (0, 0)


def test_take_status_prepares_the_overview_rows(ctx: HmiContext) -> None:
    status = take_status(ctx.collector)
    rows = {r.name: r for r in status.device_table.rows}
    assert {"boiler", "oven1", "meter1"} <= set(rows)
    assert rows["boiler"].state == status.devices["boiler"][0] == "online"
    assert rows["boiler"].area == "boiler house" and rows["meter1"].area == "utilities"
    assert rows["oven1"].last_seen_ns > 0
    assert status.device_table.area_counts("boiler house")[0] == 2


def gui_thread_reads(monkeypatch: pytest.MonkeyPatch, live: LiveCache) -> list[str]:
    """Names of the live-cache reads made on this (the GUI) thread from now on."""
    gui, reads = threading.get_ident(), []

    def spy(name: str) -> None:
        real = getattr(live, name)

        def read(*args: Any) -> Any:
            if threading.get_ident() == gui:
                reads.append(name)
            return real(*args)

        monkeypatch.setattr(live, name, read)

    spy("snapshot")
    spy("get")
    spy("timestamps")
    return reads


def test_overview_applies_prepared_rows_without_reading_the_live_cache(
    ctx: HmiContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = OverviewView(ctx)
    qtbot.addWidget(view)
    ctx.bridge.status_changed.disconnect(view.on_status)  # only the status given here
    rows = (
        DeviceRow("boiler", "boiler house", "online", 123),
        DeviceRow("ghost", "utilities", "offline", 0),
    )
    table = DeviceTable(rows, {"boiler house": (1, 1), "utilities": (1, 0)})
    status = StationStatus(take_status(ctx.collector).collector, {}, 0, table)
    reads = gui_thread_reads(monkeypatch, ctx.collector.pipeline.live)
    view.on_status(status)
    assert reads == [], "the GUI thread never walks the live cache"
    assert view.device_model.records == list(rows)
    assert view.areas["utilities"].caption.text() == "1 device(s), 0 online, 1 OFFLINE"
    assert view.areas["boiler house"].caption.text() == "1 device(s), 1 online"
    resets: list[int] = []
    changed: list[tuple[int, int]] = []
    view.device_model.modelReset.connect(lambda: resets.append(1))
    view.device_model.dataChanged.connect(lambda a, b: changed.append((a.column(), b.column())))
    view.on_status(StationStatus(status.collector, {}, 1, DeviceTable(rows, dict(table.areas))))
    assert not resets and changed == [(SEEN_COLUMN, SEEN_COLUMN)], "same rows: ages only"
    moved = (rows[0], DeviceRow("ghost", "utilities", "online", 456))
    view.on_status(
        StationStatus(status.collector, {}, 2, DeviceTable(moved, {"utilities": (1, 1)}))
    )
    assert view.device_model.records == list(moved)
    assert view.areas["utilities"].caption.text() == "1 device(s), 1 online"
    assert view.areas["boiler house"].caption.text() == "0 device(s), 0 online"
    assert reads == []
