"""Energy and CO2e per period for one meter, and totals per area and site.

``kwh`` comes from the meter's primary method (its counter when it has one); when a device has
both a counter and power tags, both totals are shown with ``difference_pct`` =
(power - counter) / counter x 100. CO2e is quantity x factor of the period's start date, or
hour by hour with a grid-intensity series.

Groups add each kWh once: a sub-meter's energy is part of its parent's, so the plant and the
sites add their main meters and an area adds each meter's own share (:meth:`MeterReport.own`,
a parent's unmetered remainder); see :mod:`.submeter`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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
    remainder_kwh: float | None = None
    """Of a meter with sub-meters: kWh less what they measured (the unmetered remainder)."""
    remainder_co2e_kg: float | None = None
    """CO2e less the sub-meters' CO2e."""

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
    feeds_from: str = ""
    """The configured parent meter (``feeds_from``); empty for a main meter."""
    parent: str = ""
    """The nearest upstream meter in this report; empty: counted at the top level."""
    submeters: list[str] = field(default_factory=list)
    """The meters in this report whose parent this is (a breakdown of its kWh)."""
    remainder_flagged: bool = False
    """The sub-meters measured more than this meter beyond the tolerance (wiring/config)."""

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
    def remainder_kwh(self) -> float | None:
        """Unmetered remainder over all periods (None without sub-meters)."""
        return sum_known([p.remainder_kwh for p in self.periods]) if self.submeters else None

    @property
    def remainder_co2e_kg(self) -> float | None:
        """CO2e of the unmetered remainder (None without sub-meters)."""
        return sum_known([p.remainder_co2e_kg for p in self.periods]) if self.submeters else None

    def own(self, k: int) -> tuple[float | None, float | None]:
        """(kWh, kg CO2e) of period ``k`` not measured by a sub-meter: all of a leaf's, the
        remainder of a parent's."""
        row = self.periods[k]
        if self.submeters:
            return row.remainder_kwh, row.remainder_co2e_kg
        return row.kwh, row.co2e_kg

    def gross(self, k: int) -> tuple[float | None, float | None]:
        """(kWh, kg CO2e) the meter measured in period ``k``."""
        return self.periods[k].kwh, self.periods[k].co2e_kg

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
    """The energy of several meters (an area, a site, the plant) per period, each kWh once."""

    kind: str
    name: str
    devices: list[str]
    periods: list[tuple[Period, float | None, float | None]]
    """(period, kWh, kg CO2e) per period."""
    main_meters: list[str] = field(default_factory=list)
    """The group's meters not fed from another meter of the group."""

    @property
    def kwh(self) -> float | None:
        """kWh over all periods."""
        return sum_known([k for _, k, _ in self.periods])

    @property
    def co2e_kg(self) -> float | None:
        """kg CO2e over all periods."""
        return sum_known([c for _, _, c in self.periods])


Figure = Callable[[MeterReport, int], tuple[float | None, float | None]]
"""(kWh, kg CO2e) of a meter in period ``k``: :meth:`MeterReport.gross` or ``.own``."""


def group(
    kind: str,
    name: str,
    meters: Sequence[MeterReport],
    counted: Sequence[MeterReport] | None = None,
    figure: Figure = MeterReport.gross,
) -> GroupReport:
    """Add the ``counted`` meters' figures period by period (default: every meter, gross);
    ``meters`` are all the group's members (they share the same periods)."""
    if not meters:
        return GroupReport(kind, name, [], [])
    adding = list(meters if counted is None else counted)
    names = {m.device for m in meters}
    rows = []
    for k, period in enumerate(meters[0].periods):
        values = [figure(m, k) for m in adding]
        rows.append(
            (period.period, sum_known([v[0] for v in values]), sum_known([v[1] for v in values]))
        )
    main = [m.device for m in meters if m.parent not in names]
    return GroupReport(kind, name, [m.device for m in meters], rows, main)


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
