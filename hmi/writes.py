"""Setpoint writes: which driver owns a tag, the engineering-range check, and the write itself.

The dialog's check runs before anything is sent: a value outside ``eng_min``/``eng_max`` (or
not a number, or for a tag that is not writable) is refused with the reason at once. The write
itself goes through the security core (permission, range and link checks again, an audit row
before and after). :func:`perform_write` blocks up to the driver's write timeout: workers only.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.security.events import Outcome
from core.security.writes import SafeWriteResult
from core.tags import TagInfo, device_of
from drivers.base import LinkState, WriteRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriteCheck:
    """The outcome of the pre-write check."""

    allowed: bool
    reason: str = ""
    value: float = math.nan


def range_text(tag: TagInfo) -> str:
    """``20 .. 95 degC``, or a note that no range is configured."""
    if tag.eng_min is None and tag.eng_max is None:
        return "no engineering range configured"
    low = "-inf" if tag.eng_min is None else f"{tag.eng_min:g}"
    high = "+inf" if tag.eng_max is None else f"{tag.eng_max:g}"
    return f"{low} .. {high} {tag.unit}".strip()


def check_write(tag: TagInfo | None, text: str) -> WriteCheck:
    """Parse and check a new value for a tag against its engineering range."""
    if tag is None:
        return WriteCheck(False, "unknown tag")
    if not tag.writable:
        return WriteCheck(False, f"{tag.name} is not writable")
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return WriteCheck(False, f"{text.strip() or 'nothing'!r} is not a number")
    if not math.isfinite(value):
        return WriteCheck(False, "the value must be a finite number")
    unit = f" {tag.unit}" if tag.unit else ""
    if tag.eng_min is not None and value < tag.eng_min:
        return WriteCheck(
            False, f"{value:g}{unit} is below the engineering minimum {tag.eng_min:g}{unit}", value
        )
    if tag.eng_max is not None and value > tag.eng_max:
        return WriteCheck(
            False, f"{value:g}{unit} is above the engineering maximum {tag.eng_max:g}{unit}", value
        )
    return WriteCheck(True, "", value)


def typed_value(tag: TagInfo, value: float) -> float | int | bool:
    """The value in the tag's data type (an absolute value, never an increment)."""
    if tag.data_type == "bool":
        return bool(value)
    if tag.data_type == "int":
        return round(value)
    return value


def driver_for_tag(drivers: Iterable[Any], tag: str) -> Any | None:
    """The driver that owns a tag: a Modbus unit, an OPC-UA node or an MQTT command."""
    device = device_of(tag)
    for driver in drivers:
        devices = getattr(driver, "devices", None)
        if isinstance(devices, dict) and device in devices:
            return driver
        config = getattr(driver, "config", None)
        nodes = getattr(config, "nodes", None)
        if nodes is not None and any(getattr(n, "tag", None) == tag for n in nodes):
            return driver
        command_for = getattr(config, "command_for", None)
        if callable(command_for) and command_for(tag) is not None:
            return driver
    return None


def link_online(driver: Any, device: str) -> bool:
    """Whether the driver reaches the device now (per-device state where the driver has one)."""
    per_device = getattr(driver, "device_status", None)
    if callable(per_device):
        status = per_device().get(device)
        if status is not None:
            return bool(status.state is LinkState.ONLINE)
    presence = getattr(driver, "device_presence", None)
    if callable(presence):
        seen = presence().get(device)
        if seen is not None:
            return bool(seen.online)
    return bool(driver.status.state is LinkState.ONLINE)


def perform_write(
    security: Any,
    drivers: Sequence[Any],
    registry: Any,
    live: Any,
    tag: TagInfo,
    value: float,
    user: str,
    reason: str = "",
) -> Any:
    """Write through the security core's :class:`~core.security.writes.SafeWriter` (permission,
    range and link checks, audit before and after) and the owning driver. Blocks: workers only.

    Returns the :class:`~core.security.writes.SafeWriteResult` (outcome CONFIRMED,
    UNCONFIRMED, FAILED or REFUSED, the detail, the audit row, the read-back value).
    """
    driver = driver_for_tag(drivers, tag.name)
    if driver is None:
        return SafeWriteResult(Outcome.REFUSED, f"no driver owns {tag.name}", 0)

    def current(name: str) -> float | None:
        info = registry.get(name)
        found = live.get(info.id) if info is not None else None
        return None if found is None else found.value

    writer = security.safe_writer(
        driver.write,
        tag_info=registry.get,
        area_of=registry.area_of,
        is_online=lambda device: link_online(driver, device),
        current_value=current,
    )
    request = WriteRequest(tag.name, typed_value(tag, value), user=user, reason=reason)
    result = writer.write(request, station=security.station)
    log.info("write %s = %r by %s: %s %s", tag.name, value, user, result.outcome, result.detail)
    return result
