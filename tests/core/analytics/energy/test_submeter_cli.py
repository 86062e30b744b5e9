"""Sub-metering end to end: ``controldeck energy`` JSON/CSV, the energy report, ``status``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from core.cli.main import main
from core.cli.run_cmds import status_report
from core.config import load_config
from core.reports.context import ReportContext
from core.reports.energy import build_energy
from core.reports.layout_energy import energy_sections, energy_summary
from core.reports.model import Table
from core.security.service import SecurityServices
from core.store.historian import Historian
from core.timefmt import parse_time
from tests.core.plant import write_plant

PLANT = """
[[sites]]
name = "berlin"
region = "DE"

[[areas]]
name = "utilities"
site = "berlin"

[[areas]]
name = "workshop"
site = "berlin"

[[devices]]
name = "incomer"
area = "utilities"

[[devices]]
name = "office"
area = "utilities"

[[devices]]
name = "plug1"
area = "workshop"

[[tags]]
name = "incomer/import_kwh"
unit = "kWh"

[[tags]]
name = "office/active_power"
unit = "W"

[[tags]]
name = "plug1/ENERGY.Total"
unit = "kWh"

[energy]
[energy.feeds_from]
office = "incomer"
plug1 = "incomer"
"""
START = parse_time("2026-03-02T00:00:00+01:00") // 10**9
HOURS = 24
WINDOW = ("--from", "2026-03-02T00:00:00+01:00", "--to", "2026-03-03T00:00:00+01:00")
KW = {"incomer": 10.0, "office": 2.0, "plug1": 0.5}


def history(path: Path, kw: dict[str, float]) -> None:
    ts = np.arange(START, START + HOURS * 3600 + 1, 60)
    hours = (ts - START) / 3600
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["tag", "timestamp", "value"])
        for t, h in zip(ts.tolist(), hours.tolist(), strict=True):
            out.writerow(["incomer/import_kwh", t, round(5000 + h * kw["incomer"], 4)])
            out.writerow(["office/active_power", t, kw["office"] * 1000])
            out.writerow(["plug1/ENERGY.Total", t, round(100 + h * kw["plug1"], 4)])


def make_plant(root: Path, kw: dict[str, float]) -> Path:
    config = write_plant(root, extra=PLANT)
    history(root / "history.csv", kw)
    assert main(["import", "--config", str(config), "--csv", str(root / "history.csv")]) == 0
    return config


@pytest.fixture(scope="module")
def plant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_plant(tmp_path_factory.mktemp("submeter-cli"), KW)


def energy(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    capsys.readouterr()
    assert main(["energy", "--config", str(config), *WINDOW, *extra]) == 0
    return capsys.readouterr().out


def test_json_shows_parent_remainder_and_counts_the_incomer_once(
    plant: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(energy(plant, capsys, "--by", "day"))
    devices = {d["device"]: d for d in data["devices"]}
    assert {d: m["parent"] for d, m in devices.items()} == {
        "incomer": None,
        "office": "incomer",
        "plug1": "incomer",
    }
    incomer = devices["incomer"]
    assert incomer["submeters"] == ["office", "plug1"]
    assert incomer["remainder_kwh"] == pytest.approx((10.0 - 2.0 - 0.5) * 24, rel=1e-6)
    assert incomer["periods"][0]["remainder_kwh"] == pytest.approx(incomer["remainder_kwh"])
    assert incomer["remainder_flagged"] is False and devices["office"]["remainder_kwh"] is None
    assert data["total"]["kwh"] == pytest.approx(240.0, rel=1e-6)
    assert data["sites"][0]["kwh"] == pytest.approx(240.0, rel=1e-6)
    assert data["total"]["main_meters"] == ["incomer"]
    areas = {a["area"]: a["kwh"] for a in data["areas"]}
    assert areas == pytest.approx({"utilities": 240.0 - 12.0, "workshop": 12.0}, rel=1e-6)
    (tree,) = data["hierarchy"]
    assert tree["device"] == "incomer" and [s["device"] for s in tree["submeters"]] == [
        "office",
        "plug1",
    ]
    one = json.loads(energy(plant, capsys, "--device", "office"))
    assert one["parent"] is None and one["feeds_from"] == "incomer"


def test_csv_has_parent_and_remainder_columns(
    plant: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(energy(plant, capsys, "--format", "csv"))))
    totals = {r["device"]: r for r in rows if r["period"] == "total"}
    assert {d: r["parent"] for d, r in totals.items()} == {
        "incomer": "",
        "office": "incomer",
        "plug1": "incomer",
    }
    assert float(totals["incomer"]["remainder_kwh"]) == pytest.approx(180.0, rel=1e-6)
    assert totals["office"]["remainder_kwh"] == ""


def report_data(config_path: Path) -> Any:
    historian = Historian.open(load_config(config_path))
    try:
        ctx = ReportContext(historian, cast(SecurityServices, None))
        lo, hi = START * 10**9, (START + HOURS * 3600) * 10**9
        return build_energy(ctx, lo, hi, "day")
    finally:
        historian.close()


def test_report_totals_match_the_cli(plant: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = json.loads(energy(plant, capsys, "--by", "day"))
    data = report_data(plant)
    assert data.report.plant.kwh == pytest.approx(cli["total"]["kwh"], rel=1e-9)
    (scope2,) = data.scopes
    assert scope2.kwh == pytest.approx(cli["total"]["kwh"], rel=1e-9)
    assert scope2.co2e_kg == pytest.approx(cli["total"]["co2e_kg"], rel=1e-9)
    summary = dict(energy_summary(data))
    assert summary["Energy (kWh)"] == format(cli["total"]["kwh"], ",.1f") == "240.0"
    tables = {b.key: b for s in energy_sections(data) for b in s.blocks if isinstance(b, Table)}
    assert [r[0] for r in tables["energy_submeters"].rows] == ["incomer"]
    (row,) = tables["energy_submeters"].rows
    assert row[3] == pytest.approx(60.0) and row[4] == pytest.approx(180.0)
    sites = {r[0]: r[2] for r in tables["energy_by_site"].rows}
    assert sites == pytest.approx({s["site"]: s["kwh"] for s in cli["sites"]})


def test_status_shows_a_negative_remainder(tmp_path: Path) -> None:
    config = make_plant(tmp_path, {"incomer": 2.0, "office": 2.0, "plug1": 0.5})
    end = (START + HOURS * 3600) * 10**9
    historian = Historian.open(load_config(config))
    try:
        from core.analytics.energy.checks import energy_status

        found = energy_status(historian, end_ns=end)
    finally:
        historian.close()
    assert found["main_meters"] == ["incomer"] and found["submeters"] == ["office", "plug1"]
    (line,) = found["warnings"]
    assert line.startswith("incomer: unmetered remainder -") and "office, plug1" in line
    report = status_report(config)
    assert report["energy"]["window_h"] == 24 and "warnings" in report["energy"]


def test_status_shows_an_energy_configuration_error(tmp_path: Path) -> None:
    cycle = PLANT.replace('plug1 = "incomer"', 'plug1 = "office"\nincomer = "plug1"')
    config = write_plant(tmp_path, extra=cycle)
    report = status_report(config)
    (line,) = report["energy"]["warnings"]
    assert "energy configuration error" in line and "plant.toml" in line
    assert "cycle incomer -> plug1 -> office -> incomer" in line
