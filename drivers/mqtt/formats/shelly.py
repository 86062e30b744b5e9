"""Format ``shelly``: Shelly Gen1 MQTT topics and Gen2/Gen3 JSON status.

Gen1 (``shellies/<id>/...``, one plain-text value per topic):

* ``relay/<n>/power`` W -> ``<id>/relay[n].power``; ``relay/<n>/energy`` is a watt-minute
  counter, divided by 60 and declared in Wh (same for every ``energy``/``returned_energy``,
  e.g. ``emeter/<n>/energy``); ``emeter/<n>/total`` Wh, ``voltage`` V, ``current`` A,
  ``reactive_power`` var, ``temperature`` °C, ``temperature_f`` °F.
* ``relay/<n>`` ``on``/``off``/``overpower`` -> ``<id>/relay[n]`` 1/0/0 plus
  ``<id>/relay[n].overpower`` 0/0/1.
* ``online`` ``true``/``false`` -> :class:`Presence`.
* ``announce``, ``info``, ``input_event``, ``.../command`` and other text (``temperature_status``
  ``Normal``...) are ignored; a power/energy/voltage/current topic whose payload is not a number
  is ``wrong_type``.

Gen2/Gen3 (``<prefix>/...``, the prefix may have several levels; the device is its last level):

* ``<prefix>/status/<component>`` (``switch:0``, ``em:0``, ``emdata:0``, ``sys``...): every
  numeric/boolean field -> ``<device>/<component>.<path>``, e.g. ``dev/switch:0.apower`` W,
  ``dev/switch:0.aenergy.total`` Wh, ``dev/em:0.a_act_power`` W, ``dev/emdata:0.total_act`` Wh.
* ``<prefix>/events/rpc`` ``NotifyStatus``/``NotifyFullStatus``: the same for each component
  in ``params``, with ``params.ts`` (epoch seconds) as source timestamp; other methods ignored.
* ``<prefix>/online`` ``true``/``false`` -> :class:`Presence`; ``<prefix>/rpc``, ``command`` and
  ``debug/log`` are ignored. Status topics carry no timestamp (``ts_ns`` None).
"""

from __future__ import annotations

from typing import Any

from core.model import Reading
from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import (
    declaration,
    flatten,
    json_type,
    leaf_readings,
    load_object,
    number,
    number_text,
    payload_text,
)
from drivers.mqtt.formats._options import topic_device
from drivers.mqtt.formats.base import Decoded, DecodeError, Presence, Subscription

GEN1_UNITS: dict[str, str] = {
    "power": "W",
    "energy": "Wh",
    "returned_energy": "Wh",
    "total": "Wh",
    "total_returned": "Wh",
    "voltage": "V",
    "current": "A",
    "reactive_power": "var",
    "temperature": "°C",
    "temperature_f": "°F",
}
_WATT_MINUTE_KEYS = frozenset({"energy", "returned_energy"})
_GEN1_NUMERIC = frozenset(GEN1_UNITS) | {"pf"}
_GEN1_IGNORED = frozenset({"announce", "info", "input_event", "command", "settings"})
_RELAY_STATES = {"on": (1, 0), "off": (0, 0), "overpower": (0, 1)}

GEN2_UNITS: dict[str, str] = {
    "apower": "W",
    "act_power": "W",
    "aprt_power": "VA",
    "voltage": "V",
    "current": "A",
    "freq": "Hz",
    "total": "Wh",
    "by_minute": "mWh",
    "total_act": "Wh",
    "total_act_ret": "Wh",
    "total_act_energy": "Wh",
    "total_act_ret_energy": "Wh",
    "tC": "°C",
    "tF": "°F",
    "rh": "%",
    "percent": "%",
    "uptime": "s",
}
_GEN2_SKIP = frozenset({"id", "ts", "minute_ts", "unixtime", "timer_started_at"})
_NOTIFY = frozenset({"NotifyStatus", "NotifyFullStatus"})
_PHASE_PREFIXES = ("a_", "b_", "c_", "n_")


def gen2_unit(key: str) -> str:
    """The unit of a Gen2 status field (``a_act_power`` -> W, ``total_current`` -> A), or ""."""
    unit = GEN2_UNITS.get(key)
    if unit is not None:
        return unit
    if key[:2] in _PHASE_PREFIXES:
        return gen2_unit(key[2:])
    if key.startswith("total_"):
        return GEN2_UNITS.get(key[6:], "")
    return ""


