"""Every report kind from the simulated week: the PDF text and the CSV hold the right figures.

The expected figures are computed here, independently of the report code: energy by numpy's
trapezoid over the imported power samples and by the counter's rise, production from the
counter's increments, alarm counts and audit counts straight from the tables with SQL.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from core.config import load_config
from core.reports.csvout import read_tables
from core.reports.request import ReportRequest
from core.reports.service import ReportService
from tests.conftest import require_binary
from tests.core.reports.conftest import pdf_pages, pdf_text
from tests.core.reports.plantdata import DAY, END, HOUR, MAC, SERIAL, START, profiles
from tests.core.security.conftest import FakeClock

SHIFT = (START + 6 * HOUR, START + 14 * HOUR)
WEEK = (START, END)
KINDS = {"shift": SHIFT, "energy": WEEK, "alarms": WEEK, "compliance": WEEK}
ELECTRICITY_KG_PER_KWH = 0.363  # UBA 2024, DE (363 gCO2/kWh), valid from 2024-01-01
GAS_KG_PER_KWH = 0.20256  # IPCC 2006, natural gas, global default


@pytest.fixture(scope="module")
def outputs(week_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every kind as PDF and CSV, generated once from a private copy of the week."""
    target = tmp_path_factory.mktemp("kinds") / "plant"
    shutil.copytree(week_dir, target, ignore=shutil.ignore_patterns("week.csv"))
    config = load_config(target / "plant.toml")
    out: dict[str, Any] = {"dir": target, "db": target / "plant.db"}
    with ReportService.open(config, clock=FakeClock(END + DAY)) as service:
        for kind, (lo, hi) in KINDS.items():
            for fmt in ("pdf", "csv"):
                request = ReportRequest(
                    kind, lo, hi, fmt=fmt, generated_by="tester",
                    notes=(f"probe {MAC} replaced",),
                )  # fmt: skip
                path = target / f"{kind}.{fmt}"
                out[f"{kind}.{fmt}"] = service.export(request, path).content
    return out


def _kwh(tag: str, lo: int, hi: int) -> float:
    ts, watts = profiles()[tag]
    pick = (ts >= lo) & (ts <= hi)
    return float(np.trapezoid(watts[pick], ts[pick] / 3.6e12)) / 1000.0


def _rise(tag: str, lo: int, hi: int) -> float:
    ts, values = profiles()[tag]
    pick = (ts >= lo) & (ts <= hi)
    return float(values[pick][-1] - values[pick][0])


def _produced(lo: int, hi: int) -> float:
    ts, parts = profiles()["press1/parts"]
    step = np.diff(parts)
    increase = np.where(step < 0, parts[1:], step)
    later = ts[1:]
    return float(increase[(later >= lo) & (later < hi)].sum())


def _sql(db: Path, query: str, **params: int) -> int:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(query), params).scalar() or 0)
    finally:
        engine.dispose()


def _alarms(db: Path, lo: int, hi: int, alarm: str = "%") -> int:
    return _sql(
        db,
        "SELECT COUNT(*) FROM alarm_journal WHERE event = 'activate' AND to_state = 'unack' "
        "AND ts_ns >= :lo AND ts_ns < :hi AND alarm LIKE :alarm",
        lo=lo, hi=hi, alarm=alarm,  # type: ignore[arg-type]
    )  # fmt: skip


def test_energy_totals_in_pdf_and_csv(outputs: dict[str, Any]) -> None:
    meter, press = _kwh("meter1/power", *WEEK), _kwh("press1/power", *WEEK)
    gas = _rise("boiler1/gas_kwh", *WEEK)
    electricity = meter + press
    expected = {
        "meter1": meter,
        "press1": press,
        "boiler1": gas,
    }
    words = pdf_text(outputs["energy.pdf"])
    for value in (meter, press, gas, electricity, electricity + gas):
        assert f"{value:,.1f}" in words
    for value in (electricity * ELECTRICITY_KG_PER_KWH, gas * GAS_KG_PER_KWH):
        assert f"{value:,.1f}" in words
    assert "Scope 1 (fuels burnt on site)" in words and "Scope 2 (purchased energy)" in words
    assert "Umweltbundesamt" in words and "IPCC 2006 Guidelines" in words
    rows = {r["device"]: r for r in read_tables(outputs["energy.csv"])["energy_devices"]}
    for device, kwh in expected.items():
        assert float(rows[device]["kwh"]) == pytest.approx(kwh, rel=1e-9)
    assert rows["boiler1"]["scope"] == "1" and rows["meter1"]["scope"] == "2"


