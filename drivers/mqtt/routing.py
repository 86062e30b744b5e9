"""Which subscription (and so which payload format) a received topic belongs to.

The first ``[[mqtt.subscribe]]`` entry whose filter matches wins (config order). Formats that keep
state across messages (Home Assistant discovery) expose ``new_session()``; the router asks for a
fresh session object at every new connection, shared by all subscriptions of that format.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from paho.mqtt.client import topic_matches_sub

from drivers.mqtt.formats.base import PayloadFormat, Subscription

log = logging.getLogger(__name__)

_CACHE_LIMIT = 10_000


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
        self._cache: dict[str, int] = {}
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
        index = self._cache.get(topic)
        if index is None:
            index = self._find(topic)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[topic] = index
        if index < 0:
            return None
        subscription = self._subscriptions[index]
        return subscription, self._sessions[subscription.format]

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
