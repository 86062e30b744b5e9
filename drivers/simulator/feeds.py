"""Which simulated device's supply comes through which meter (sub-metering), from the plant file.

The plant file is the one source of truth: ``[energy.feeds_from]`` (``device = "meter"``) and the
``feeds_from`` key of ``[[energy.meters]]`` entries, as documented in the README. The simulator
may not import the energy package (import-linter), so this reads those two places of the TOML
itself; the plant loader validates the rest (unknown devices, cycles, carriers). ``sim.toml``
may also state the hierarchy inline (``[supply.feeds_from]``) for a simulator run without a
plant file; both are merged, and a device given two different meters is refused.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def read_feeds_from(path: Path) -> dict[str, str]:
    """Child device -> parent meter of a plant file (raises ``OSError``, ``ValueError``)."""
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    energy = document.get("energy", {})
    if not isinstance(energy, dict):
        raise ValueError(f"{path}: energy: must be a table")
    table = energy.get("feeds_from", {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: energy.feeds_from: must be a table")
    out = {
        str(child): _name(parent, path, f"energy.feeds_from.{child}")
        for child, parent in table.items()
    }
    for i, meter in enumerate(_meters(energy, path)):
        parent = meter.get("feeds_from", "")
        if parent:
            key = f"energy.meters[{i}].feeds_from"
            out[_name(meter.get("device"), path, f"energy.meters[{i}].device")] = _name(
                parent, path, key
            )
    return out


def _meters(energy: Mapping[str, Any], path: Path) -> list[Mapping[str, Any]]:
    meters = energy.get("meters", [])
    if not isinstance(meters, list) or not all(isinstance(m, dict) for m in meters):
        raise ValueError(f"{path}: energy.meters: must be an array of tables")
    return meters


def _name(value: object, path: Path, key: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{path}: {key}: {value!r} is not a device name")
    return value


def merge_feeds(
    from_plant: Mapping[str, str], inline: Mapping[str, str], source: str
) -> dict[str, str]:
    """The plant file's hierarchy with the inline entries added; a contradiction is an error."""
    out = dict(from_plant)
    for child, parent in inline.items():
        if out.get(child, parent) != parent:
            raise ValueError(
                f"supply.feeds_from.{child}: {parent!r} contradicts {source} "
                f"(energy.feeds_from.{child} = {out[child]!r})"
            )
        out[child] = parent
    check_cycles(out)
    return out


def check_cycles(parents: Mapping[str, str]) -> None:
    """Raise ``ValueError`` when a meter would feed from itself, directly or not."""
    for start in parents:
        chain = [start]
        while chain[-1] in parents:
            chain.append(parents[chain[-1]])
            if chain[-1] in chain[:-1]:
                raise ValueError(f"supply.feeds_from: cycle {' -> '.join(chain)}")
