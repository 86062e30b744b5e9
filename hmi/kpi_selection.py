"""Which tags the overview shows as key values, and what their normal range is.

The overview has one tile per kind (temperature, gas, vibration, power, uptime). For each kind
the best-matching tag is picked from the registry by name and unit; a plant file can still name
its own by giving tags those words. The normal range of a tile comes from the tag's alarm
limits (the band between its low and high alarms), else from its engineering range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.alarms.config import AlarmDefinition, AlarmType
from core.tags import TagInfo


@dataclass(frozen=True, slots=True)
class KpiKind:
    """A kind of key value and how to recognise its tags."""

    key: str
    title: str
    words: tuple[str, ...]
    units: tuple[str, ...]


KPI_KINDS: tuple[KpiKind, ...] = (
    KpiKind("temperature", "Temperature", ("temperature", "temp"), ("degc", "°c", "c", "degf")),
    KpiKind("gas", "Gas", ("gas", "co2", "lel", "h2s"), ("ppm", "%lel")),
    KpiKind("vibration", "Vibration", ("vibration", "vib"), ("mm/s", "g", "m/s2")),
    KpiKind("power", "Power", ("total_power", "power", "active_power"), ("kw", "w")),
    KpiKind("uptime", "Uptime", ("uptime",), ("s", "h")),
)


MIN_SCORE = 20
"""A tag qualifies when a kind's word is part of its last name segment (``gas_index``)."""
UNIT_MISMATCH = 20
"""A unit that is not the kind's (``co2_kg`` in kg is a mass, not a gas reading)."""


@dataclass(frozen=True, slots=True)
class NormalRange:
    """The band a value should stay in (either side may be open)."""

    low: float | None
    high: float | None
    source: str

    def contains(self, value: float) -> bool:
        """True when inside the band."""
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _score(tag: TagInfo, kind: KpiKind) -> int:
    name = tag.name.lower()
    leaf = name.rsplit("/", 1)[-1]
    score = 0
    for rank, word in enumerate(kind.words):
        if word == leaf:
            score = max(score, 40 - rank)
        elif word in leaf:
            score = max(score, 30 - rank)
        elif word in name:
            score = max(score, 10 - rank)
    if not score:
        return 0
    unit = tag.unit.lower()
    if unit in kind.units:
        score += 5
    elif unit:
        score -= UNIT_MISMATCH
    if tag.origin == "config":
        score += 2
    return score


def pick_kpi_tags(tags: Iterable[TagInfo]) -> dict[str, TagInfo]:
    """The best tag per KPI kind (kinds without a match are absent)."""
    candidates = list(tags)
    chosen: dict[str, TagInfo] = {}
    for kind in KPI_KINDS:
        best = max(candidates, key=lambda t: (_score(t, kind), -len(t.name)), default=None)
        if best is not None and _score(best, kind) >= MIN_SCORE:
            chosen[kind.key] = best
    return chosen


def normal_range(tag: TagInfo, definitions: Sequence[AlarmDefinition]) -> NormalRange | None:
    """The band between the tag's low and high alarm limits, else its engineering range."""
    lows = [
        d.threshold
        for d in definitions
        if d.tag == tag.name and d.type in (AlarmType.LOW, AlarmType.LOW_LOW)
    ]
    highs = [
        d.threshold
        for d in definitions
        if d.tag == tag.name and d.type in (AlarmType.HIGH, AlarmType.HIGH_HIGH)
    ]
    if lows or highs:
        return NormalRange(max(lows) if lows else None, min(highs) if highs else None, "alarms")
    if tag.eng_min is not None or tag.eng_max is not None:
        return NormalRange(tag.eng_min, tag.eng_max, "engineering range")
    return None
