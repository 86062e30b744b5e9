"""Sub-meters in a report: parents, unmetered remainders, and totals that count each kWh once.

A meter's sub-meters are the meters of the report fed from it (directly, or through meters
left out of the report). Its unmetered remainder is its kWh less theirs, per period; CO2e
likewise. A remainder below -(tolerance x the parent's kWh) means the sub-meters measured more
than their parent: a wiring, CT or ``feeds_from`` error, flagged on the parent and as a plant
warning.

Totals (the rule documented in :mod:`.hierarchy`):

- plant: the top-level meters' kWh and CO2e;
- site: the top-level meters of the site, so a sub-meter counts in its main meter's site;
- area: every meter of the area with its own share (a leaf's kWh, a parent's remainder), so a
  sub-meter counts in its own area and its parent's area keeps only the remainder.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from core.analytics.energy.hierarchy import effective_parents, root_of
from core.analytics.energy.report import GroupReport, MeterReport, PeriodEnergy, group, sum_known

log = logging.getLogger(__name__)

FLOOR_KWH = 0.001
"""Remainders down to minus this are rounding, whatever the tolerance."""


def attach(
    reports: Sequence[MeterReport], parents: Mapping[str, str], tolerance_pct: float
) -> list[MeterReport]:
    """The reports with parent, sub-meters and remainders filled in."""
    by_parent = effective_parents({m.device for m in reports}, parents)
    by_device = {m.device: m for m in reports}
    out = []
    for meter in reports:
        children = [by_device[c] for c in sorted(by_parent) if by_parent[c] == meter.device]
        linked = replace(
            meter,
            feeds_from=parents.get(meter.device, ""),
            parent=by_parent.get(meter.device, ""),
            submeters=[c.device for c in children],
        )
        out.append(_with_remainder(linked, children, tolerance_pct) if children else linked)
    return out


def _with_remainder(
    meter: MeterReport, children: Sequence[MeterReport], tolerance_pct: float
) -> MeterReport:
    rows: list[PeriodEnergy] = []
    short: list[str] = []
    for k, row in enumerate(meter.periods):
        kwh = _less(row.kwh, [c.periods[k].kwh for c in children])
        co2e = _less(row.co2e_kg, [c.periods[k].co2e_kg for c in children])
        rows.append(replace(row, remainder_kwh=kwh, remainder_co2e_kg=co2e))
        if _negative(kwh, row.kwh, tolerance_pct):
            short.append(row.period.label)
    flagged = replace(meter, periods=rows)
    total = flagged.remainder_kwh
    if not short and not _negative(total, flagged.kwh, tolerance_pct):
        return flagged
    text = _warning(flagged, total, short, len(rows), tolerance_pct)
    log.warning("%s: %s", meter.device, text)
    return replace(flagged, remainder_flagged=True, warnings=[*meter.warnings, text])


def _less(parent: float | None, children: Sequence[float | None]) -> float | None:
    """Parent minus the children it knows of (None when the parent has no figure)."""
    if parent is None:
        return None
    return parent - (sum_known(children) or 0.0)


def _negative(remainder: float | None, parent: float | None, tolerance_pct: float) -> bool:
    if remainder is None:
        return False
    return remainder < -(abs(parent or 0.0) * tolerance_pct / 100.0) - FLOOR_KWH


def _warning(
    meter: MeterReport, total: float | None, short: list[str], count: int, tolerance_pct: float
) -> str:
    shown = f"{total:.3f} kWh" if total is not None else "unknown"
    return (
        f"unmetered remainder {shown} below -{tolerance_pct:g} % in {len(short)} of {count} "
        f"period(s){' from ' + short[0] if short else ''}: sub-meters "
        f"{', '.join(meter.submeters)} measured more than {meter.device}; check the wiring "
        "and feeds_from"
    )


def remainder_warnings(meters: Sequence[MeterReport]) -> list[str]:
    """Plant-level lines for the flagged remainders."""
    return [
        f"{m.device}: {w}"
        for m in meters
        if m.remainder_flagged
        for w in m.warnings
        if w.startswith("unmetered remainder")
    ]


def area_groups(meters: Sequence[MeterReport]) -> list[GroupReport]:
    """One group per area: its meters' own shares (leaf kWh, parents' remainders)."""
    names = sorted({m.area for m in meters})
    return [
        group("area", n, [m for m in meters if m.area == n], figure=MeterReport.own) for n in names
    ]


def site_groups(meters: Sequence[MeterReport]) -> list[GroupReport]:
    """One group per site of a top-level meter: the meters behind them, counted at the top."""
    tops = {m.device: m for m in meters if not m.parent}
    parents = {m.device: m.parent for m in meters if m.parent}
    site_of = {m.device: tops[root_of(m.device, parents)].site for m in meters}
    out = []
    for name in sorted({m.site for m in tops.values()}):
        members = [m for m in meters if site_of[m.device] == name]
        out.append(group("site", name, members, [m for m in members if not m.parent]))
    return out


def plant_group(name: str, meters: Sequence[MeterReport]) -> GroupReport:
    """The plant: its top-level meters."""
    return group("plant", name, meters, [m for m in meters if not m.parent])
