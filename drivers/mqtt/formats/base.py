"""The interface every MQTT payload format implements.

A format turns one MQTT message (topic + payload bytes) into readings, tag declarations and
device-presence events. Formats are pure: no I/O, no clock except the ``received_ns`` they are
given. A payload that cannot be decoded raises :class:`DecodeError` with a machine-readable
reason; the driver quarantines it with the topic and a bounded excerpt of the payload.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.columns import ColumnarReadings
from core.model import Quality, Reading
from drivers.base import TagDeclaration

MAX_PAYLOAD_BYTES = 256 * 1024


class DecodeError(ValueError):
    """A payload this format cannot use; ``reason`` is the counter key (e.g. ``invalid_json``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Presence:
    """A device went online or offline (LWT, availability topic, bridge state)."""

    device: str
    online: bool


@dataclass(frozen=True, slots=True)
class Subscription:
    """One ``[[mqtt.subscribe]]`` entry as a format sees it.

    ``options`` holds the format-specific keys of that table (e.g. the ``json`` field mapping).
    """

    topic: str
    format: str
    options: Mapping[str, Any] = field(default_factory=dict)


class LeafColumns(ColumnarReadings):
    """Good readings of one message sharing one timestamp, kept as a tag and a value column.

    What a columnar decoder (``decode_columns``) yields: the handoff appends the columns to its
    batch (a :class:`~core.columns.MessageColumns` segment) without making a :class:`Reading`
    per value; reading an item builds an equal one. ``tags`` is usually shared by every message
    of the same layout: do not modify it.
    """

    __slots__ = ("tags", "ts_ns", "values")

    def __init__(self, tags: Sequence[str], values: Sequence[Any], ts_ns: int | None) -> None:
        self.tags = tags
        self.values = values
        self.ts_ns = ts_ns

    def __len__(self) -> int:
        return len(self.tags)

    def _at(self, index: int) -> Reading:
        return Reading(self.tags[index], self.values[index], self.ts_ns, Quality.GOOD)

    def __iter__(self) -> Iterator[Reading]:
        ts_ns = self.ts_ns
        return (
            Reading(t, v, ts_ns, Quality.GOOD) for t, v in zip(self.tags, self.values, strict=True)
        )


@dataclass(slots=True)
class Decoded:
    """What one message yielded (``columns``: its readings in columnar form, see
    :class:`LeafColumns`; then ``readings`` is empty)."""

    readings: list[Reading] = field(default_factory=list)
    declarations: list[TagDeclaration] = field(default_factory=list)
    presence: list[Presence] = field(default_factory=list)
    columns: LeafColumns | None = None


class PayloadFormat(Protocol):
    """One payload family (module-level object in ``drivers/mqtt/formats/<name>.py``)."""

    name: str

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Decoded:
        """Decode one message; raise :class:`DecodeError` when it is unusable."""
