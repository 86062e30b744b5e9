"""The handoff thread's settings and the batch it fills between two emits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.columns import MessageColumns
from core.model import Reading
from drivers.base import Backoff
from drivers.mqtt.formats.base import LeafColumns
from drivers.mqtt.inbox import AckEntry


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    """Batching and limits of one handoff thread."""

    source: str
    max_payload_bytes: int
    flush_interval_s: float = 0.05
    max_batch: int = 20_000
    backoff: Backoff = field(default_factory=lambda: Backoff(base_s=0.05, cap_s=1.0))


@dataclass(slots=True)
class Batch:
    """Readings (one segment per message) and the acks of the messages they came from."""

    readings: MessageColumns = field(default_factory=MessageColumns)
    acks: list[AckEntry] = field(default_factory=list)
    started: float | None = None
    """Clock reading at the batch's first message."""

    def __bool__(self) -> bool:
        return bool(self.readings.values or self.acks)  # the list itself: no Python-level len()

    def add(self, readings: Sequence[Reading]) -> None:
        """Append readings; a message's :class:`LeafColumns` become one segment."""
        if type(readings) is LeafColumns:
            self.readings.add(readings.tags, readings.values, readings.ts_ns)
        else:
            self.readings.extend(readings)
