"""Energy and emissions data of a period: kWh and CO2e per device, area, site and period.

The figures come from :class:`core.analytics.energy.EnergyService` (trapezoids and counters,
local calendar periods, versioned emission factors with their sources). Emissions are split
by GHG Protocol scope: fuels burnt on site (natural gas, diesel...) are scope 1, purchased
electricity, heat, steam and cooling are scope 2 (location-based unless a market factor was
configured). Totals count each kWh once: main meters, with sub-meters as a breakdown of their
parent (see :mod:`core.analytics.energy.submeter`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from core.analytics.energy import EmissionFactor, EnergyReport, EnergyService, Granularity
from core.analytics.energy.report import MeterReport
from core.reports.context import ReportContext, chart_granularity

log = logging.getLogger(__name__)

SCOPE2_CARRIERS = frozenset(
    {"electricity", "heat", "steam", "district_heating", "district_cooling", "cooling"}
)
SCOPE_LABELS = {1: "Scope 1 (fuels burnt on site)", 2: "Scope 2 (purchased energy)"}


def scope_of(carrier: str) -> int:
    """GHG Protocol scope of an energy carrier: 2 for purchased energy, else 1."""
    return 2 if carrier in SCOPE2_CARRIERS else 1


@dataclass(frozen=True, slots=True)
class ScopeTotal:
    """kWh and CO2e of one scope."""

    scope: int
    label: str
    carriers: tuple[str, ...]
    kwh: float | None
    co2e_kg: float | None


@dataclass(frozen=True)
class EnergyData:
    """The energy report of the service, its scope totals and the factors it used."""

    report: EnergyReport
    scopes: list[ScopeTotal]
    factors: list[EmissionFactor]

    @property
    def meters(self) -> list[MeterReport]:
        """Every meter of the report."""
        return self.report.meters


def build_energy(
    ctx: ReportContext,
    start_ns: int,
    end_ns: int,
    by: str = "",
    devices: Sequence[str] = (),
    area: str = "",
) -> EnergyData:
    """Energy and CO2e of the chosen devices (or an area's, or every meter) over the period."""
    service = EnergyService.for_historian(ctx.historian)
    chosen: list[str] | None = list(devices) if devices else None
    allowed = ctx.devices_in(area)
    if chosen is None and allowed is not None:
        chosen = [m.device for m in service.meters if m.device in allowed]
    granularity: Granularity = by or chart_granularity(start_ns, end_ns)  # type: ignore[assignment]
    report = service.report(start_ns, end_ns, granularity, chosen)
    return EnergyData(report, scope_totals(report.meters), factors_used(report.meters))


def scope_totals(meters: Sequence[MeterReport]) -> list[ScopeTotal]:
    """Scope 1 and scope 2 sums of the main meters (a sub-meter's kWh is part of its parent's,
    which has the same carrier); a scope without meters is left out."""
    out = []
    for scope in (1, 2):
        mine = [m for m in meters if scope_of(m.carrier) == scope]
        if not mine:
            continue
        main = [m for m in mine if not m.parent]
        out.append(
            ScopeTotal(
                scope,
                SCOPE_LABELS[scope],
                tuple(sorted({m.carrier for m in mine})),
                _sum([m.kwh for m in main]),
                _sum([m.co2e_kg for m in main]),
            )
        )
    return out


def factors_used(meters: Sequence[MeterReport]) -> list[EmissionFactor]:
    """The distinct emission factors of all meters, by carrier, region and date."""
    seen: dict[tuple[object, ...], EmissionFactor] = {}
    for meter in meters:
        for factor in meter.factors:
            seen.setdefault(factor.key, factor)
    return sorted(seen.values(), key=lambda f: (f.carrier, f.region, f.site, f.valid_from))


def _sum(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None
