"""Home Assistant discovery configs -> :class:`Entity` (the parsing half of ``homeassistant``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drivers.base import TagDeclaration
from drivers.mqtt.formats._common import (
    STATE_WORDS,
    declaration,
    json_type,
    parse_json_text,
    payload_text,
)
from drivers.mqtt.formats._ha_template import Template, parse_template
from drivers.mqtt.formats.base import DecodeError

ABBREVIATIONS: dict[str, str] = {
    "stat_t": "state_topic",
    "unit_of_meas": "unit_of_measurement",
    "dev_cla": "device_class",
    "val_tpl": "value_template",
    "stat_val_tpl": "state_value_template",
    "dev": "device",
    "ids": "identifiers",
    "uniq_id": "unique_id",
    "avty_t": "availability_topic",
    "avty": "availability",
    "pl_avail": "payload_available",
    "pl_not_avail": "payload_not_available",
    "pl_on": "payload_on",
    "pl_off": "payload_off",
    "stat_on": "state_on",
    "stat_off": "state_off",
    "t": "topic",
}
"""Home Assistant's abbreviated discovery keys this format reads."""


@dataclass(frozen=True, slots=True)
class Entity:
    """One discovered entity."""

    tag: str
    device: str
    state_topic: str
    template: Template
    states: dict[str, int]
    availability: tuple[tuple[str, str, str], ...]
    """(topic, payload when available, payload when not)."""
    declaration: TagDeclaration


def _expand(config: dict[str, Any], base: object) -> dict[str, Any]:
    expanded = {ABBREVIATIONS.get(key, key): value for key, value in config.items()}
    if isinstance(base, str):
        for key, value in expanded.items():
            if key.endswith("topic") and isinstance(value, str):
                if value.startswith("~"):
                    expanded[key] = base + value[1:]
                elif value.endswith("~"):
                    expanded[key] = value[:-1] + base
    return expanded


def _text(config: dict[str, Any], key: str, default: str = "") -> str:
    value = config.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise DecodeError("wrong_type", f"{key} must be text")
    return str(value)


def _slug(name: str) -> str:
    return "".join(char if char.isalnum() else "_" for char in name.lower()).strip("_")


def _device_key(node_id: str, component: str, device: object) -> tuple[str, str]:
    """(tag prefix, human device name)."""
    info = _expand(device, None) if isinstance(device, dict) else {}
    raw_name = info.get("name")
    name = raw_name if isinstance(raw_name, str) else ""
    ids = info.get("identifiers")
    first_id = ids[0] if isinstance(ids, list) and ids else ids
    identifier = str(first_id) if isinstance(first_id, str | int) and first_id != "" else ""
    key = node_id or identifier or _slug(name)
    return key.replace("/", "_") or component, name or key or component


def _availability(config: dict[str, Any], base: object) -> tuple[tuple[str, str, str], ...]:
    found = []
    items: list[Any] = [config] if "availability_topic" in config else []
    listed = config.get("availability")
    if isinstance(listed, list):
        items += [_expand(item, base) for item in listed if isinstance(item, dict)]
    for item in items:
        topic = item.get("availability_topic", item.get("topic"))
        if isinstance(topic, str) and topic:
            on = _text(item, "payload_available", _text(config, "payload_available", "online"))
            off = _text(item, "payload_not_available", "offline")
            found.append((topic, on, off))
    return tuple(found)


def parse_entity(levels: list[str], raw: dict[str, Any]) -> Entity | None:
    """The entity of a config message (``levels``: component, [node_id,] object_id)."""
    base = raw.get("~")
    config = _expand(raw, base)
    state_topic = config.get("state_topic")
    if state_topic is None:
        return None
    if not isinstance(state_topic, str) or not state_topic:
        raise DecodeError("wrong_type", "state_topic must be non-empty text")
    component, object_id = levels[0], levels[-1]
    device, device_name = _device_key(
        levels[1] if len(levels) == 3 else "", component, config.get("device")
    )
    on = _text(config, "state_on", _text(config, "payload_on", "ON"))
    off = _text(config, "state_off", _text(config, "payload_off", "OFF"))
    template = parse_template(config.get("value_template", config.get("state_value_template")))
    tag = f"{device}/{object_id}"
    description = _text(config, "name") or device_name
    unit = _text(config, "unit_of_measurement")
    device_class = _text(config, "device_class")
    return Entity(
        tag=tag,
        device=device,
        state_topic=state_topic,
        template=template,
        states={**STATE_WORDS, on: 1, off: 0},
        availability=_availability(config, base),
        declaration=declaration(tag, unit, device, device_class, description),
    )


def config_levels(topic: str, prefix: str) -> list[str] | None:
    """(component, [node_id,] object_id) of a discovery topic, or None for another topic."""
    if not topic.startswith(prefix + "/") or not topic.endswith("/config"):
        return None
    levels = topic[len(prefix) + 1 : -len("/config")].split("/")
    return levels if len(levels) in (2, 3) and all(levels) else None


def config_object(payload: bytes) -> dict[str, Any] | None:
    """The JSON object of a config payload, or None for an empty payload (entity removed)."""
    text = payload_text(payload)
    if not text.strip():
        return None
    data = parse_json_text(text)
    if not isinstance(data, dict):
        raise DecodeError("wrong_type", f"config is JSON {json_type(data)}, not an object")
    return data
