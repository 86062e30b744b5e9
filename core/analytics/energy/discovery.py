"""Which tags of a device measure its energy, found from tag names, units and descriptions.

A device is counted once. Rules are tried in order of preference and the first rule that
matches a tag of the device wins, so one family of tags measures it. Within that rule a
device-wide tag beats per-phase tags: the phases of a three-phase meter are added only when it
exposes no total (Eastron SDM630 ``import_kwh`` rather than ``import_kwh_l1..3`` as well,
Shelly Pro 3EM ``emdata:0.total_act`` rather than ``a/b/c_total_act_energy``). Several
device-wide tags of one rule are channels of the device and are added (Shelly Plus 2PM
``switch:0``/``switch:1``, Tasmota ``ENERGY.Power[0]``/``[1]``).

Counters that are not consumption are never used: export/returned, reactive/apparent, net
(import - export) and import-plus-export totals (Eastron 30343 ``total_kwh``, a description
saying "import + export"). A generic ``total``/``energy`` counter is used only when the device
has neither an import counter (preferred) nor an export counter (then its total would include
the export). Counters that restart daily or per period (Tasmota ``Today``/``Yesterday``, Shelly
``by_minute``) are not cumulative and are never used either.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.analytics.energy.units import is_energy, is_power
from core.tags import TagInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class MeterTag:
    """A tag used by a meter and the unit its values are in."""

    name: str
    unit: str


@dataclass(frozen=True, slots=True)
class Rule:
    """Tags whose name matches ``pattern``; ``unit`` is the unit the payload format documents
    (used when the tag has none), empty when a tag needs a real unit of its own."""

    pattern: re.Pattern[str]
    unit: str = ""
    needs_no_export: bool = False
    """Only for devices without an export counter (a generic total may be import + export)."""


def _rule(pattern: str, unit: str = "", needs_no_export: bool = False) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE), unit, needs_no_export)


POWER_RULES: tuple[Rule, ...] = (
    _rule(r"(^|[./])total_act_power$", "W"),  # Shelly Pro 3EM em:0
    _rule(r"(^|/)ENERGY\.Power(\[\d+\])?$", "W"),  # Tasmota SENSOR
    _rule(r"(^|[./])apower$", "W"),  # Shelly Gen2 switch:n / pm1:n
    _rule(r"(^|/)(relay|emeter)\[\d+\]\.power$", "W"),  # Shelly Gen1
    _rule(
        r"(^|[./_])(active_?)?power"
        r"(_active|_total|_consumption|_?l[1-3]|_phase_?[1-3])?(_k?w)?$"
    ),
    _rule(r"(^|[./_])(p_total|total_power|kw)$"),
)
COUNTER_RULES: tuple[Rule, ...] = (
    _rule(r"(^|[./])total_act$", "Wh"),  # Shelly Pro 3EM emdata:0
    _rule(r"(^|[./])([abc]_)?total_act_energy$", "Wh"),  # Shelly em1data:n, emdata:0 phases
    _rule(r"(^|/)ENERGY\.Total(\[\d+\])?$", "kWh"),  # Tasmota SENSOR
    _rule(r"(^|[./])aenergy\.total$", "Wh"),  # Shelly Gen2 switch:n / pm1:n
    _rule(r"(^|/)emeter\[\d+\]\.total$", "Wh"),  # Shelly EM / 3EM Gen1
    _rule(r"(^|/)(relay|emeter)\[\d+\]\.energy$", "Wh"),  # Shelly Gen1 (watt-minutes -> Wh)
    _rule(r"import"),  # meter registers: total import active energy
    _rule(r"(total|energy|(^|[./_])k?wh$)", needs_no_export=True),
)
_NOT_ACTIVE = re.compile(
    r"apparent|reactive|aprt|kvah|varh|_ret|(^|[./_])ret_|returned|export|today|yesterday"
    r"|by_minute|period|tariff|demand|(^|[./_])(net|max|min|peak)([._]|$)",
    re.IGNORECASE,
)
_EXPORT = re.compile(r"export|_ret|(^|[./_])ret_|returned", re.IGNORECASE)
_BOTH_WAYS = re.compile(
    r"import\s*([-+&/]|and|plus|minus)\s*export|export\s*([-+&/]|and|plus|minus)\s*import"
    r"|\bnet\b",
    re.IGNORECASE,
)
_PHASE = re.compile(r"(^|[._:])(l[1-3]|phase_?[1-3]|ph[1-3]|[abc])([._]|$)", re.IGNORECASE)


def field_of(tag: str) -> str:
    """The field part of ``<device>/<field.path>``."""
    return tag.split("/", 1)[-1]


def is_phase(tag: str) -> bool:
    """True for a per-phase tag (``import_kwh_l1``, ``em:0.a_act_power``, ``power_phase2``)."""
    return bool(_PHASE.search(field_of(tag)))


def _candidates(
    tags: Sequence[TagInfo], rule: Rule, is_unit: Callable[[str], bool], consumption: bool
) -> list[MeterTag]:
    found = []
    for tag in tags:
        name = field_of(tag.name)
        if not rule.pattern.search(name) or _NOT_ACTIVE.search(name):
            continue
        if consumption and _BOTH_WAYS.search(tag.description):
            continue
        unit = tag.unit or rule.unit
        if unit and is_unit(unit):
            found.append(MeterTag(tag.name, unit))
    return found


def _device_wide(found: list[MeterTag], device: str) -> list[MeterTag]:
    """The device-wide tags of one rule, or its per-phase tags when there is no device total."""
    whole = [t for t in found if not is_phase(t.name)]
    if whole and len(whole) < len(found):
        dropped = ", ".join(t.name for t in found if is_phase(t.name))
        log.debug("%s: per-phase %s left out (the device total is used)", device, dropped)
    return whole or found


def has_export(tags: Sequence[TagInfo]) -> bool:
    """True when a device exposes an export/returned active-energy counter."""
    return any(_EXPORT.search(field_of(t.name)) and is_energy(t.unit) for t in tags)


def select(
    device: str,
    tags: Sequence[TagInfo],
    rules: Sequence[Rule],
    is_unit: Callable[[str], bool],
    consumption: bool = False,
) -> list[MeterTag]:
    """The tags of the first matching rule, device-wide ones before per-phase ones;
    ``consumption`` also refuses tags described as import + export or net."""
    exporting = has_export(tags)
    for rule in rules:
        if rule.needs_no_export and exporting:
            continue
        found = _candidates(tags, rule, is_unit, consumption)
        if found:
            return _device_wide(found, device)
    return []


def power_tags(device: str, tags: Sequence[TagInfo]) -> list[MeterTag]:
    """The active-power tags that measure the whole device."""
    return select(device, tags, POWER_RULES, is_power)


def counter_tags(device: str, tags: Sequence[TagInfo]) -> list[MeterTag]:
    """The cumulative active-energy counters that measure the whole device's consumption."""
    return select(device, tags, COUNTER_RULES, is_energy, consumption=True)