def test_shift_report_figures(outputs: dict[str, Any]) -> None:
    words = pdf_text(outputs["shift.pdf"])
    produced = _produced(*SHIFT)
    assert produced == 960
    assert f"Produced (pcs) {produced:,.0f}" in words
    alarms = _alarms(outputs["db"], *SHIFT)
    assert f"Annunciated alarms {alarms}" in words
    assert "press1 production press1/running 8.00 0.00 0.00 100.0 1" in words
    tables = read_tables(outputs["shift.csv"])
    assert float(tables["production"][0]["count"]) == produced
    actions = tables["operator_actions"]
    assert [a["action"] for a in actions if a["source"] == "audit"][:1] == ["login"]
    assert len(tables["alarm_activations"]) == alarms


def test_alarm_report_figures(outputs: dict[str, Any]) -> None:
    words = pdf_text(outputs["alarms.pdf"])
    total = _alarms(outputs["db"], *WEEK)
    assert total > 5
    assert f"Annunciated alarms {total}" in words
    top = _alarms(outputs["db"], *WEEK, alarm="meter1/power:high")
    assert f"meter1/power:high {top} {100 * top / total:.1f}" in words
    assert "Shelved alarms at period end" in words
    shelved = read_tables(outputs["alarms.csv"])["alarm_shelved"]
    assert [(r["alarm"], r["by"], r["comment"]) for r in shelved] == [
        ("meter1/power:high", "olaf", "demand test on Monday")
    ]
    for title in ("EEMUA 191", "Priority distribution", "Bad actors", "Per area"):
        assert title in words


def test_compliance_report_figures(outputs: dict[str, Any]) -> None:
    words = pdf_text(outputs["compliance.pdf"])
    db = outputs["db"]
    audit = _sql(
        db, "SELECT COUNT(*) FROM audit_trail WHERE ts_ns >= :lo AND ts_ns < :hi", lo=START, hi=END
    )
    assert f"{audit} audit row(s) in the period" in words
    assert "every row's keyed link hash verified" in words
    tables = read_tables(outputs["compliance.csv"])
    voltage = next(r for r in tables["data_completeness"] if r["tag"] == "meter1/voltage")
    assert (voltage["hours_with_data"], voltage["hours"]) == ("162", "168")
    assert "meter1/voltage meter1 V 162 168 96.4" in words
    assert [(t["status"], t["source"]) for t in tables["tickets"]] == [
        ("in_progress", "press1/motor_current:high")
    ]
    assert any(a["tag"] == "press1/motor_current" for a in tables["anomalies"])
    assert "No signature was given in the period." in words
    gas = _rise("boiler1/gas_kwh", *WEEK)
    assert f"{gas:,.1f}" in words


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_hardware_identifier_in_any_output(outputs: dict[str, Any], kind: str) -> None:
    for fmt in ("pdf", "csv"):
        data = outputs[f"{kind}.{fmt}"]
        shown = pdf_text(data) if fmt == "pdf" else data.decode("utf-8-sig")
        for secret in (MAC, MAC.lower(), MAC.replace(":", ""), SERIAL):
            assert secret not in shown
    if kind in ("shift", "compliance"):
        assert "probe oven1 replaced" in pdf_text(outputs[f"{kind}.pdf"])
    if kind == "compliance":
        shown = pdf_text(outputs["compliance.pdf"])
        assert "oven probe oven1 checked" in shown and "bearing check, part press1" in shown


@pytest.mark.parametrize("kind", list(KINDS))
def test_pdf_structure_and_pages_render(outputs: dict[str, Any], kind: str, tmp_path: Path) -> None:
    data = outputs[f"{kind}.pdf"]
    words = pdf_text(data)
    pages = pdf_pages(data)
    assert "Contents" in words and f"Page {pages} of {pages}" in words
    assert (
        "Generated by tester at 2026-01-12 23:00:00 UTC (local 2026-01-13 00:00:00 +01:00)" in words
    )
    assert "2026-01-05" in words and "(Europe/Berlin)" in words
    pdftoppm = require_binary("pdftoppm")
    source = tmp_path / f"{kind}.pdf"
    source.write_bytes(data)
    subprocess.run(
        [pdftoppm, "-r", "30", "-png", str(source), str(tmp_path / "p")], check=True, timeout=60
    )
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == pages
    for image in images:
        with Image.open(image) as page:
            low, high = page.convert("L").getextrema()
        assert low < 100 and high == 255, f"{image.name} looks blank"
