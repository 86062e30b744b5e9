"""Energy and emissions: kWh from power and counters, periods in the plant's zone, CO2e.

Pure functions over numpy arrays:

- :func:`integrate_power` — trapezoidal kWh, never across a gap longer than the maximum;
- :func:`counter_energy` — kWh from cumulative counters through resets and rollovers;
- :func:`periods` — hours, days, ISO weeks, months and shifts, daylight-saving correct;
- :class:`FactorTable` — versioned emission factors with sources, plant overrides;
- :class:`IntensitySeries` — an hourly grid carbon intensity.

Store side: :class:`EnergyService` (meters, cache, factors) over a :class:`SampleSource`
(:class:`HistorianSource` or :class:`ArraySource`). Sub-metering (``feeds_from``): totals count
main meters, sub-meters are a breakdown with an unmetered remainder (:mod:`.hierarchy`,
:mod:`.submeter`).
"""

from core.analytics.energy.cache import EnergyCache
from core.analytics.energy.curve import EnergyCurve, Gap, usable
from core.analytics.energy.factors import (
    DEFAULT_TABLE,
    EmissionFactor,
    FactorTable,
    load_table,
    parse_factors,
    plant_table,
)
from core.analytics.energy.integrate import (
    UINT32_WRAP,
    CounterEnergy,
    CounterEvent,
    counter_energy,
    integrate_power,
)
from core.analytics.energy.intensity import IntensitySeries
from core.analytics.energy.meters import Meter, MeterTag, discover, plant_meters
from core.analytics.energy.periods import (
    GRANULARITIES,
    Granularity,
    Period,
    Shift,
    local_wall_ns,
    periods,
)
from core.analytics.energy.report import GroupReport, MeterReport, PeriodEnergy
from core.analytics.energy.service import EnergyReport, EnergyService
from core.analytics.energy.settings import (
    EnergySettings,
    IntensityConfig,
    MeterConfig,
    ShiftConfig,
    energy_section,
    parse_settings,
)
from core.analytics.energy.source import ArraySource, HistorianSource, Samples, SampleSource

__all__ = [
    "DEFAULT_TABLE",
    "GRANULARITIES",
    "UINT32_WRAP",
    "ArraySource",
    "CounterEnergy",
    "CounterEvent",
    "EmissionFactor",
    "EnergyCache",
    "EnergyCurve",
    "EnergyReport",
    "EnergyService",
    "EnergySettings",
    "FactorTable",
    "Gap",
    "Granularity",
    "GroupReport",
    "HistorianSource",
    "IntensityConfig",
    "IntensitySeries",
    "Meter",
    "MeterConfig",
    "MeterReport",
    "MeterTag",
    "Period",
    "PeriodEnergy",
    "SampleSource",
    "Samples",
    "Shift",
    "ShiftConfig",
    "counter_energy",
    "discover",
    "energy_section",
    "integrate_power",
    "load_table",
    "local_wall_ns",
    "parse_factors",
    "parse_settings",
    "periods",
    "plant_meters",
    "plant_table",
    "usable",
]
