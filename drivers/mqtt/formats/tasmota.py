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

from drivers.base import TagDeclaration
from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import (
    STATE_WORDS,
    declaration,
    flatten,
    load_object_fast,
    payload_text,
    readings_at,
)
from drivers.mqtt.formats._options import OptionsCache, option, topic_device
from drivers.mqtt.formats._plan import Plan
from drivers.mqtt.formats.base import Decoded, DecodeError, LeafColumns, Presence, Subscription

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


@dataclass(frozen=True, slots=True)
class _Layout:
    plan: Plan
    units: dict[str, str]
    tags: tuple[str, ...]
    declarations: list[TagDeclaration]


_CACHE_LIMIT = 4096
_TIMES: dict[tuple[str, tzinfo], int] = {}
"""Parsed ``Time`` texts (bounded; cleared when full)."""
_LAYOUTS: dict[str, _Layout] = {}
"""Per device: the flattening plan of its last message's shape, its tags and declarations."""


def _layout(device: str, data: dict[str, Any], units: dict[str, str]) -> tuple[_Layout, list[Any]]:
    """The device's layout for ``data`` and the payload's leaf values.

    A device repeats its layout, so the last one's plan usually extracts the values directly;
    otherwise the payload is flattened and its layout recorded. The declarations list is
    shared by every message of the same layout: do not modify it.
    """
    known = _LAYOUTS.get(device)
    if known is not None and known.units is units:
        values = known.plan.extract(data)
        if values is not None:
            return known, values
    leaves = flatten(data, [], skip=_SKIP)
    plan = Plan(data, leaves, STATE_WORDS, _SKIP)
    prefix = device + "/"
    declarations = []
    for path, key in zip(plan.paths, plan.keys, strict=True):
        unit = ENERGY_UNITS.get(key) if path.startswith("ENERGY.") else units.get(key)
        if unit:
            declarations.append(declaration(prefix + path, unit, device))
    layout = _Layout(plan, units, tuple(prefix + path for path in plan.paths), declarations)
    if len(_LAYOUTS) >= _CACHE_LIMIT:
        _LAYOUTS.clear()
    _LAYOUTS[device] = layout
    return layout, [leaf[2] for leaf in leaves]


class TasmotaFormat:
    """Tasmota ``tele`` messages."""

    name = "tasmota"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one ``SENSOR``, ``STATE`` or ``LWT`` message (other Tasmota kinds: ignored)."""
        decoded = self.decode_columns(topic, payload, sub, received_ns)
        columns = decoded.columns
        if columns is not None:
            decoded.readings = readings_at(columns.tags, columns.values, columns.ts_ns)
            decoded.columns = None
        return decoded

    def decode_columns(
        self, topic: str, payload: bytes, sub: Subscription, received_ns: int
    ) -> Decoded:
        """As :meth:`decode`, with a telemetry message's readings as :class:`LeafColumns`."""
        opts = _OPTIONS.get(sub.options)
        levels = topic.split("/")
        device = self._device(levels, opts)
        kind = levels[-1]
        if kind == "LWT":
            return self._lwt(device, payload)
        if kind not in _TELEMETRY:
            return Decoded()
        data = load_object_fast(payload)
        ts_ns = self._time(data.get("Time"), opts.zone)
        layout, values = _layout(device, data, _sensor_units(data))
        return Decoded(
            declarations=layout.declarations, columns=LeafColumns(layout.tags, values, ts_ns)
        )

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
        key = (value, zone)
        ts_ns = _TIMES.get(key)
        if ts_ns is None:  # devices reporting in the same second share the parse
            text = value
            if text[4:5] == "." and text[7:8] == ".":  # Tasmota 5.x: "2018.02.15 01:00:50"
                text = text[:10].replace(".", "-") + text[10:]
            ts_ns = _timestamps.from_text(text, "iso", zone)
            if len(_TIMES) >= _CACHE_LIMIT:
                _TIMES.clear()
            _TIMES[key] = ts_ns
        return ts_ns


FORMAT = TasmotaFormat()
