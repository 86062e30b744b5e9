"""Format ``tasmota``: Tasmota telemetry, ``tele/<topic>/SENSOR``, ``STATE`` and ``LWT``.

* ``SENSOR``: every numeric leaf becomes ``<topic>/<path>``, e.g. ``pow1/ENERGY.Power``; the
  per-channel arrays of multi-channel meters become ``pow1/ENERGY.Power[0]``, ``[1]``...;
  ``"Switch1": "ON"`` becomes 1. Units are declared for the ``ENERGY`` block (Total, Today and
  Yesterday kWh, Power W, ApparentPower VA, ReactivePower var, Voltage V, Current A, Frequency
  Hz, Period Wh) and for common sensors (Temperature/DewPoint in the payload's ``TempUnit``,
  Humidity %, Pressure in ``PressureUnit`` or hPa, Illuminance lx, CarbonDioxide ppm).
* ``STATE``: ``POWER``/``POWERn`` ``"ON"``/``"OFF"`` -> 1/0, ``UptimeSec`` s, ``Heap`` kB,
  ``LoadAvg`` %, ``Sleep`` ms, ``Wifi.RSSI`` % and ``Wifi.Signal`` dBm; text fields are skipped.
* ``LWT``: ``Online``/``Offline`` -> :class:`Presence`.

``Time`` is Tasmota's local time without a zone (``2019-09-14T16:24:49``; Tasmota 5.x wrote
``2018.02.15 01:00:50``): it is read in the subscription option ``timezone`` (IANA name,
default ``UTC``); a ``Time`` carrying an offset is used as is.
Other options: ``prefix`` (Tasmota ``Prefix3``, default ``tele``) and ``device_level`` (0-based
topic level of the device name, overriding the default ``%prefix%/%topic%/`` or
``.../%topic%/%prefix%/`` detection). Other messages of a Tasmota topic (``INFO1``, ``RESULT``,
``UPTIME``...) are ignored (empty result); a topic without the prefix is ``unexpected_topic``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache
from typing import Any

from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import (
    declaration,
    flatten,
    leaf_readings,
    load_object,
    payload_text,
)
from drivers.mqtt.formats._options import OptionsCache, option, topic_device
from drivers.mqtt.formats.base import Decoded, DecodeError, Presence, Subscription

_TELEMETRY = ("SENSOR", "STATE")
_SKIP = frozenset({"Time"})

ENERGY_UNITS: dict[str, str] = {
    "Total": "kWh",
    "Today": "kWh",
    "Yesterday": "kWh",
    "Power": "W",
    "ApparentPower": "VA",
    "ReactivePower": "var",
    "Voltage": "V",
    "Current": "A",
    "Frequency": "Hz",
    "Period": "Wh",
}
"""Units of the fields of the ``ENERGY`` block."""

_COMMON_UNITS: dict[str, str] = {
    "Humidity": "%",
    "Illuminance": "lx",
    "CarbonDioxide": "ppm",
    "UptimeSec": "s",
    "Heap": "kB",
    "LoadAvg": "%",
    "Sleep": "ms",
    "RSSI": "%",
    "Signal": "dBm",
}
_TEMPERATURE_KEYS = ("Temperature", "DewPoint")


@dataclass(frozen=True, slots=True)
class _Options:
    zone: tzinfo
    prefix: str
    device_level: int | None


def _compile(options: Mapping[str, Any]) -> _Options:
    return _Options(
        zone=_timestamps.zone_named(options.get("timezone", "UTC")),
        prefix=option(options, "prefix", str, "tele"),
        device_level=option(options, "device_level", int, None),
    )


_OPTIONS: OptionsCache[_Options] = OptionsCache(_compile)


@lru_cache(maxsize=64)
def _units(temp_unit: str, pressure_unit: str) -> dict[str, str]:
    units = dict(_COMMON_UNITS)
    degrees = f"°{temp_unit}" if temp_unit in ("C", "F", "K") else "°C"
    units.update(dict.fromkeys(_TEMPERATURE_KEYS, degrees))
    units["Pressure"] = pressure_unit or "hPa"
    return units


def _sensor_units(data: dict[str, Any]) -> dict[str, str]:
    temp_unit = data.get("TempUnit")
    pressure_unit = data.get("PressureUnit")
    return _units(
        temp_unit if isinstance(temp_unit, str) else "C",
        pressure_unit if isinstance(pressure_unit, str) else "",
    )


class TasmotaFormat:
    """Tasmota ``tele`` messages."""

    name = "tasmota"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one ``SENSOR``, ``STATE`` or ``LWT`` message (other Tasmota kinds: ignored)."""
        opts = _OPTIONS.get(sub.options)
        levels = topic.split("/")
        device = self._device(levels, opts)
        kind = levels[-1]
        if kind == "LWT":
            return self._lwt(device, payload)
        if kind not in _TELEMETRY:
            return Decoded()
        data = load_object(payload)
        ts_ns = self._time(data.get("Time"), opts.zone)
        leaves = flatten(data, [], skip=_SKIP)
        units = _sensor_units(data)
        prefix = device + "/"
        declarations = []
        for path, key, _value in leaves:
            unit = ENERGY_UNITS.get(key) if path.startswith("ENERGY.") else units.get(key)
            if unit:
                declarations.append(declaration(prefix + path, unit, device))
        return Decoded(readings=leaf_readings(device, leaves, ts_ns), declarations=declarations)

    @staticmethod
    def _device(levels: list[str], opts: _Options) -> str:
        if opts.device_level is not None:
            return topic_device(levels, opts.device_level)
        if len(levels) >= 3:
            if levels[-3] == opts.prefix:  # %prefix%/%topic%/KIND (Tasmota default)
                return topic_device(levels, -2)
            if levels[-2] == opts.prefix:  # .../%topic%/%prefix%/KIND
                return topic_device(levels, -3)
        raise DecodeError("unexpected_topic", f"not a Tasmota '{opts.prefix}' topic")

    @staticmethod
    def _lwt(device: str, payload: bytes) -> Decoded:
        text = payload_text(payload).strip().lower()
        if text not in ("online", "offline"):
            raise DecodeError("wrong_type", f"LWT payload {text[:32]!r} is not Online/Offline")
        return Decoded(presence=[Presence(device, text == "online")])

    @staticmethod
    def _time(value: object, zone: tzinfo) -> int | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise DecodeError("bad_timestamp", "Time is not text")
        if value[4:5] == "." and value[7:8] == ".":  # Tasmota 5.x: "2018.02.15 01:00:50"
            value = value[:10].replace(".", "-") + value[10:]
        return _timestamps.from_text(value, "iso", zone)


FORMAT = TasmotaFormat()
