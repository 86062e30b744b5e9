"""The energy view's rows with sub-meters: parent and remainder per device, group totals that
count a sub-metered kWh once (pure functions over a core report; no plant needed)."""

from __future__ import annotations

import pytest

from hmi.views.analytics.energy import energy_columns, number
from hmi.views.analytics.energy_rows import plant_row, rows_for
from tests.core.analytics.energy.test_service import START, H
from tests.core.analytics.energy.test_submetering import service


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("device", {"main": 480.0, "office": 96.0, "plug": 48.0, "shed": 24.0, "far": 144.0}),
        ("area", {"utilities": 480.0 - 48.0, "press": 72.0, "yard": 144.0}),
        ("site", {"berlin": 480.0 + 24.0, "leeds": 144.0}),
    ],
)
def test_rows_count_each_kwh_once(level: str, expected: dict[str, float]) -> None:
    report = service({"office": "main", "plug": "main"}).report(START, START + 48 * H, "day")
    rows = {r.name: r for r in rows_for(report, level)}
    assert {n: r.kwh for n, r in rows.items()} == pytest.approx(expected)
    assert plant_row(report).kwh == pytest.approx(480.0 + 24.0 + 144.0)


def test_device_rows_show_parent_and_unmetered_remainder() -> None:
    report = service({"office": "main", "plug": "main"}).report(START, START + 48 * H, "day")
    rows = {r.name: r for r in rows_for(report, "device")}
    assert (rows["office"].parent, rows["main"].parent) == ("main", "")
    assert rows["main"].remainder_kwh == pytest.approx(480.0 - 96.0 - 48.0)
    assert rows["office"].remainder_kwh is None
    columns = {c.header: c for c in energy_columns()}
    assert columns["Feeds from"].text(rows["plug"]) == "main"
    assert columns["Unmetered kWh"].text(rows["main"]) == number(336.0)
    site = {r.name: r for r in rows_for(report, "site")}["berlin"]
    assert site.power_kwh == pytest.approx(480.0 + 24.0)  # main meters only, not the sub-meters
