"""Format ``zerocraftr``: ZeroCraftr edge-agent telemetry on ``zerocraftr/telemetry/<device>``.

The topic and payloads come from the public ZeroCraftr repositories (Lakshit-Startup-Ideas/
ZeroCraftrr: ``iot-edge/mqtt_client.py`` publishes ``zerocraftr/telemetry/<device identifier>``,
``iot-edge/agent.py`` the single-metric shape; Lakshit-ZeroCraftr-ORG/ZeroCraftr-IOT-AI-SaaS:
the metrics-list shape of ``services/edge-agent`` and the flat shape of ``docs/API.md``). All
three shapes are accepted::

    {"device_identifier": "press-07", "timestamp": "2024-05-14T09:30:00Z",
     "metric": "power", "value": 1234.5, "unit": "W"}
    {"version": "1.0", "device_id": "press-07", "ts": "2024-05-14T09:30:00.250Z",
     "metrics": [{"name": "power_active_w", "value": 1012.4, "unit": "W"}], "tags": {...}}
    {"device_id": "dev-001", "timestamp": 1704067200000, "power_w": 1500, "energy_kwh": 2.5,
     "co2_kg": 1.75, "waste_kg": 0.5}

Tags are ``<device>/<metric>`` with the device taken from the topic. Units come from ``unit``,
or for flat fields from the name's suffix (``_w`` W, ``_kw`` kW, ``_wh`` Wh, ``_kwh`` kWh,
``_kg`` kg, ``_v`` V, ``_a`` A, ``_c`` °C, ``_pct`` %). The timestamp is ``timestamp`` or ``ts``
(ISO-8601, or epoch seconds/milliseconds told apart by magnitude). A metric value that is not a
number (or null, skipped) is ``wrong_type``.
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
)
from drivers.mqtt.formats.base import Decoded, DecodeError, Subscription

SUFFIX_UNITS: dict[str, str] = {
    "w": "W",
    "kw": "kW",
    "wh": "Wh",
    "kwh": "kWh",
    "kg": "kg",
    "v": "V",
    "a": "A",
    "c": "°C",
    "pct": "%",
}
_META = frozenset({"timestamp", "ts", "version", "device_id", "device_identifier", "tags"})


def _metric(device: str, name: object, value: object, unit: object, ts_ns: int | None) -> Decoded:
    if not isinstance(name, str) or not name:
        raise DecodeError("wrong_type", f"metric name is JSON {json_type(name)}, not text")
    if value is None:
        return Decoded()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DecodeError(
            "wrong_type", f"{name}: JSON {json_type(value)} where a number is mandatory"
        )
    tag = f"{device}/{name}"
    declarations = [declaration(tag, unit, device)] if isinstance(unit, str) and unit else []
    return Decoded(readings=[Reading(tag, number(value), ts_ns)], declarations=declarations)


class ZeroCraftrFormat:
    """ZeroCraftr telemetry (single metric, metrics list or flat fields)."""

    name = "zerocraftr"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one ``zerocraftr/telemetry/<device>`` message."""
        levels = topic.split("/")
        if len(levels) != 3 or levels[:2] != ["zerocraftr", "telemetry"] or not levels[2]:
            raise DecodeError("unexpected_topic", "expected zerocraftr/telemetry/<device>")
        device = levels[2]
        data = load_object(payload)
        ts = data.get("timestamp", data.get("ts"))
        ts_ns = None if ts is None else _timestamps.timestamp_ns(ts)
        if "metrics" in data:
            return self._metrics(device, data["metrics"], ts_ns)
        if "metric" in data:
            return _metric(device, data["metric"], data.get("value"), data.get("unit"), ts_ns)
        return self._flat(device, data, ts_ns)

    @staticmethod
    def _metrics(device: str, metrics: object, ts_ns: int | None) -> Decoded:
        if not isinstance(metrics, list):
            raise DecodeError("wrong_type", f"metrics is JSON {json_type(metrics)}, not an array")
        result = Decoded()
        for item in metrics:
            if not isinstance(item, dict):
                raise DecodeError("wrong_type", f"metric is JSON {json_type(item)}, not an object")
            one = _metric(device, item.get("name"), item.get("value"), item.get("unit"), ts_ns)
            result.readings += one.readings
            result.declarations += one.declarations
        return result

    @staticmethod
    def _flat(device: str, data: dict[str, Any], ts_ns: int | None) -> Decoded:
        for key, value in data.items():
            if key not in _META and not (value is None or isinstance(value, int | float)):
                raise DecodeError("wrong_type", f"{key}: JSON {json_type(value)} is not a number")
        leaves = flatten(data, [], states=None, skip=_META)
        declarations = []
        for path, key, _value in leaves:
            unit = SUFFIX_UNITS.get(key.rpartition("_")[2]) if "_" in key else None
            if unit:
                declarations.append(declaration(f"{device}/{path}", unit, device))
        return Decoded(readings=leaf_readings(device, leaves, ts_ns), declarations=declarations)


FORMAT = ZeroCraftrFormat()
