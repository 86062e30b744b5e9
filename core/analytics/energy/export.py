"""An energy report as JSON-ready data and as CSV rows (CLI, HMI export, report builders).

Every meter says its ``parent`` (null: a main meter, counted in the totals) and, when it has
sub-meters, its ``remainder_kwh``; ``hierarchy`` nests the sub-meters under their parents.
"""

from __future__ import annotations

import logging
from typing import Any

from core.analytics.energy.curve import Gap
from core.analytics.energy.report import GroupReport, MeterReport, PeriodEnergy
from core.analytics.energy.service import EnergyReport
from core.timefmt import format_time

log = logging.getLogger(__name__)

CSV_COLUMNS = (
    "device",
    "area",
    "site",
    "carrier",
    "period",
    "start",
    "end",
    "hours",
    "kwh",
    "quantity",
    "quantity_unit",
    "counter",
    "power_kwh",
    "difference_pct",
    "co2e_kg",
    "factor",
    "factor_unit",
    "method",
    "coverage",
    "factor_source",
    "parent",
    "remainder_kwh",
)
"""``parent``: the meter upstream in the report (empty: a main meter, counted in the totals);
``remainder_kwh``: of a meter with sub-meters, its kWh less theirs."""


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _gap(gap: Gap) -> dict[str, Any]:
    return {
        "start": format_time(gap.start_ns),
        "end": format_time(gap.end_ns),
        "duration_s": round(gap.duration_s, 3),
    }


def period_dict(row: PeriodEnergy, unit: str) -> dict[str, Any]:
    """One period of one meter."""
    p = row.period
    return {
        "period": p.label,
        "start": format_time(p.start_ns),
        "end": format_time(p.end_ns),
        "hours": round(p.hours, 6),
        "partial": p.partial,
        "kwh": _round(row.kwh),
        "quantity": _round(row.quantity),
        "counter": _round(row.counter),
        "power_kwh": _round(row.power_kwh),
        "difference_pct": _round(row.difference_pct, 4),
        "co2e_kg": _round(row.co2e_kg),
        "factor": row.factor.kg_per(unit) if row.factor else None,
        "factor_source": row.factor.label if row.factor else "no emission factor",
        "coverage": round(row.coverage, 6),
        "remainder_kwh": _round(row.remainder_kwh),
        "remainder_co2e_kg": _round(row.remainder_co2e_kg),
    }


def meter_dict(meter: MeterReport) -> dict[str, Any]:
    """One meter: totals, factor and its source, method, gaps, counter events, periods."""
    unit = meter.quantity_unit
    return {
        "device": meter.device,
        "area": meter.area,
        "site": meter.site,
        "region": meter.region,
        "carrier": meter.carrier,
        "method": meter.primary,
        "methods": meter.method,
        "tags": {"counter": meter.counter_tags, "power": meter.power_tags},
        "quantity_unit": unit,
        "kwh": _round(meter.kwh),
        "quantity": _round(meter.quantity),
        "counter": _round(meter.counter),
        "power_kwh": _round(meter.power_kwh),
        "difference_pct": _round(meter.difference_pct, 4),
        "co2e_kg": _round(meter.co2e_kg),
        "factor": _round(meter.factor, 9),
        "factor_unit": f"kgCO2e/{unit}",
        "factor_source": meter.factor_source,
        "gaps": [_gap(g) for g in meter.gaps],
        "counter_events": [
            {"time": format_time(e.ts_ns), "kind": e.kind, "before": e.before, "after": e.after}
            for e in meter.events
        ],
        "unattributed": _round(meter.unattributed),
        "feeds_from": meter.feeds_from or None,
        "parent": meter.parent or None,
        "submeters": meter.submeters,
        "remainder_kwh": _round(meter.remainder_kwh),
        "remainder_co2e_kg": _round(meter.remainder_co2e_kg),
        "remainder_flagged": meter.remainder_flagged,
        "warnings": meter.warnings,
        "periods": [period_dict(p, unit) for p in meter.periods],
    }


def group_dict(found: GroupReport) -> dict[str, Any]:
    """An area, site or the plant: kWh and CO2e per period, each kWh counted once."""
    return {
        found.kind: found.name,
        "devices": found.devices,
        "main_meters": found.main_meters,
        "kwh": _round(found.kwh),
        "co2e_kg": _round(found.co2e_kg),
        "periods": [
            {
                "period": p.label,
                "start": format_time(p.start_ns),
                "kwh": _round(k),
                "co2e_kg": _round(c),
            }
            for p, k, c in found.periods
        ],
    }


def report_dict(report: EnergyReport) -> dict[str, Any]:
    """The whole report."""
    return {
        **context(report),
        "warnings": report.warnings,
        "devices": [meter_dict(m) for m in report.meters],
        "areas": [group_dict(g) for g in report.areas],
        "sites": [group_dict(g) for g in report.sites],
        "total": group_dict(report.plant),
        "hierarchy": hierarchy(report),
    }


def hierarchy(report: EnergyReport) -> list[dict[str, Any]]:
    """The main meters, each with its sub-meters (nested) and its unmetered remainder."""
    by_device = {m.device: m for m in report.meters}

    def node(meter: MeterReport) -> dict[str, Any]:
        return {
            "device": meter.device,
            "kwh": _round(meter.kwh),
            "remainder_kwh": _round(meter.remainder_kwh),
            "remainder_flagged": meter.remainder_flagged,
            "submeters": [node(by_device[d]) for d in meter.submeters],
        }

    return [node(m) for m in report.meters if not m.parent]


def context(report: EnergyReport) -> dict[str, Any]:
    """Window, granularity, zone and factor-table edition."""
    return {
        "plant": report.plant.name,
        "from": format_time(report.start_ns),
        "to": format_time(report.end_ns),
        "by": report.by,
        "timezone": report.timezone,
        "factor_table": report.table_version,
    }


def csv_rows(report: EnergyReport) -> list[list[Any]]:
    """One row per meter and period, then one ``total`` row per meter (columns: CSV_COLUMNS)."""
    rows: list[list[Any]] = []
    for meter in report.meters:
        data = meter_dict(meter)
        common = [meter.device, meter.area, meter.site, meter.carrier]
        for p in data["periods"]:
            rows.append(
                [*common, p["period"], p["start"], p["end"], p["hours"], *_figures(p, data)]
            )
        window = [format_time(report.start_ns), format_time(report.end_ns)]
        hours = round((report.end_ns - report.start_ns) / 3.6e12, 6)
        rows.append([*common, "total", *window, hours, *_figures(data, data)])
    return rows


def _figures(row: dict[str, Any], meter: dict[str, Any]) -> list[Any]:
    return [
        row["kwh"],
        row["quantity"],
        meter["quantity_unit"],
        row["counter"],
        row["power_kwh"],
        row["difference_pct"],
        row["co2e_kg"],
        row["factor"],
        meter["factor_unit"],
        meter["method"],
        row.get("coverage", ""),
        row["factor_source"],
        meter["parent"] or "",
        row["remainder_kwh"],
    ]
