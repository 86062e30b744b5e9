"""Energy and CO2e per period for one meter, and totals per area and site.

``kwh`` comes from the meter's primary method (its counter when it has one); when a device has
both a counter and power tags, both totals are shown with ``difference_pct`` =
(power - counter) / counter x 100. CO2e is quantity x factor of the period's start date, or
hour by hour with a grid-intensity series.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.analytics.energy.curve import Gap
from core.analytics.energy.factors import EmissionFactor
from core.analytics.energy.integrate import CounterEvent
from core.analytics.energy.periods import Period

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodEnergy:
    """One meter in one period."""

    period: Period
    quantity: float | None
    """Primary quantity in the meter's unit (kWh, or L / m3 for fuel)."""
    kwh: float | None
    counter: float | None
    power_kwh: float | None
    co2e_kg: float | None
    factor: EmissionFactor | None
    coverage: float
    """Share of the period covered by bridged samples of the primary method (0..1)."""

    @property
    def difference_pct(self) -> float | None:
        """(power - counter) / counter in %, when both exist and the counter moved."""
        return difference_pct(self.power_kwh, self.counter)


@dataclass(frozen=True)
class MeterReport:
    """One meter over the whole window."""

    device: str
    area: str
    site: str
    region: str
    carrier: str
    method: str
    primary: str
    quantity_unit: str
    periods: list[PeriodEnergy]
    gaps: list[Gap] = field(default_factory=list)
    events: list[CounterEvent] = field(default_factory=list)
    unattributed: float = 0.0
    intensity_share: float | None = None
    """Share of kWh priced by the hourly grid-intensity series (None: not used)."""
    warnings: list[str] = field(default_factory=list)
    counter_tags: list[str] = field(default_factory=list)
    """The cumulative counters that measure the device (added when several channels/phases)."""
    power_tags: list[str] = field(default_factory=list)
    """The active-power tags integrated beside the counter."""

    @property
    def quantity(self) -> float | None:
        """Primary quantity over all periods."""
        return sum_known([p.quantity for p in self.periods])

    @property
    def kwh(self) -> float | None:
        """Primary kWh over all periods."""
        return sum_known([p.kwh for p in self.periods])

    @property
    def counter(self) -> float | None:
        """Counter total."""
        return sum_known([p.counter for p in self.periods])

    @property
    def power_kwh(self) -> float | None:
        """Power-integration total."""
        return sum_known([p.power_kwh for p in self.periods])

    @property
    def difference_pct(self) -> float | None:
        """(power - counter) / counter over the window, in %."""
        return difference_pct(self.power_kwh, self.counter)

    @property
    def co2e_kg(self) -> float | None:
        """CO2e over all periods (None when no period had a factor)."""
        return sum_known([p.co2e_kg for p in self.periods])

    @property
    def factor(self) -> float | None:
        """Effective kg CO2e per quantity unit (CO2e / quantity)."""
        quantity, co2e = self.quantity, self.co2e_kg
        if quantity is None or co2e is None or quantity == 0:
            return _single_factor(self.periods, self.quantity_unit)
        return co2e / quantity

    @property
    def factors(self) -> list[EmissionFactor]:
        """The distinct factors used, oldest first."""
        seen: dict[tuple[object, ...], EmissionFactor] = {}
        for p in self.periods:
            if p.factor is not None:
                seen.setdefault(p.factor.key, p.factor)
        return sorted(seen.values(), key=lambda f: f.valid_from)

    @property
    def factor_source(self) -> str:
        """Citations of the factors used (``;``-separated), or why there is none."""
        used = self.factors
        if not used:
            return "no emission factor"
        text = "; ".join(f.label for f in used)
        if self.intensity_share is not None:
            text = f"hourly grid intensity ({self.intensity_share:.0%} of kWh), else {text}"
        return text


def difference_pct(power: float | None, counter: float | None) -> float | None:
    """(power - counter) / counter x 100; None without both or with a zero counter."""
    if power is None or counter is None or counter == 0:
        return None
    return (power - counter) / counter * 100.0


def sum_known(values: Sequence[float | None]) -> float | None:
    """The sum of the known values; None when none is known."""
    known = [v for v in values if v is not None]
    return float(sum(known)) if known else None


def _single_factor(periods: Sequence[PeriodEnergy], unit: str) -> float | None:
    found = {p.factor.kg_per(unit) for p in periods if p.factor is not None}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class GroupReport:
    """The sum of several meters (an area, a site, the plant) per period."""

    kind: str
    name: str
    devices: list[str]
    periods: list[tuple[Period, float | None, float | None]]
    """(period, kWh, kg CO2e) per period."""

    @property
    def kwh(self) -> float | None:
        """kWh over all periods."""
        return sum_known([k for _, k, _ in self.periods])

    @property
    def co2e_kg(self) -> float | None:
        """kg CO2e over all periods."""
        return sum_known([c for _, _, c in self.periods])


def group(kind: str, name: str, meters: Sequence[MeterReport]) -> GroupReport:
    """Add meters period by period (they share the same periods)."""
    if not meters:
        return GroupReport(kind, name, [], [])
    rows = []
    for k, period in enumerate(meters[0].periods):
        kwh = sum_known([m.periods[k].kwh for m in meters])
        co2e = sum_known([m.periods[k].co2e_kg for m in meters])
        rows.append((period.period, kwh, co2e))
    return GroupReport(kind, name, [m.device for m in meters], rows)


def groups(kind: str, meters: Sequence[MeterReport]) -> list[GroupReport]:
    """One group per distinct area or site (``kind``: ``area`` or ``site``)."""
    names = sorted({getattr(m, kind) for m in meters})
    return [group(kind, n, [m for m in meters if getattr(m, kind) == n]) for n in names]


def missing_factors(meters: Sequence[MeterReport]) -> list[str]:
    """One plant-level line per carrier and region whose metered energy has no CO2e for want of
    an emission factor, naming the devices and what to configure."""
    lacking: dict[tuple[str, str], list[str]] = {}
    for m in meters:
        if m.quantity is not None and m.co2e_kg is None:
            lacking.setdefault((m.carrier, m.region), []).append(m.device)
    return [
        f"no emission factor for {carrier} in region {region or '(none)'}: CO2e is missing for "
        f"{', '.join(devices)}; set region in [[sites]] or [energy], or add [[emission_factors]]"
        for (carrier, region), devices in sorted(lacking.items())
    ]
