"""What the energy view shows of an :class:`EnergyReport`: table rows per device, area or site,
the warnings (gaps, counter resets, method differences) and the CSV export.

Pure functions over the core's report objects; every figure is the core's own (nothing is
recomputed here except the coverage of a whole window, an hour-weighted mean of the periods').
Device rows show a sub-meter's parent and a parent's unmetered remainder; area, site and plant
rows are the core's totals, which count a sub-metered kWh once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.analytics.energy import EnergyReport, GroupReport, MeterReport
from core.analytics.energy.export import CSV_COLUMNS, csv_rows
from core.cli.output import write_csv as write_csv_rows
from core.timefmt import format_time

log = logging.getLogger(__name__)

LEVELS = ("device", "area", "site")
DIFFERENCE_WARN_PCT = 5.0
"""Counter and power totals further apart than this are listed as a warning."""


@dataclass(frozen=True)
class EnergyRow:
    """One row of the energy table: a device, an area, a site (or the plant)."""

    level: str
    name: str
    area: str
    site: str
    kwh: float | None
    co2e_kg: float | None
    factor: float | None
    factor_unit: str
    factor_source: str
    method: str
    counter: float | None
    power_kwh: float | None
    difference_pct: float | None
    coverage: float | None
    gaps: int
    gap_s: float
    periods: tuple[tuple[str, float | None, float | None], ...]
    """(period label, kWh, kg CO2e) per period."""
    parent: str = ""
    """A sub-meter's parent meter (its kWh is part of the parent's)."""
    remainder_kwh: float | None = None
    """A parent's kWh not measured by its sub-meters."""


def meter_row(meter: MeterReport) -> EnergyRow:
    """A device's row: the core's totals, factor, source and methods."""
    methods = meter.method if meter.method == meter.primary else f"{meter.primary} ({meter.method})"
    return EnergyRow(
        level="device",
        name=meter.device,
        area=meter.area,
        site=meter.site,
        kwh=meter.kwh,
        co2e_kg=meter.co2e_kg,
        factor=meter.factor,
        factor_unit=f"kgCO2e/{meter.quantity_unit}",
        factor_source=meter.factor_source,
        method=methods,
        counter=meter.counter,
        power_kwh=meter.power_kwh,
        difference_pct=meter.difference_pct,
        coverage=window_coverage(meter),
        gaps=len(meter.gaps),
        gap_s=sum(g.duration_s for g in meter.gaps),
        periods=tuple((p.period.label, p.kwh, p.co2e_kg) for p in meter.periods),
        parent=meter.parent,
        remainder_kwh=meter.remainder_kwh,
    )


def window_coverage(meter: MeterReport) -> float | None:
    """Share of the window covered by the primary method (hour-weighted over the periods)."""
    hours = sum(p.period.hours for p in meter.periods)
    if hours <= 0:
        return None
    return sum(p.coverage * p.period.hours for p in meter.periods) / hours


def group_row(found: GroupReport, meters: Sequence[MeterReport]) -> EnergyRow:
    """An area's, site's or the plant's row: the core's totals (each kWh once), effective
    factor CO2e/kWh; counter and power sums of its main meters (sub-meters are inside them)."""
    members = [m for m in meters if m.device in found.devices]
    main = [m for m in members if m.device in found.main_meters]
    kwh, co2e = found.kwh, found.co2e_kg
    sources = sorted({m.factor_source for m in members})
    methods = sorted({m.primary for m in members})
    return EnergyRow(
        level=found.kind,
        name=found.name or "(none)",
        area=found.name if found.kind == "area" else "",
        site=found.name if found.kind == "site" else "",
        kwh=kwh,
        co2e_kg=co2e,
        factor=co2e / kwh if kwh and co2e is not None else None,
        factor_unit="kgCO2e/kWh",
        factor_source="; ".join(sources),
        method=", ".join(methods),
        counter=_sum(m.counter for m in main),
        power_kwh=_sum(m.power_kwh for m in main),
        difference_pct=None,
        coverage=None,
        gaps=sum(len(m.gaps) for m in members),
        gap_s=sum(g.duration_s for m in members for g in m.gaps),
        periods=tuple((p.label, k, c) for p, k, c in found.periods),
    )


def _sum(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None


TOP_ROWS = 10
"""The totals chart shows this many rows, largest first."""


def figure(row: EnergyRow, index: int) -> float | None:
    """A row's kWh (``index`` 1) or kg CO2e (``index`` 2), as in the period tuples."""
    return row.kwh if index == 1 else row.co2e_kg


def top_rows(rows: Sequence[EnergyRow], index: int, count: int = TOP_ROWS) -> list[EnergyRow]:
    """The ``count`` rows with the largest kWh or CO2e (rows without the figure last)."""
    ranked = sorted(rows, key=lambda r: (figure(r, index) is None, -(figure(r, index) or 0.0)))
    return ranked[:count]


def period_tick(label: str, by: str) -> str:
    """A short axis label of a period: ``10:00`` (hour), ``11-16`` (day, shift), ``W47`` (week);
    the full label is in the CSV and the report."""
    if by == "hour":
        return label[11:16]
    if by in ("day", "shift"):
        return label[5:]
    if by == "week":
        return label.rsplit("-", 1)[-1]
    return label


def rows_for(report: EnergyReport, level: str) -> list[EnergyRow]:
    """The table rows of one level: ``device``, ``area`` or ``site``."""
    if level == "device":
        return [meter_row(m) for m in report.meters]
    groups = report.areas if level == "area" else report.sites
    return [group_row(g, report.meters) for g in groups]


def plant_row(report: EnergyReport) -> EnergyRow:
    """The whole plant (what the charts show when no row is selected)."""
    return group_row(report.plant, report.meters)


TimeText = Callable[[int], str]


def warnings(report: EnergyReport, when: TimeText = format_time) -> list[str]:
    """Gaps, counter resets and rollovers, unattributed energy, method differences and the
    core's own warnings, one line each, per meter (times written by ``when``)."""
    lines: list[str] = []
    for meter in report.meters:
        lines += meter_warnings(meter, when)
    if not report.meters:
        lines.append("No energy meters found: no power or energy-counter tags with known units.")
    return lines


def meter_warnings(meter: MeterReport, when: TimeText = format_time) -> list[str]:
    """The warning lines of one meter."""
    name = meter.device
    lines = [f"{name}: {w}" for w in meter.warnings]
    if meter.gaps:
        total = sum(g.duration_s for g in meter.gaps)
        lines.append(f"{name}: {len(meter.gaps)} gap(s) not bridged, {total / 60:.1f} min in all")
    for event in meter.events:
        lines.append(
            f"{name}: counter {event.kind} at {when(event.ts_ns)} "
            f"({event.before:g} -> {event.after:g})"
        )
    if meter.unattributed:
        lines.append(
            f"{name}: {meter.unattributed:.3f} {meter.quantity_unit} across long counter gaps "
            "not attributed to any period"
        )
    diff = meter.difference_pct
    if diff is not None and abs(diff) > DIFFERENCE_WARN_PCT:
        lines.append(f"{name}: power integration differs from the counter by {diff:+.1f} %")
    return lines


def write_csv(report: EnergyReport, path: Path) -> int:
    """The report as CSV, exactly as ``controldeck energy --format csv`` prints it (the core's
    columns and rows); returns the number of data rows."""
    rows = csv_rows(report)
    with path.open("w", newline="", encoding="utf-8") as handle:
        write_csv_rows(handle, CSV_COLUMNS, rows)
    log.info("energy report exported to %s (%d rows)", path, len(rows))
    return len(rows)
