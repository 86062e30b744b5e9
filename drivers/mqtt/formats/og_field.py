"""Format ``og-field``: oil & gas field devices on ``og/field/{site}/{device_type}/{device_id}``.

No public specification of this payload exists; this is ControlDeck's design, modelled on the
wellhead/separator/tank monitoring packs of IoT platforms (a status word plus named metrics)::

    {
      "ts": "2024-05-14T09:30:00.250Z",          # optional: ISO-8601 or epoch s/ms
      "state": "WARN",                            # optional: OK | WARN | ALERT
      "metrics": {                                # optional: name -> number or {value, unit}
        "wellhead_pressure": {"value": 1450.2, "unit": "psi"},
        "flow_rate": {"value": 820.5, "unit": "bbl/d"},
        "h2s": 3.1
      },
      "msg": "casing pressure rising"             # optional, ignored
    }

Tags: ``<device_id>/state`` = 0 (OK), 1 (WARN), 2 (ALERT) and ``<device_id>/<metric>``;
declarations carry the unit and ``<device_type> at <site>`` as description (device ids are
expected to be unique across sites). A state other than OK/WARN/ALERT (any case), or a metric
value that is not a number, is ``wrong_type``; a null metric is skipped.
"""

from __future__ import annotations

from core.model import Reading
from drivers.base import TagDeclaration
from drivers.mqtt.formats import _timestamps
from drivers.mqtt.formats._common import declaration, json_type, load_object, number
from drivers.mqtt.formats.base import Decoded, DecodeError, Subscription

STATES: dict[str, int] = {"OK": 0, "WARN": 1, "ALERT": 2}
"""The device state word -> its numeric tag value."""


def _state(device: str, state: object, ts_ns: int | None, about: str) -> Decoded:
    code = STATES.get(state.upper()) if isinstance(state, str) else None
    if code is None:
        raise DecodeError("wrong_type", f"state {str(state)[:16]!r} is not OK/WARN/ALERT")
    tag = f"{device}/state"
    description = f"{about}: 0 OK, 1 WARN, 2 ALERT"
    return Decoded(
        readings=[Reading(tag, code, ts_ns)],
        declarations=[declaration(tag, "", device, "enum", description)],
    )


def _metrics(device: str, metrics: object, ts_ns: int | None, about: str) -> Decoded:
    if not isinstance(metrics, dict):
        raise DecodeError("wrong_type", f"metrics is JSON {json_type(metrics)}, not an object")
    readings: list[Reading] = []
    declarations: list[TagDeclaration] = []
    for name, spec in metrics.items():
        value, unit = (
            (spec.get("value"), spec.get("unit")) if isinstance(spec, dict) else (spec, "")
        )
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise DecodeError("wrong_type", f"{name}: JSON {json_type(value)} is not a number")
        tag = f"{device}/{name}"
        readings.append(Reading(tag, number(value), ts_ns))
        unit_text = unit if isinstance(unit, str) else ""
        declarations.append(declaration(tag, unit_text, device, "", about))
    return Decoded(readings=readings, declarations=declarations)


class OgFieldFormat:
    """``og/field/{site}/{device_type}/{device_id}`` status + metrics."""

    name = "og-field"

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one field-device message."""
        levels = topic.split("/")
        if len(levels) != 5 or levels[:2] != ["og", "field"] or "" in levels:
            raise DecodeError(
                "unexpected_topic", "expected og/field/{site}/{device_type}/{device_id}"
            )
        site, device_type, device = levels[2:]
        data = load_object(payload)
        ts = data.get("ts")
        ts_ns = None if ts is None else _timestamps.timestamp_ns(ts)
        about = f"{device_type} at {site}"
        result = _metrics(device, data.get("metrics") or {}, ts_ns, about)
        state = data.get("state")
        if state is not None:
            head = _state(device, state, ts_ns, about)
            result.readings[:0] = head.readings
            result.declarations[:0] = head.declarations
        return result


FORMAT = OgFieldFormat()
