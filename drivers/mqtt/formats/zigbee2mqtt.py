"""Format ``zigbee2mqtt``: device state published by Zigbee2MQTT.

* ``zigbee2mqtt/<friendly_name>``: JSON object; every numeric/boolean leaf becomes
  ``<friendly_name>/<path>`` (``temperature``, ``humidity``, ``linkquality``, ``battery``,
  ``color.x``...); ``state``/``state_l1``... ``ON``/``OFF`` become 1/0; other text
  (``action``, ``update.state``...) is skipped. Friendly names may contain ``/``
  (``kitchen/floor_light``), so the device is everything between the base topic and the end.
  ``last_seen`` (ISO-8601 or epoch milliseconds, per Zigbee2MQTT's ``last_seen`` setting) is
  the source timestamp; without it ``ts_ns`` is None.
* ``zigbee2mqtt/<friendly_name>/availability``: ``online``/``offline`` or
  ``{"state": "online"}`` -> :class:`Presence` of the device.
* ``zigbee2mqtt/bridge/state``: the same, as presence of the device named after the base topic.
  Other ``bridge/...`` topics and ``.../set``, ``.../get`` command topics are ignored.

Options: ``base_topic`` (default ``zigbee2mqtt``).
"""

from __future__ import annotations

from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import (
    flatten,
    json_type,
    leaf_declarations,
    leaf_readings,
    load_json,
    load_object,
    payload_text,
)
from drivers.mqtt.formats._options import option
from drivers.mqtt.formats.base import Decoded, DecodeError, Presence, Subscription

UNITS: dict[str, str] = {
    "temperature": "°C",
    "local_temperature": "°C",
    "device_temperature": "°C",
    "humidity": "%",
    "soil_moisture": "%",
    "pressure": "hPa",
    "battery": "%",
    "linkquality": "lqi",
    "power": "W",
    "energy": "kWh",
    "current": "A",
    "illuminance_lux": "lx",
    "co2": "ppm",
    "voc": "ppb",
    "pm25": "µg/m³",
    "pm10": "µg/m³",
    "formaldehyd": "mg/m³",
    "elapsed": "ms",
}
"""Units of Zigbee2MQTT's standard exposes (``voltage`` is left out: mV on battery devices,
V on mains meters)."""

_SKIP = frozenset({"last_seen"})
_COMMAND_LEVELS = frozenset({"set", "get"})


def _availability(device: str, payload: bytes) -> Decoded:
    text = payload_text(payload).strip()
    state: object = text
    if text.startswith(("{", '"')):
        data = load_json(payload)
        state = data.get("state") if isinstance(data, dict) else data
    if state not in ("online", "offline"):
        raise DecodeError("wrong_type", f"availability {json_type(state)} is not online/offline")
    return Decoded(presence=[Presence(device, state == "online")])


class Zigbee2MqttFormat:
    """Zigbee2MQTT device state, availability and bridge state."""

    name = "zigbee2mqtt"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one Zigbee2MQTT message (see the module docstring)."""
        base = option(sub.options, "base_topic", str, "zigbee2mqtt")
        if not topic.startswith(base + "/") or len(topic) == len(base) + 1:
            raise DecodeError("unexpected_topic", f"not under base topic {base!r}")
        rest = topic[len(base) + 1 :]
        if rest.startswith("bridge/"):
            return _availability(base, payload) if rest == "bridge/state" else Decoded()
        levels = rest.split("/")
        if levels[-1] in _COMMAND_LEVELS or (len(levels) > 1 and levels[-2] in _COMMAND_LEVELS):
            return Decoded()
        if levels[-1] == "availability" and len(levels) > 1:
            return _availability(rest[: -len("/availability")], payload)
        if "" in levels:
            raise DecodeError("unexpected_topic", "empty topic level in the friendly name")
        data = load_object(payload)
        last_seen = data.get("last_seen")
        ts_ns = None if last_seen is None else _timestamps.timestamp_ns(last_seen)
        leaves = flatten(data, [], skip=_SKIP)
        return Decoded(
            readings=leaf_readings(rest, leaves, ts_ns),
            declarations=leaf_declarations(rest, leaves, UNITS),
        )


FORMAT = Zigbee2MqttFormat()
