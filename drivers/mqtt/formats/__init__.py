"""MQTT payload formats: one module per payload family, each exposing ``FORMAT``.

>>> fmt = get_format("tasmota")
>>> decoder = new_decoder("homeassistant")   # a fresh session for stateful formats

Every format implements :class:`~drivers.mqtt.formats.base.PayloadFormat`; decoding never
raises anything but :class:`~drivers.mqtt.formats.base.DecodeError`, whose ``reason`` is one of
:data:`DECODE_REASONS`. Stateful formats (``homeassistant``) also expose ``new_session()``.
"""

from __future__ import annotations

from drivers.mqtt.formats import (
    carbonseed,
    homeassistant,
    json_generic,
    og_field,
    shelly,
    tasmota,
    zerocraftr,
    zigbee2mqtt,
)
from drivers.mqtt.formats._common import DECODE_REASONS
from drivers.mqtt.formats.base import PayloadFormat

__all__ = ["DECODE_REASONS", "FORMAT_NAMES", "get_format", "new_decoder"]

_FORMATS: dict[str, PayloadFormat] = {
    module.FORMAT.name: module.FORMAT
    for module in (
        json_generic,
        zerocraftr,
        og_field,
        carbonseed,
        tasmota,
        shelly,
        zigbee2mqtt,
        homeassistant,
    )
}

FORMAT_NAMES: tuple[str, ...] = tuple(_FORMATS)
"""Names accepted in ``[[mqtt.subscribe]] format = ...``."""


def get_format(name: str) -> PayloadFormat:
    """The format called ``name``; ``KeyError`` naming the known formats otherwise."""
    try:
        return _FORMATS[name]
    except KeyError:
        known = ", ".join(FORMAT_NAMES)
        raise KeyError(f"unknown MQTT payload format {name!r} (known: {known})") from None


def new_decoder(name: str) -> PayloadFormat:
    """A decoder for one broker connection: a fresh session if the format keeps state."""
    fmt = get_format(name)
    new_session = getattr(fmt, "new_session", None)
    return new_session() if callable(new_session) else fmt
