"""Data-change notifications of one publish response to one columnar batch of readings.

The same rules as :func:`drivers.opcua.codec.reading_from` (source timestamp wins over the
server's, StatusCode to quality, values made pipeline-friendly), written as one loop over the
notification list that fills a :class:`~core.validation.ReadingColumns` directly: no
``Reading`` object and no function call per notification on the common path (Good status,
plain number, source timestamp without picoseconds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asyncua import ua

from core.model import Quality
from core.validation import ReadingColumns
from drivers.opcua.codec import datetime_to_ns, python_value, quality_of

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_PLAIN = frozenset({float, int, bool, str, type(None)})
OVERFLOW_BITS = 0x0480
"""InfoType DataValue (0x400) + Overflow (0x80): the server's queue of that item overflowed."""


@dataclass(slots=True)
class ChangeBatch:
    """One publish response's data changes as readings, and what could not become one."""

    readings: ReadingColumns
    unknown_handles: int = 0
    overflows: int = 0


def to_ns(moment: datetime | None, picoseconds: int | None) -> int | None:
    """:func:`~drivers.opcua.codec.datetime_to_ns`, with a fast path for UTC-aware moments."""
    if moment is None or moment.tzinfo is None:
        return datetime_to_ns(moment, picoseconds)
    ns = (moment - _EPOCH) // _MICROSECOND * 1000
    return ns + (picoseconds * 10) // 1000 if picoseconds else ns


def change_batch(
    items: Sequence[ua.MonitoredItemNotification], tags: Mapping[int, str]
) -> ChangeBatch:
    """Readings of ``items`` for the tags their client handles map to (others are counted)."""
    batch = ChangeBatch(ReadingColumns())
    out = batch.readings
    for item in items:
        tag = tags.get(item.ClientHandle)
        if tag is None:
            batch.unknown_handles += 1
            continue
        data = item.Value
        variant = data.Value
        value = None if variant is None else variant.Value
        if type(value) not in _PLAIN:
            value = python_value(value)
        stamp = to_ns(data.SourceTimestamp, data.SourcePicoseconds)
        if stamp is None:
            stamp = to_ns(data.ServerTimestamp, data.ServerPicoseconds)
        status = data.StatusCode
        code = 0 if status is None else int(status.value)
        out.tags.append(tag)
        out.values.append(value)
        out.stamps.append(stamp)
        out.qualities.append(Quality.GOOD if code == 0 else quality_of(code))
        if code & OVERFLOW_BITS == OVERFLOW_BITS:
            batch.overflows += 1
    return batch
