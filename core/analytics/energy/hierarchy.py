"""Sub-metering: which meter a device's supply comes through, checked and walked.

A plant meters hierarchically: the main incomer measures everything behind it, sub-meters
measure parts of that. ``feeds_from`` names a device's parent meter, either in
``[energy.feeds_from]`` (``plug1 = "meter1"``, for discovered meters) or on a configured
``[[energy.meters]]`` entry. :func:`check_feeds` refuses, with a :class:`ConfigError` naming the
file, the key and the value: a device fed from itself, a parent or child that is no device of
the plant, two different parents for one device, a cycle. :func:`check_meters` refuses, once
the meters are known, a parent that has tags but no energy meter and a parent of another
carrier; a parent not seen yet (no tags at all) leaves its children at the top level.

Counting rule (see :mod:`.submeter`): the plant and each site count their top-level meters
only, a sub-meter's kWh being part of its parent's; a site total follows the hierarchy (a
sub-meter in another site counts in its main meter's site, and is priced with that site's grid
region). An area counts the kWh used in it once: each meter's own kWh, less what its sub-meters
measured (the unmetered remainder), so a sub-meter counts in its own area and not again in its
parent's.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence

from core.analytics.energy.meters import Meter
from core.analytics.energy.settings import EnergySettings
from core.config import ConfigError, PlantConfig

log = logging.getLogger(__name__)

Parents = Mapping[str, str]
"""Child device -> parent meter, as configured."""


def check_feeds(config: PlantConfig, settings: EnergySettings) -> dict[str, str]:
    """The configured child -> parent map, validated against the plant's devices."""
    source = config.source or "plant file"
    table = settings.parents()
    for i, meter in enumerate(settings.meters):
        listed = settings.feeds_from.get(meter.device)
        if meter.feeds_from and listed is not None and listed != meter.feeds_from:
            key = f"energy.feeds_from.{meter.device}"
            raise ConfigError(
                source, key, listed, f"energy.meters[{i}].feeds_from says {meter.feeds_from!r}"
            )
    configured = {m.device for m in settings.meters}
    for child, (parent, key) in table.items():
        if parent == child:
            raise ConfigError(source, key, parent, "a meter cannot feed from itself")
        for name, role in ((child, "device"), (parent, "meter")):
            if name not in configured and config.device(name) is None:
                raise ConfigError(
                    source, key, name, f"unknown {role} (not in [[devices]] or [[energy.meters]])"
                )
    parents = {child: parent for child, (parent, _) in table.items()}
    for child, (_, key) in sorted(table.items()):
        _check_cycle(child, parents, source, key)
    return parents


def _check_cycle(start: str, parents: Parents, source: str, key: str) -> None:
    chain = [start]
    while chain[-1] in parents:
        chain.append(parents[chain[-1]])
        if chain[-1] == start:
            path = " -> ".join(chain)
            raise ConfigError(source, key, parents[start], f"sub-metering cycle {path}")
        if chain[-1] in chain[:-1]:
            return  # a cycle further up: reported from one of its own members
    return


def check_meters(
    config: PlantConfig,
    parents: Parents,
    meters: Sequence[Meter],
    seen_devices: Collection[str],
    settings: EnergySettings,
) -> list[str]:
    """Refuse parents that are not energy meters or carry another carrier; returns warnings
    for parents not seen yet (their children count at the top level meanwhile)."""
    source = config.source or "plant file"
    by_device = {m.device: m for m in meters}
    keys = {child: key for child, (_, key) in settings.parents().items()}
    out = []
    for child, parent in sorted(parents.items()):
        upstream, own = by_device.get(parent), by_device.get(child)
        if upstream is None and parent in seen_devices:
            raise ConfigError(source, keys[child], parent, "has tags but no energy meter")
        if upstream is None and own is not None:
            out.append(f"{child} feeds from {parent}, which has no data yet: counted on its own")
        elif own is not None and upstream is not None and own.carrier != upstream.carrier:
            raise ConfigError(
                source,
                keys[child],
                parent,
                f"{parent} meters {upstream.carrier}, {child} meters {own.carrier}",
            )
    return out


def effective_parents(selected: Collection[str], parents: Parents) -> dict[str, str]:
    """Child -> its nearest ancestor among the selected meters (children without one are
    top-level in this selection)."""
    out = {}
    for child in selected:
        node = parents.get(child)
        while node is not None and node not in selected:
            node = parents.get(node)
        if node is not None:
            out[child] = node
    return out


def root_of(device: str, parents: Parents) -> str:
    """The top-level meter a device's supply comes through (itself when it has no parent)."""
    node, hops = device, 0
    while node in parents and hops <= len(parents):
        node, hops = parents[node], hops + 1
    return node
