"""The handoff thread's settings and the batch it fills between two emits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat

from core.model import Quality, Reading
from core.validation import ReadingColumns
from drivers.base import Backoff
from drivers.mqtt.formats.base import LeafColumns
from drivers.mqtt.inbox import AckEntry


@dataclass(frozen=True, slots=True)
class HandoffSettings:
    """Batching and limits of one handoff thread."""

    source: str
    max_payload_bytes: int
    flush_interval_s: float = 0.05
    max_batch: int = 5000
    backoff: Backoff = field(default_factory=lambda: Backoff(base_s=0.05, cap_s=1.0))


@dataclass(slots=True)
class Batch:
    """Readings (as columns) and the acks of the messages they came from."""

    readings: ReadingColumns = field(default_factory=ReadingColumns)
    acks: list[AckEntry] = field(default_factory=list)
    started: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.readings.tags or self.acks)  # the list itself: no Python-level len()

    def add(self, readings: Sequence[Reading]) -> None:
        """Append readings; a message's :class:`LeafColumns` go in column by column."""
        if type(readings) is not LeafColumns:
            self.readings.extend(readings)
            return
        columns = self.readings
        count = len(readings.tags)
        columns.tags.extend(readings.tags)
        columns.values.extend(readings.values)
        columns.stamps.extend(repeat(readings.ts_ns, count))
        columns.qualities.extend(repeat(Quality.GOOD, count))
