"""Subscription options: typed look-ups, a per-subscription compile cache, topic-level devices."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from drivers.mqtt.formats.base import DecodeError

T = TypeVar("T")


class OptionsCache(Generic[T]):
    """Compiled subscription options, keyed by the identity of the options mapping.

    Options are compiled once per subscription (the driver keeps its ``Subscription`` objects),
    so a mapping must not be mutated after its first message. Bounded: cleared when full.
    """

    def __init__(self, compile_options: Callable[[Mapping[str, Any]], T], size: int = 256) -> None:
        self._compile = compile_options
        self._size = size
        self._entries: dict[int, tuple[Mapping[str, Any], T]] = {}

    def get(self, options: Mapping[str, Any]) -> T:
        """The compiled form of ``options`` (raises ``invalid_option`` when they are unusable)."""
        entry = self._entries.get(id(options))
        if entry is not None and entry[0] is options:
            return entry[1]
        compiled = self._compile(options)
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[id(options)] = (options, compiled)
        return compiled


def option(options: Mapping[str, Any], key: str, kind: type, default: Any) -> Any:
    """One typed option (``invalid_option`` when it has another type)."""
    value = options.get(key, default)
    if value is default:
        return value
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise DecodeError("invalid_option", f"option {key!r} must be a {kind.__name__}")
    return value


def topic_device(levels: list[str], index: int) -> str:
    """The topic level at ``index`` (0-based, negative from the end) as a device name."""
    try:
        device = levels[index]
    except IndexError:
        raise DecodeError("unexpected_topic", f"no topic level {index}") from None
    if not device:
        raise DecodeError("unexpected_topic", f"empty topic level {index}")
    return device
