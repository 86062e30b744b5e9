"""Format ``homeassistant``: Home Assistant MQTT discovery, then the discovered state topics.

A discovery message ``<prefix>/<component>/[<node_id>/]<object_id>/config`` (prefix: option
``discovery_prefix``, default ``homeassistant``) holds a JSON entity config, full or abbreviated
keys (``stat_t``, ``unit_of_meas``, ``dev_cla``, ``val_tpl``, ``dev``/``ids``, ``avty_t``...,
with ``~`` as topic base). It yields a :class:`TagDeclaration` named ``<device>/<object_id>``,
where the device is ``node_id``, else the first ``device.identifiers`` entry (stable across
the entities of one device), else the slug of ``device.name``, else the component; with the unit, the device class and ``name`` as description.
An empty config payload removes the entity. A config without ``state_topic`` yields nothing.

The format is stateful in one respect: readings on a ``state_topic`` need the configs seen
before. ``FORMAT.new_session()`` returns a :class:`HomeAssistantSession`, one per broker
connection (not thread-safe: call it from that connection's network thread only). It remembers
up to :data:`MAX_ENTITIES` entities, decodes their state topics through the ``value_template``
(see :mod:`._ha_template`) and their availability topics into :class:`Presence`, and lists in
:meth:`HomeAssistantSession.topics` the topics the driver must subscribe to. Rendered values:
numbers and booleans as such, ``payload_on``/``payload_off`` (``state_on``/``state_off``,
default ``ON``/``OFF``) and ``ON``/``OFF``/``online``/``offline``/``true``/``false`` as 1/0,
numeric text as a number; other text is skipped. State messages carry no timestamp.
``FORMAT.decode`` itself is stateless: it reads configs only and refuses state topics.
"""

from __future__ import annotations

from core.model import Reading
from drivers.mqtt.formats._common import (
    number,
    number_text,
    parse_json_text,
    payload_text,
)
from drivers.mqtt.formats._ha_config import Entity, config_levels, config_object, parse_entity
from drivers.mqtt.formats._options import option
from drivers.mqtt.formats.base import Decoded, DecodeError, Presence, Subscription

MAX_ENTITIES = 10_000
"""Entities one session remembers; more raise ``too_many_entities``."""


def _value(entity: Entity, rendered: object) -> int | float | bool | None:
    if isinstance(rendered, bool):
        return rendered
    if isinstance(rendered, int | float):
        return number(rendered)
    if isinstance(rendered, str):
        state = entity.states.get(rendered)
        return state if state is not None else number_text(rendered.strip())
    return None


class HomeAssistantSession:
    """Discovery state of one broker connection; decodes configs, state and availability."""

    name = "homeassistant"

    def __init__(self, max_entities: int = MAX_ENTITIES) -> None:
        self._max_entities = max_entities
        self._entities: dict[str, Entity] = {}
        self._by_state: dict[str, list[Entity]] = {}
        self._by_availability: dict[str, list[Entity]] = {}

    def topics(self) -> frozenset[str]:
        """The state and availability topics of the known entities (to subscribe to)."""
        return frozenset(self._by_state) | frozenset(self._by_availability)

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode a discovery config, or a state/availability message of a known entity."""
        levels = config_levels(topic, option(sub.options, "discovery_prefix", str, "homeassistant"))
        if levels is not None:
            return self._config(topic, levels, payload)
        entities = self._by_state.get(topic)
        watchers = self._by_availability.get(topic)
        if entities is None and watchers is None:
            raise DecodeError("unexpected_topic", "neither a discovery config nor a known topic")
        text = payload_text(payload)
        result = self._state(entities, text) if entities else Decoded()
        if watchers:
            result.presence = self._presence(topic, watchers, text)
        return result

    def _config(self, topic: str, levels: list[str], payload: bytes) -> Decoded:
        raw = config_object(payload)
        self._forget(topic)
        if raw is None:
            return Decoded()
        entity = parse_entity(levels, raw)
        if entity is None:
            return Decoded()
        if len(self._entities) >= self._max_entities:
            raise DecodeError("too_many_entities", f"more than {self._max_entities} entities")
        self._entities[topic] = entity
        self._by_state.setdefault(entity.state_topic, []).append(entity)
        for watched in {item[0] for item in entity.availability}:
            self._by_availability.setdefault(watched, []).append(entity)
        return Decoded(declarations=[entity.declaration])

    def _forget(self, config_topic: str) -> None:
        entity = self._entities.pop(config_topic, None)
        if entity is None:
            return
        for index, topic in [(self._by_state, entity.state_topic)] + [
            (self._by_availability, item[0]) for item in entity.availability
        ]:
            remaining = [other for other in index.get(topic, []) if other is not entity]
            if remaining:
                index[topic] = remaining
            else:
                index.pop(topic, None)

    @staticmethod
    def _state(entities: list[Entity], text: str) -> Decoded:
        data = None
        if any(entity.template.path is not None for entity in entities):
            data = parse_json_text(text)
        readings = []
        for entity in entities:
            value = _value(entity, entity.template.render(text, data))
            if value is not None:
                readings.append(Reading(entity.tag, value))
        return Decoded(readings=readings)

    @staticmethod
    def _presence(topic: str, watchers: list[Entity], text: str) -> list[Presence]:
        found: dict[str, bool] = {}
        for entity in watchers:
            for watched, on, off in entity.availability:
                if watched == topic and text in (on, off):
                    found[entity.device] = text == on
        return [Presence(device, online) for device, online in found.items()]


class HomeAssistantFormat:
    """Stateless part of the format: reads discovery configs; ``new_session()`` for the rest."""

    name = "homeassistant"

    def new_session(self) -> HomeAssistantSession:
        """A fresh stateful decoder for one broker connection."""
        return HomeAssistantSession()

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Declarations of a discovery config; state topics need :meth:`new_session`."""
        levels = config_levels(topic, option(sub.options, "discovery_prefix", str, "homeassistant"))
        if levels is None:
            raise DecodeError("unexpected_topic", "state topics need FORMAT.new_session()")
        raw = config_object(payload)
        entity = parse_entity(levels, raw) if raw is not None else None
        return Decoded(declarations=[entity.declaration] if entity else [])


FORMAT = HomeAssistantFormat()
