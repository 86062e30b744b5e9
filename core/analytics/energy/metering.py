"""One meter over a list of periods: both methods, the primary quantity, kWh and CO2e."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import numpy as np

from core.analytics.energy.cache import EnergyCache
from core.analytics.energy.compute import TagMethod, tag_slices
from core.analytics.energy.factors import EmissionFactor, FactorTable
from core.analytics.energy.intensity import IntensitySeries, hour_bounds, hourly_co2e
from core.analytics.energy.meters import Meter, MeterTag
from core.analytics.energy.periods import Period, local
from core.analytics.energy.report import MeterReport, PeriodEnergy
from core.analytics.energy.settings import EnergySettings
from core.analytics.energy.slices import Interval, Slice, merge_gaps
from core.analytics.energy.source import SampleSource
from core.analytics.energy.units import is_energy
from core.model import NS_PER_S

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MethodTotals:
    """One method (all its tags) over the intervals."""

    quantity: list[float]
    coverage: list[float]
    slices: list[list[Slice]]


@dataclass(frozen=True)
class MeterCalculator:
    """Everything needed to compute meter reports for one request."""

    source: SampleSource
    cache: EnergyCache
    settings: EnergySettings
    factors: FactorTable
    zone: ZoneInfo
    known_tags: frozenset[str]
    intensity: IntensitySeries | None = None

    def report(
        self,
        meter: Meter,
        found: Sequence[Period],
        area: str,
        site: str,
        region: str,
        supply_site: str | None = None,
    ) -> MeterReport:
        """The meter's energy per period, with CO2e of its site/region (a sub-meter's factor:
        of ``supply_site``, its main meter's site, and ``region``, that site's region)."""
        priced_site = site if supply_site is None else supply_site
        intervals = [(p.start_ns, p.end_ns) for p in found]
        target = "kWh" if is_energy(meter.quantity_unit) else meter.quantity_unit
        power = self.totals(meter, "power", intervals)
        counter = self.totals(meter, "counter", intervals)
        kind = _primary_kind(meter, counter is not None, power is not None)
        primary = counter if kind == "counter" else power
        rows = []
        for k, period in enumerate(found):
            factor = self.factors.select(
                meter.carrier, local(period.start_ns, self.zone).date(), priced_site, region, target
            )
            rows.append(_row(meter, period, k, target, factor, primary, counter, power))
        share = None
        if self.intensity is not None and self._priced_by_intensity(meter, target):
            rows, share = self._reprice(meter, kind, rows, self.intensity)
        every = [s for m in (power, counter) if m for per_tag in m.slices for s in per_tag]
        return MeterReport(
            device=meter.device,
            area=area,
            site=site,
            region=region,
            carrier=meter.carrier,
            method=meter.method,
            primary=kind,
            quantity_unit=target,
            periods=rows,
            gaps=merge_gaps(g for s in every for g in s.gaps),
            events=sorted({e for s in every for e in s.events}, key=lambda e: e.ts_ns),
            unattributed=sum(s.unattributed for s in every),
            intensity_share=share,
            warnings=self._warnings(meter, rows, region, target, share),
            counter_tags=[t.name for t in meter.counter_tags],
            power_tags=[t.name for t in meter.power_tags],
        )

    def _priced_by_intensity(self, meter: Meter, target: str) -> bool:
        conf = self.settings.grid_intensity
        return conf is not None and conf.carrier == meter.carrier and target == "kWh"

    def _warnings(
        self,
        meter: Meter,
        rows: list[PeriodEnergy],
        region: str,
        target: str,
        share: float | None,
    ) -> list[str]:
        out = [
            f"tag {t.name} has no data"
            for t in meter.power_tags + meter.counter_tags
            if t.name not in self.known_tags
        ]
        if rows and share is None and not any(r.factor for r in rows):
            out.append(
                f"no emission factor for {meter.carrier} per {target} in region "
                f"{region or '(none: set region in [[sites]])'}"
            )
        return out

    def method(self, meter: Meter, tag: MeterTag, kind: str) -> TagMethod:
        """How a tag of the meter becomes a quantity."""
        if kind == "power":
            return TagMethod(tag.name, "power", tag.unit, self.settings.max_gap_s)
        target = "kWh" if is_energy(meter.quantity_unit) else meter.quantity_unit
        gap = self.settings.counter_max_gap_s
        return TagMethod(tag.name, "counter", tag.unit, gap, meter.rollover, target)

    def totals(self, meter: Meter, kind: str, intervals: list[Interval]) -> MethodTotals | None:
        """Sum of a method's tags per interval (None when the meter has no such tag with data)."""
        tags = meter.power_tags if kind == "power" else meter.counter_tags
        usable = [t for t in tags if t.name in self.known_tags]
        if not usable or not intervals:
            return None
        per_tag = [
            tag_slices(self.source, self.cache, self.method(meter, t, kind), intervals)
            for t in usable
        ]
        spans = [max(end - start, 1) for start, end in intervals]
        return MethodTotals(
            [sum(s[k].quantity for s in per_tag) for k in range(len(intervals))],
            [min(s[k].covered_s for s in per_tag) * NS_PER_S / spans[k] for k in range(len(spans))],
            per_tag,
        )

    def _reprice(
        self, meter: Meter, kind: str, rows: list[PeriodEnergy], series: IntensitySeries
    ) -> tuple[list[PeriodEnergy], float]:
        """Price each period hour by hour with the intensity series; returns the priced share."""
        bounds = [hour_bounds(r.period.start_ns, r.period.end_ns) for r in rows]
        hours = [(int(b[i]), int(b[i + 1])) for b in bounds for i in range(b.size - 1)]
        totals = self.totals(meter, kind, hours)
        energy = np.array(totals.quantity if totals else [0.0] * len(hours))
        out, priced, pos = [], 0.0, 0
        for row, b in zip(rows, bounds, strict=True):
            piece = energy[pos : pos + b.size - 1]
            pos += b.size - 1
            fallback = row.factor.kg_per("kWh") if row.factor is not None else None
            result = hourly_co2e(b, piece, series, fallback)
            priced += result.covered_kwh
            complete = fallback is not None or result.covered_kwh == float(piece.sum())
            out.append(replace(row, co2e_kg=result.co2e_kg if complete else None))
        total = float(energy.sum())
        return out, (priced / total if total else 0.0)


def _primary_kind(meter: Meter, has_counter: bool, has_power: bool) -> str:
    """The configured primary method, or under ``auto`` the counter when it has data."""
    if meter.primary != "auto":
        return meter.primary
    return "counter" if has_counter or not has_power else "power"


def _row(
    meter: Meter,
    period: Period,
    k: int,
    target: str,
    factor: EmissionFactor | None,
    primary: MethodTotals | None,
    counter: MethodTotals | None,
    power: MethodTotals | None,
) -> PeriodEnergy:
    quantity = primary.quantity[k] if primary else None
    to_kwh = 1.0 if target == "kWh" else meter.kwh_per_unit
    return PeriodEnergy(
        period=period,
        quantity=quantity,
        kwh=quantity * to_kwh if quantity is not None and to_kwh is not None else None,
        counter=counter.quantity[k] if counter else None,
        power_kwh=power.quantity[k] if power else None,
        co2e_kg=quantity * factor.kg_per(target) if factor and quantity is not None else None,
        factor=factor,
        coverage=primary.coverage[k] if primary else 0.0,
    )