def _presence(device: str, payload: bytes) -> Decoded:
    text = payload_text(payload).strip()
    if text not in ("true", "false"):
        raise DecodeError("wrong_type", f"online payload {text[:32]!r} is not true/false")
    return Decoded(presence=[Presence(device, text == "true")])


class ShellyFormat:
    """Shelly Gen1 text topics and Gen2/Gen3 JSON status/notifications."""

    name = "shelly"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one Shelly message (see the module docstring)."""
        levels = topic.split("/")
        if "" in levels[1:]:
            raise DecodeError("unexpected_topic", "empty topic level")
        if len(levels) >= 3 and levels[-2] == "status":
            return self._gen2_status(topic_device(levels, -3), levels[-1], payload)
        if len(levels) >= 3 and levels[-2:] == ["events", "rpc"]:
            return self._gen2_event(topic_device(levels, -3), payload)
        if len(levels) >= 3 and levels[0] == "shellies":
            return self._gen1(topic_device(levels, 1), levels[2:], payload)
        if len(levels) >= 2 and levels[-1] == "online":
            return _presence(topic_device(levels, -2), payload)
        if len(levels) >= 2 and (
            levels[-1] in ("rpc", "command") or levels[-2:] == ["debug", "log"]
        ):
            return Decoded()
        if levels == ["shellies", "announce"]:
            return Decoded()
        raise DecodeError("unexpected_topic", "not a Shelly Gen1 or Gen2 topic")

    # Gen1 ------------------------------------------------------------------------------------

    def _gen1(self, device: str, rest: list[str], payload: bytes) -> Decoded:
        if rest == ["online"]:
            return _presence(device, payload)
        if rest[0] in _GEN1_IGNORED or rest[-1] in _GEN1_IGNORED:
            return Decoded()
        path = rest[0] + "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in rest[1:])
        text = payload_text(payload).strip()
        if len(rest) == 2 and rest[0] == "relay" and rest[1].isdigit():
            return self._relay_state(device, path, text)
        key = next((part for part in reversed(rest) if not part.isdigit()), rest[0])
        value = number_text(text)
        if value is None:
            if key in _GEN1_NUMERIC:
                raise DecodeError("wrong_type", f"{path}: {text[:32]!r} is not a number")
            return Decoded()
        tag = f"{device}/{path}"
        reading_value = number(value) / 60 if key in _WATT_MINUTE_KEYS else number(value)
        unit = GEN1_UNITS.get(key)
        declarations = [declaration(tag, unit, device)] if unit else []
        return Decoded(readings=[Reading(tag, reading_value)], declarations=declarations)

    @staticmethod
    def _relay_state(device: str, path: str, text: str) -> Decoded:
        state = _RELAY_STATES.get(text)
        if state is None:
            raise DecodeError("wrong_type", f"{path}: {text[:32]!r} is not on/off/overpower")
        tag = f"{device}/{path}"
        return Decoded(readings=[Reading(tag, state[0]), Reading(f"{tag}.overpower", state[1])])

    # Gen2 ------------------------------------------------------------------------------------

    @staticmethod
    def _components(device: str, components: dict[str, Any], ts_ns: int | None) -> Decoded:
        leaves: list[tuple[str, str, Any]] = []
        for component, status in components.items():
            if component not in _GEN2_SKIP:
                flatten(status, leaves, states=None, skip=_GEN2_SKIP, path=component, key=component)
        prefix = device + "/"
        declarations = []
        for path, key, _value in leaves:
            unit = gen2_unit(key)
            if unit:
                declarations.append(declaration(prefix + path, unit, device))
        return Decoded(readings=leaf_readings(device, leaves, ts_ns), declarations=declarations)

    def _gen2_status(self, device: str, component: str, payload: bytes) -> Decoded:
        return self._components(device, {component: load_object(payload)}, None)

    def _gen2_event(self, device: str, payload: bytes) -> Decoded:
        frame = load_object(payload)
        if frame.get("method") not in _NOTIFY:
            return Decoded()
        params = frame.get("params")
        if not isinstance(params, dict):
            raise DecodeError("wrong_type", f"params is JSON {json_type(params)}, not an object")
        ts = params.get("ts")
        ts_ns = None if ts is None else _timestamps.timestamp_ns(ts, "s")
        return self._components(device, params, ts_ns)


FORMAT = ShellyFormat()
