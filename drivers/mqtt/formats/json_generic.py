"""Format ``json``: any JSON payload, mapped to tags by the subscription's options.

Options of the ``[[mqtt.subscribe]]`` table (all optional)::

    device = "boiler1"          # fixed device name, or
    device_level = 1            # 0-based index into topic.split("/") (negative from the end);
                                # default: the last topic level
    value = "data.temp"         # one value: key path (nested keys ".", array elements "[n]")
    name = "temp"               #   its tag suffix (default: the path text itself)
    unit = "°C"                 #   its unit
    fields = { temp = "data.temp", hum = { path = "data.hum", unit = "%" } }
                                # several values: tag suffix -> key path or {path, unit}
    unit_key = "unit"           # key path of a unit string in the payload (fields without one)
    timestamp = "ts"            # key path of the source timestamp ("" = none); default: a
                                # top-level "timestamp" or "ts" key when present
    timestamp_unit = "auto"     # auto | iso | s | ms | us | ns (auto: ISO text or epoch by size)
    timezone = "UTC"            # zone of ISO timestamps written without an offset

Without ``value``/``fields`` every numeric or boolean leaf becomes a tag ``<device>/<path>``
(``{"a": {"b": [1, 2]}}`` -> ``a.b[0]``, ``a.b[1]``); a bare JSON number or boolean becomes
``<device>/value``. Strings ``ON``/``OFF``/``online``/``offline``/``true``/``false`` count as
1/0; other strings are skipped. A mapped value that is missing is skipped; one that is present
but neither a number, a boolean nor such a state word raises ``wrong_type``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from core.model import Reading
from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import (
    STATE_WORDS,
    declaration,
    flatten,
    json_type,
    leaf_readings,
    load_json,
    scalar,
)
from drivers.mqtt.formats._options import OptionsCache, option, topic_device
from drivers.mqtt.formats._paths import MISSING as _MISSING
from drivers.mqtt.formats._paths import Path, lookup, parse_path
from drivers.mqtt.formats.base import Decoded, DecodeError, Subscription

_AUTO_TIMESTAMP_KEYS = ("timestamp", "ts")


@dataclass(frozen=True, slots=True)
class _Field:
    suffix: str
    path: Path
    unit: str


@dataclass(frozen=True, slots=True)
class _Options:
    fields: tuple[_Field, ...]
    device: str
    device_level: int
    unit_path: Path | None
    timestamp_path: Path | None
    timestamp_text: str
    timestamp_auto: bool
    timestamp_unit: str
    zone: tzinfo


def _compile_fields(options: Mapping[str, Any]) -> tuple[_Field, ...]:
    fields = option(options, "fields", dict, {})
    value_path = option(options, "value", str, "")
    if value_path and fields:
        raise DecodeError("invalid_option", "give either 'value' or 'fields', not both")
    if value_path:
        name = option(options, "name", str, "") or value_path
        return (_Field(name, parse_path(value_path), option(options, "unit", str, "")),)
    compiled = []
    for suffix, spec in fields.items():
        if not suffix:
            raise DecodeError("invalid_option", "a field needs a non-empty tag suffix")
        if isinstance(spec, str):
            compiled.append(_Field(str(suffix), parse_path(spec), ""))
        elif isinstance(spec, dict) and isinstance(spec.get("path"), str):
            unit = spec.get("unit", "")
            if not isinstance(unit, str):
                raise DecodeError("invalid_option", f"unit of field {suffix!r} must be text")
            compiled.append(_Field(str(suffix), parse_path(spec["path"]), unit))
        else:
            raise DecodeError("invalid_option", f"field {suffix!r} needs a key path")
    return tuple(compiled)


def _compile(options: Mapping[str, Any]) -> _Options:
    timestamp = option(options, "timestamp", str, None)
    unit_key = option(options, "unit_key", str, "")
    timestamp_unit = option(options, "timestamp_unit", str, "auto")
    if timestamp_unit not in _timestamps.TIMESTAMP_UNITS:
        units = ", ".join(_timestamps.TIMESTAMP_UNITS)
        raise DecodeError("invalid_option", f"timestamp_unit must be one of {units}")
    return _Options(
        fields=_compile_fields(options),
        device=option(options, "device", str, ""),
        device_level=option(options, "device_level", int, -1),
        unit_path=parse_path(unit_key) if unit_key else None,
        timestamp_path=parse_path(timestamp) if timestamp else None,
        timestamp_text=timestamp or "",
        timestamp_auto=timestamp is None,
        timestamp_unit=timestamp_unit,
        zone=_timestamps.zone_named(options.get("timezone", "UTC")),
    )


_OPTIONS: OptionsCache[_Options] = OptionsCache(_compile)


class JsonFormat:
    """Generic JSON with an optional per-subscription field mapping."""

    name = "json"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one message (see the module docstring for the options)."""
        opts = _OPTIONS.get(sub.options)
        device = opts.device or topic_device(topic.split("/"), opts.device_level)
        data = load_json(payload)
        ts_ns, ts_key = self._timestamp(data, opts)
        if opts.fields:
            return self._mapped(data, device, ts_ns, opts)
        if isinstance(data, dict | list):
            leaves = flatten(data, [])
            ts_path = ts_key or opts.timestamp_text
            if ts_path:
                leaves = [leaf for leaf in leaves if leaf[0] != ts_path]
            return Decoded(readings=leaf_readings(device, leaves, ts_ns))
        value = scalar(data, STATE_WORDS)
        if value is None:
            raise DecodeError("wrong_type", f"JSON {json_type(data)} is not a value")
        return Decoded(readings=[Reading(f"{device}/value", value, None)])

    @staticmethod
    def _timestamp(data: object, opts: _Options) -> tuple[int | None, str]:
        """(source timestamp or None, top-level key it came from or "")."""
        if opts.timestamp_auto:
            if isinstance(data, dict):
                for key in _AUTO_TIMESTAMP_KEYS:
                    if data.get(key) is not None:
                        ts_ns = _timestamps.timestamp_ns(data[key], opts.timestamp_unit, opts.zone)
                        return ts_ns, key
            return None, ""
        if opts.timestamp_path is None:
            return None, ""
        found = lookup(data, opts.timestamp_path)
        if found is _MISSING or found is None:
            return None, ""
        return _timestamps.timestamp_ns(found, opts.timestamp_unit, opts.zone), ""

    @staticmethod
    def _mapped(data: object, device: str, ts_ns: int | None, opts: _Options) -> Decoded:
        if not isinstance(data, dict | list):
            raise DecodeError("wrong_type", f"JSON {json_type(data)} where an object is expected")
        payload_unit = lookup(data, opts.unit_path) if opts.unit_path else _MISSING
        readings, declarations = [], []
        for field in opts.fields:
            found = lookup(data, field.path)
            if found is _MISSING or found is None:
                continue
            value = scalar(found, STATE_WORDS)
            if value is None:
                detail = f"{field.suffix}: JSON {json_type(found)} is not a value"
                raise DecodeError("wrong_type", detail)
            tag = f"{device}/{field.suffix}"
            readings.append(Reading(tag, value, ts_ns))
            unit = field.unit or (payload_unit if isinstance(payload_unit, str) else "")
            if unit:
                declarations.append(declaration(tag, unit, device))
        return Decoded(readings=readings, declarations=declarations)


FORMAT = JsonFormat()
