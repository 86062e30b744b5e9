"""Sections of the energy and emissions part of a report."""

from __future__ import annotations

import logging
from itertools import accumulate

from core.analytics.energy.report import GroupReport
from core.reports.energy import EnergyData, scope_of
from core.reports.model import Block, Chart, Section, Series, Text, table

log = logging.getLogger(__name__)

KWH = ",.1f"
KG = ",.1f"
FACTOR = ".5g"
PCT = ".1f"


def energy_summary(data: EnergyData) -> list[tuple[str, str]]:
    """Key figures for the title page."""
    plant = data.report.plant
    out = [
        ("Energy (kWh)", _num(plant.kwh, KWH)),
        ("Emissions (kg CO2e)", _num(plant.co2e_kg, KG)),
    ]
    out += [(f"Scope {s.scope} (kg CO2e)", _num(s.co2e_kg, KG)) for s in data.scopes]
    return out


def _num(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)


def scope_block(data: EnergyData) -> Block:
    """kWh and CO2e per GHG Protocol scope."""
    rows = [(s.scope, s.label, ", ".join(s.carriers), s.kwh, s.co2e_kg) for s in data.scopes]
    return table(
        "energy_scopes",
        "Emissions by scope (GHG Protocol)",
        ("scope", "description", "carriers", "kwh", "co2e_kg"),
        rows,
        ("d", "", "", KWH, KG),
        (0.5, 2.2, 1.4, 1.1, 1.1),
        note="Scope 2 is location-based (grid average) unless the plant configured a "
        "market-based factor.",
    )


def device_block(data: EnergyData) -> Block:
    """Per device: kWh, quantity, CO2e, factor and its source."""
    rows = [
        (
            m.device,
            m.area,
            m.site,
            m.carrier,
            scope_of(m.carrier),
            m.kwh,
            m.quantity,
            m.quantity_unit,
            m.co2e_kg,
            m.factor,
            m.factor_source,
            m.parent,
        )
        for m in data.meters
    ]
    return table(
        "energy_devices",
        "Energy and CO2e per device",
        ("device", "area", "site", "carrier", "scope", "kwh", "quantity", "unit", "co2e_kg",
         "kg_per_unit", "factor_source", "parent"),
        rows,
        ("", "", "", "", "d", KWH, KWH, "", KG, FACTOR, "", ""),
        (1.0, 1.0, 0.9, 1.0, 0.6, 0.9, 0.9, 0.5, 0.9, 0.8, 2.3, 0.7),
        note="kWh from the meter's counter when it has one, else from its active power. A "
        "meter with a parent is a sub-meter: its kWh is part of the parent's.",
    )  # fmt: skip


def submeter_block(data: EnergyData) -> Block:
    """Each meter with sub-meters: its kWh, theirs and the unmetered remainder."""
    by_device = {m.device: m for m in data.meters}
    rows = [
        (
            m.device,
            m.kwh,
            ", ".join(m.submeters),
            _sub_kwh([by_device[d].kwh for d in m.submeters]),
            m.remainder_kwh,
            m.remainder_co2e_kg,
            "check wiring / feeds_from" if m.remainder_flagged else "",
        )
        for m in data.meters
        if m.submeters
    ]
    return table(
        "energy_submeters",
        "Sub-metering: breakdown and unmetered remainder",
        ("meter", "kwh", "submeters", "submeters_kwh", "remainder_kwh", "remainder_co2e_kg",
         "flag"),
        rows,
        ("", KWH, "", KWH, KWH, KG, ""),
        (1.0, 1.0, 2.6, 1.1, 1.1, 1.1, 1.6),
        note="Sub-meters are part of their parent's kWh: totals count the main meters only; "
        "an area counts each meter's own share (a parent's remainder).",
    )  # fmt: skip


def _sub_kwh(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None


def group_block(key: str, title: str, groups: list[GroupReport]) -> Block:
    """kWh and CO2e per area or site."""
    rows = [(g.name or "(none)", len(g.devices), g.kwh, g.co2e_kg) for g in groups]
    return table(
        key, title, (key.rsplit("_", maxsplit=1)[-1], "devices", "kwh", "co2e_kg"), rows,
        ("", "d", KWH, KG), (2.0, 0.7, 1.1, 1.1),
    )  # fmt: skip


def period_blocks(data: EnergyData) -> list[Block]:
    """Plant kWh and CO2e per period (table, bar chart, cumulative CO2e line chart)."""
    plant = data.report.plant
    labels = tuple(p.label for p, _, _ in plant.periods)
    kwh = tuple(k for _, k, _ in plant.periods)
    co2e = tuple(c for _, _, c in plant.periods)
    cumulative = tuple(accumulate((c or 0.0) / 1000.0 for c in co2e))
    return [
        table(
            "energy_periods",
            f"Plant energy and CO2e per {data.report.by}",
            ("period", "kwh", "co2e_kg"),
            list(zip(labels, kwh, co2e, strict=True)),
            ("", KWH, KG),
            (2.0, 1.1, 1.1),
        ),
        Chart("bar", f"Energy per {data.report.by}", labels, (Series("kWh", kwh),), "kWh"),
        Chart(
            "line",
            "Cumulative emissions",
            labels,
            (Series("t CO2e", cumulative),),
            "t CO2e",
        ),
    ]


def factor_block(data: EnergyData) -> Block:
    """Every emission factor used, with its source."""
    rows = [
        (f.carrier, f.region or f.site or "global", f.value, f.unit, f.year, f.basis, f.gases,
         f.valid_from.isoformat(), f.source, f.url)
        for f in data.factors
    ]  # fmt: skip
    return table(
        "emission_factors",
        f"Emission factors used (table edition {data.report.table_version})",
        ("carrier", "region", "value", "unit", "year", "basis", "gases", "valid_from", "source",
         "url"),
        rows,
        ("", "", "g", "", "d", "", "", "", "", ""),
        (0.9, 0.6, 0.6, 0.9, 0.5, 0.8, 0.6, 1.0, 2.6, 1.9),
    )  # fmt: skip


def _submeters(data: EnergyData) -> tuple[Block, ...]:
    return (submeter_block(data),) if any(m.submeters for m in data.meters) else ()


def energy_sections(data: EnergyData) -> list[Section]:
    """The chapters of an energy report."""
    if not data.meters:
        return [Section("Energy and emissions", (Text("No energy meter in scope."),))]
    warnings = [f"{m.device}: {w}" for m in data.meters for w in m.warnings]
    notes: tuple[Block, ...] = (
        (Text("Warnings: " + "; ".join(warnings), "note"),) if warnings else ()
    )
    return [
        Section("Energy and emissions", (scope_block(data), *notes)),
        Section("Per device", (device_block(data), *_submeters(data)), 1),
        Section(
            "Per area and site",
            (
                group_block("energy_by_area", "Energy and CO2e per area", data.report.areas),
                group_block("energy_by_site", "Energy and CO2e per site", data.report.sites),
            ),
            1,
        ),
        Section("Per period", tuple(period_blocks(data)), 1),
        Section("Emission factors and sources", (factor_block(data),), 1),
    ]
