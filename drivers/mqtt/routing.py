"""Which subscription (and so which payload format) a received topic belongs to.

The first ``[[mqtt.subscribe]]`` entry whose filter matches wins (config order). Formats that keep
state across messages (Home Assistant discovery) expose ``new_session()``; the router asks for a
fresh session object at every new connection, shared by all subscriptions of that format.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from paho.mqtt.client import topic_matches_sub

from drivers.mqtt.formats.base import Decoded, PayloadFormat, Subscription

log = logging.getLogger(__name__)

_CACHE_LIMIT = 10_000
_UNKNOWN = object()


class Route(NamedTuple):
    """Where a topic's messages go, with the format's methods looked up once per topic."""

    subscription: Subscription
    format: PayloadFormat
    decode: Callable[[str, bytes, Subscription, int], Decoded]
    """``decode_columns`` when the format has it, else ``decode``."""
    learned: Callable[[], Iterable[str]] | None
    """The format's ``topics()`` (topics it learned, e.g. Home Assistant discovery), if any."""


def _route(subscription: Subscription, payload_format: PayloadFormat) -> Route:
    decode: Any = getattr(payload_format, "decode_columns", None) or payload_format.decode
    learned = getattr(payload_format, "topics", None)
    return Route(subscription, payload_format, decode, learned if callable(learned) else None)


def check_topic_filter(topic: str, *, allow_wildcards: bool) -> str:
    """Validate an MQTT topic (or filter when ``allow_wildcards``); return it unchanged."""
    if not topic or "\x00" in topic or len(topic.encode("utf-8")) > 65535:
        raise ValueError("topic must be a non-empty UTF-8 string without NUL")
    levels = topic.split("/")
    for index, level in enumerate(levels):
        if ("#" in level or "+" in level) and not allow_wildcards:
            raise ValueError("a publish topic may not contain the wildcards + or #")
        if "#" in level and (level != "#" or index != len(levels) - 1):
            raise ValueError("'#' must be a whole level and the last one")
        if "+" in level and level != "+":
            raise ValueError("'+' must be a whole level")
    return topic


def match_filter(topic_filter: str) -> str:
    """The part of a filter that topics are matched against (drops ``$share/<group>/``)."""
    if topic_filter.startswith("$share/"):
        parts = topic_filter.split("/", 2)
        return parts[2] if len(parts) == 3 else topic_filter
    return topic_filter


class Router:
    """Maps topics to (subscription, format) with a bounded per-topic cache."""

    def __init__(
        self, subscriptions: Sequence[Subscription], lookup: Callable[[str], PayloadFormat]
    ) -> None:
        self._subscriptions = list(subscriptions)
        self._filters = [match_filter(s.topic) for s in self._subscriptions]
        self._formats: dict[str, PayloadFormat] = {
            s.format: lookup(s.format) for s in self._subscriptions
        }
        self._sessions: dict[str, PayloadFormat] = dict(self._formats)
        self._cache: dict[str, Route | None] = {}
        self._adopted: dict[str, int] = {}

    @property
    def subscriptions(self) -> list[Subscription]:
        """The subscriptions in config order."""
        return list(self._subscriptions)

    def new_session(self) -> None:
        """Give every stateful format a fresh session (called once per connection)."""
        for name, payload_format in self._formats.items():
            factory = getattr(payload_format, "new_session", None)
            if not callable(factory):
                continue
            try:
                fresh = factory()
            except Exception:
                log.exception("payload format %s: new_session() failed; keeping the old one", name)
                continue
            self._sessions[name] = fresh if fresh is not None else payload_format
        self._cache.clear()  # cached routes hold the old session's methods

    def adopt(self, topics: Iterable[str], subscription: Subscription) -> list[str]:
        """Route exact topics a format learned (Home Assistant state topics) to ``subscription``.

        Returns the topics that are new, which the driver then subscribes to.
        """
        index = self._subscriptions.index(subscription)
        fresh = [t for t in topics if self._adopted.get(t) != index]
        for topic in fresh:
            self._adopted[topic] = index
            self._cache.pop(topic, None)
        return fresh

    def adopted_topics(self) -> list[str]:
        """Every adopted topic (subscribed again on each connection)."""
        return list(self._adopted)

    def route(self, topic: str) -> tuple[Subscription, PayloadFormat] | None:
        """The subscription and format for ``topic``, or None when no filter matches."""
        found = self.resolve(topic)
        return None if found is None else (found.subscription, found.format)

    def resolve(self, topic: str) -> Route | None:
        """The :class:`Route` of ``topic`` (cached per topic), or None when no filter matches."""
        found: Any = self._cache.get(topic, _UNKNOWN)
        if found is _UNKNOWN:
            index = self._find(topic)
            found = None
            if index >= 0:
                subscription = self._subscriptions[index]
                found = _route(subscription, self._sessions[subscription.format])
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[topic] = found
        return found  # type: ignore[no-any-return]

    def _find(self, topic: str) -> int:
        adopted = self._adopted.get(topic)
        if adopted is not None:
            return adopted
        for index, topic_filter in enumerate(self._filters):
            try:
                if topic_matches_sub(topic_filter, topic):
                    return index
            except (ValueError, TypeError):
                continue
        return -1
