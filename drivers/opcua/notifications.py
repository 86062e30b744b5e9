"""Data-change notifications of one publish response to one columnar batch of readings.

The same rules as :func:`drivers.opcua.codec.reading_from` (source timestamp wins over the
server's, StatusCode to quality, values made pipeline-friendly). Notifications come either as
:class:`DataChangeColumns` (the fast Publish decoder of :mod:`drivers.opcua.wire` fills them
straight from the wire) or as asyncua's ``MonitoredItemNotification`` objects (Republish, or
when the fast decoder is not in use), which :func:`columns_from_items` turns into the same
columns. Either way one loop fills a :class:`~core.validation.ReadingColumns`: no ``Reading``
object and no function call per notification on the common path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
class DataChangeColumns:
    """One DataChangeNotification as columns: client handle, value, timestamp, status code.

    ``values`` are already pipeline-friendly (:func:`~drivers.opcua.codec.python_value`),
    ``stamps`` the source timestamp in UTC epoch ns (the server's when there is none).
    """

    handles: list[int] = field(default_factory=list)
    values: list[object] = field(default_factory=list)
    stamps: list[int | None] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.handles)


Changes = Sequence[ua.MonitoredItemNotification] | DataChangeColumns
"""The data changes of one DataChangeNotification, decoded by asyncua or by the fast decoder."""


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


def add_data_value(out: DataChangeColumns, handle: int, data: ua.DataValue) -> None:
    """Append one asyncua-decoded DataValue of item ``handle`` to ``out``."""
    variant = data.Value
    value = None if variant is None else variant.Value
    if type(value) not in _PLAIN:
        value = python_value(value)
    stamp = to_ns(data.SourceTimestamp, data.SourcePicoseconds)
    if stamp is None:
        stamp = to_ns(data.ServerTimestamp, data.ServerPicoseconds)
    status = data.StatusCode
    out.handles.append(handle)
    out.values.append(value)
    out.stamps.append(stamp)
    out.codes.append(0 if status is None else int(status.value))


def columns_from_items(items: Sequence[ua.MonitoredItemNotification]) -> DataChangeColumns:
    """asyncua's notification objects as :class:`DataChangeColumns`."""
    columns = DataChangeColumns()
    for item in items:
        add_data_value(columns, item.ClientHandle, item.Value)
    return columns


def change_batch(changes: Changes, tags: Mapping[int, str]) -> ChangeBatch:
    """Readings of ``changes`` for the tags their client handles map to (others are counted)."""
    columns = changes if isinstance(changes, DataChangeColumns) else columns_from_items(changes)
    batch = ChangeBatch(ReadingColumns())
    out = batch.readings
    for handle, value, stamp, code in zip(
        columns.handles, columns.values, columns.stamps, columns.codes, strict=True
    ):
        tag = tags.get(handle)
        if tag is None:
            batch.unknown_handles += 1
            continue
        out.tags.append(tag)
        out.values.append(value)
        out.stamps.append(stamp)
        out.qualities.append(Quality.GOOD if code == 0 else quality_of(code))
        if code & OVERFLOW_BITS == OVERFLOW_BITS:
            batch.overflows += 1
    return batch
