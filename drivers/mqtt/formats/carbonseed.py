"""Format ``carbonseed``: the Carbonseed ESP32 machine-monitoring JSON (temperature, gas, vibration).

Public source: the Carbonseed ESP32 sketch (prateek-workspace/carbonseed,
``esp32/carbonseed_sensor.ino``: DHT22, MQ-135, MPU6050, ACS712) builds this object and POSTs it
over HTTP; the backend schema (``backend/app/schemas.py``, ``SensorReadingCreate``) adds an
optional ``timestamp`` and ``pressure``. No MQTT topic is published for it, so ControlDeck takes
the same JSON on any topic (recommended: ``carbonseed/<device_id>/telemetry``)::

    {"device_id": "ESP32-SF-001", "timestamp": "2024-05-14T09:30:00Z",
     "temperature": 24.5, "humidity": 41.0, "gas_index": 112.0,
     "vibration_x": 0.12, "vibration_y": -0.05, "vibration_z": 9.81,
     "power_consumption": 230.0, "pressure": 1013.2}

Tags are ``<device_id>/<field>``; the device is ``device_id`` when present, else the topic level
given by the option ``device_level`` (default: the last level). Units: temperature °C,
humidity %, gas_index (0-500 index, no unit), vibration_x/y/z m/s² (MPU6050 acceleration),
power_consumption W, pressure hPa. These fields must be numbers or null (null is skipped):
anything else is ``wrong_type``. Other top-level numbers are passed on without a unit, except
the metadata ``timestamp``/``ts``/``seq``/``epoch``.
"""

from __future__ import annotations

from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import (
    declaration,
    flatten,
    json_type,
    leaf_readings,
    load_object,
)
from drivers.mqtt.formats._options import option, topic_device
from drivers.mqtt.formats.base import Decoded, DecodeError, Subscription

UNITS: dict[str, str] = {
    "temperature": "°C",
    "humidity": "%",
    "gas_index": "",
    "vibration_x": "m/s²",
    "vibration_y": "m/s²",
    "vibration_z": "m/s²",
    "power_consumption": "W",
    "pressure": "hPa",
}
"""The sketch's fields and their units (all mandatory numbers when present)."""

_META = frozenset({"device_id", "timestamp", "ts", "seq", "epoch"})


class CarbonseedFormat:
    """Carbonseed ESP32 sensor JSON."""

    name = "carbonseed"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one Carbonseed sensor message."""
        data = load_object(payload)
        device = data.get("device_id")
        if device is None:
            device = topic_device(topic.split("/"), option(sub.options, "device_level", int, -1))
        elif not isinstance(device, str) or not device:
            raise DecodeError("wrong_type", f"device_id is JSON {json_type(device)}, not text")
        for key in UNITS.keys() & data.keys():
            value = data[key]
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise DecodeError("wrong_type", f"{key}: JSON {json_type(value)} is not a number")
        ts = data.get("timestamp", data.get("ts"))
        ts_ns = None if ts is None else _timestamps.timestamp_ns(ts)
        top_level = {
            key: value for key, value in data.items() if not isinstance(value, dict | list)
        }
        leaves = flatten(top_level, [], states=None, skip=_META)
        declarations = [
            declaration(f"{device}/{path}", UNITS[key], device)
            for path, key, _value in leaves
            if UNITS.get(key)
        ]
        return Decoded(readings=leaf_readings(device, leaves, ts_ns), declarations=declarations)


FORMAT = CarbonseedFormat()
