"""Unit handling for energy analytics through pint: scale factors computed once per unit string.

Units are resolved at configuration/analysis time, never per sample: every function returns a
plain float scale that the numpy code multiplies by. pint (which brings scipy along) is imported
on the first unit resolved, not with this module: the command line and the HMI import the
energy package at start-up without converting anything.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pint

log = logging.getLogger(__name__)

APPARENT_OR_REACTIVE = frozenset({"va", "kva", "mva", "var", "kvar", "mvar", "varh", "kvarh"})
"""Apparent and reactive power/energy units: not active energy, never integrated as kWh."""

_CUBIC = re.compile(r"^(N?m|dm|cm)(3|³)$")
_FACTOR_UNIT = re.compile(r"^\s*(?P<mass>[A-Za-z]+)\s*CO2(?:-?e|eq)?\s*/\s*(?P<per>.+?)\s*$")


class UnitError(ValueError):
    """A unit string that cannot be used for the requested quantity."""


@cache
def registry() -> pint.UnitRegistry[Any]:
    """The one pint registry of the analytics (pint imported and built on first use, ~0.5 s)."""
    import pint

    return pint.UnitRegistry()


def normalise(unit: str) -> str:
    """Spellings seen on devices -> pint: ``m3``/``m³``/``Nm3`` -> ``m**3``, ``l`` -> ``L``."""
    text = unit.strip()
    cubic = _CUBIC.match(text)
    if cubic:
        base = cubic.group(1).removeprefix("N")
        return f"{base}**3"
    if text == "l":
        return "L"
    return text


@cache
def _quantity(unit: str) -> Any:
    if not unit.strip():
        raise UnitError("no unit")
    units = registry()
    from pint.errors import DefinitionSyntaxError, UndefinedUnitError

    try:
        return units(normalise(unit))
    except (UndefinedUnitError, DefinitionSyntaxError, AttributeError) as exc:
        raise UnitError(f"unknown unit {unit!r}") from exc
    except (TypeError, ValueError, SyntaxError) as exc:
        raise UnitError(f"cannot read unit {unit!r}: {exc}") from exc


@cache
def scale(unit: str, target: str) -> float:
    """The factor that turns a value in ``unit`` into ``target`` (``scale("W", "kW") == 0.001``)."""
    quantity = _quantity(unit)
    from pint.errors import DimensionalityError

    try:
        return float(quantity.to(normalise(target)).magnitude)
    except DimensionalityError as exc:
        raise UnitError(f"{unit!r} cannot be converted to {target!r}") from exc


def _active(unit: str, kind: str) -> None:
    if unit.strip().lower() in APPARENT_OR_REACTIVE:
        raise UnitError(f"{unit!r} is apparent/reactive, not active {kind}")


def power_to_kw(unit: str) -> float:
    """Scale of an active-power unit to kW (W, kW, MW...); VA/var are refused."""
    _active(unit, "power")
    return scale(unit, "kW")


def energy_to_kwh(unit: str) -> float:
    """Scale of an active-energy unit to kWh (Wh, kWh, MWh, mWh, J...)."""
    _active(unit, "energy")
    return scale(unit, "kWh")


def is_power(unit: str) -> bool:
    """True for an active-power unit."""
    try:
        power_to_kw(unit)
    except UnitError:
        return False
    return True


def is_energy(unit: str) -> bool:
    """True for an active-energy unit."""
    try:
        energy_to_kwh(unit)
    except UnitError:
        return False
    return True


def factor_to_kg_per(unit: str, quantity_unit: str) -> float:
    """Scale of an emission-factor unit (``gCO2e/kWh``, ``lbCO2e/MWh``, ``kgCO2e/L``) to kg CO2e
    per one ``quantity_unit`` of the metered quantity (kWh, L, m3...)."""
    match = _FACTOR_UNIT.match(unit)
    if match is None:
        raise UnitError(f"{unit!r} is not of the form <mass>CO2e/<unit>, e.g. kgCO2e/kWh")
    mass = scale(match.group("mass"), "kg")
    try:
        per = scale(quantity_unit, match.group("per"))
    except UnitError as exc:
        raise UnitError(
            f"factor per {match.group('per')!r} does not apply to a quantity in {quantity_unit!r}"
        ) from exc
    return mass * per
