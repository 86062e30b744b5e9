"""Turning driver readings into validated sample arrays; everything refused gets a reason.

Reasons (the quarantine and the ``rejected.<reason>`` counters use exactly these keys):
``unknown_tag`` (auto_tags off), ``wrong_type`` (not a number or bool), ``non_finite`` (NaN, inf),
``future_timestamp`` (more than the tolerance ahead of now), ``too_old`` (before 2000-01-01),
``bad_timestamp`` (not an integer).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from core.columns import LayoutIds, MessageColumns, ReadingColumns
from core.model import NS_PER_S, QuarantineRecord, Reading, SampleBatch

__all__ = [
    "BAD_FLOOR",
    "EPOCH_2000_NS",
    "REASONS",
    "Checked",
    "ReadingColumns",
    "readings_to_batch",
    "validate_batch",
]

EPOCH_2000_NS = 946_684_800 * NS_PER_S
BAD_FLOOR = 128
REASONS = (
    "unknown_tag",
    "wrong_type",
    "non_finite",
    "future_timestamp",
    "too_old",
    "bad_timestamp",
)


_PLAIN_NUMBERS = frozenset({float, int, bool})
_PLAIN_STAMPS = frozenset({int, type(None)})


@dataclass(slots=True)
class Checked:
    """Valid rows as a batch, and the refused ones as quarantine records."""

    batch: SampleBatch
    rejects: list[QuarantineRecord] = field(default_factory=list)


def _number(value: object) -> float | None:
    """A numeric value as float, or None when it is not a number or bool."""
    kind = type(value)
    if kind is float or kind is int or kind is bool:
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, np.integer | np.floating | np.bool_):
        return float(value)
    return None


def readings_to_batch(
    readings: Sequence[Reading],
    resolve: Callable[[str], int | None],
    name_of: Callable[[int], str],
    received_ns: int,
    source: str,
    now_ns: int,
    future_tolerance_ns: int,
    fallback: Callable[[int], float] | None = None,
    layout_ids: LayoutIds | None = None,
) -> Checked:
    """Resolve names, convert values, stamp missing timestamps, then validate.

    ``layout_ids`` keeps the tag ids of :class:`MessageColumns` layouts from one call to the
    next (a tag's id never changes once it has one).
    """
    batch = None
    if type(readings) is MessageColumns:
        batch = _clean_messages(readings, resolve, received_ns, layout_ids)
    elif type(readings) is ReadingColumns:
        batch = _clean_columns(readings, resolve, received_ns)
    if batch is not None:
        return validate_batch(batch, source, now_ns, future_tolerance_ns, name_of, [], fallback)
    ids: list[int] = []
    stamps: list[int] = []
    values: list[float] = []
    qualities: list[int] = []
    rejects: list[QuarantineRecord] = []
    for r in readings:
        tag_id = resolve(r.tag)
        value = r.value
        kind = type(value)
        stamp = received_ns if r.ts_ns is None else r.ts_ns
        if (
            tag_id is not None
            and (kind is float or kind is int or kind is bool)
            and type(stamp) is int
        ):  # the common case, without a call per reading
            ids.append(tag_id)
            stamps.append(stamp)
            values.append(float(value))  # type: ignore[arg-type]
            qualities.append(r.quality)
            continue
        reason = _other_row(r, tag_id, stamp, ids, stamps, values)
        if reason:
            rejects.append(_reject(source, reason, r, now_ns))
        else:
            qualities.append(r.quality)
    batch = SampleBatch(
        np.array(ids, dtype=np.int32),
        np.array(stamps, dtype=np.int64),
        np.array(values, dtype=np.float64),
        np.array(qualities, dtype=np.uint8),
    )
    return validate_batch(batch, source, now_ns, future_tolerance_ns, name_of, rejects, fallback)


def _clean_columns(
    columns: ReadingColumns, resolve: Callable[[str], int | None], received_ns: int
) -> SampleBatch | None:
    """The batch of columns whose tags all resolve and whose values and stamps are plain
    numbers (no row to reject before validation); None otherwise (then: row by row)."""
    names = list(dict.fromkeys(columns.tags))  # resolved (or discovered) in first-seen order
    ids = list(map(resolve, names))
    if None in ids or not _PLAIN_NUMBERS.issuperset(map(type, columns.values)):
        return None
    ids_by_tag = dict(zip(names, ids, strict=True))
    stamp_types = set(map(type, columns.stamps))
    if not _PLAIN_STAMPS.issuperset(stamp_types):
        return None
    stamps = columns.stamps
    if type(None) in stamp_types:
        stamps = [received_ns if stamp is None else stamp for stamp in stamps]
    return SampleBatch(
        np.array(list(map(ids_by_tag.__getitem__, columns.tags)), dtype=np.int32),
        np.array(stamps, dtype=np.int64),
        np.array(columns.values, dtype=np.float64),
        np.array(columns.qualities, dtype=np.uint8),
    )


def _clean_messages(
    columns: MessageColumns,
    resolve: Callable[[str], int | None],
    received_ns: int,
    layout_ids: LayoutIds | None,
) -> SampleBatch | None:
    """As :func:`_clean_columns` for a :class:`MessageColumns`: each layout's tags are
    resolved once, stamps and qualities are repeated per segment in numpy."""
    values, stamps = columns.values, columns.stamps
    if not _PLAIN_NUMBERS.issuperset(map(type, values)):
        return None
    stamp_types = set(map(type, stamps))
    if not _PLAIN_STAMPS.issuperset(stamp_types):
        return None
    if type(None) in stamp_types:
        stamps = [received_ns if stamp is None else stamp for stamp in stamps]
    memo = layout_ids if layout_ids is not None else LayoutIds()
    per_layout = memo.ids(columns.layouts, resolve)
    if per_layout is None:
        return None
    counts = np.array(columns.counts(), dtype=np.int64)
    return SampleBatch(
        np.fromiter(chain.from_iterable(per_layout), dtype=np.int32, count=len(values)),
        np.repeat(np.array(stamps, dtype=np.int64), counts),
        np.array(values, dtype=np.float64),
        np.repeat(np.array(columns.qualities, dtype=np.uint8), counts),
    )


def _other_row(
    r: Reading,
    tag_id: int | None,
    stamp: object,
    ids: list[int],
    stamps: list[int],
    values: list[float],
) -> str:
    """Check and append a reading off the common path; returns the reject reason or ''."""
    if tag_id is None:
        return "unknown_tag"
    number = _number(r.value)
    if number is None:
        if r.value is not None or r.quality < BAD_FLOOR:
            return "wrong_type"
        number = math.nan  # a bad-quality sample without a value: filled in by validate_batch
    if type(stamp) is not int and not isinstance(stamp, np.integer):
        return "bad_timestamp"
    ids.append(tag_id)
    stamps.append(stamp)  # type: ignore[arg-type]
    values.append(number)
    return ""


def _reject(source: str, reason: str, r: Reading, now_ns: int) -> QuarantineRecord:
    value_text = QuarantineRecord.excerpt(repr(r.value), 200)
    sample_ts = r.ts_ns if isinstance(r.ts_ns, int) else None
    return QuarantineRecord(
        source=source,
        reason=reason,
        detail=f"{reason}: tag {r.tag!r} value {value_text}",
        ts_ns=now_ns,
        tag=r.tag[:255],
        value_text=value_text,
        sample_ts_ns=sample_ts,
    )


def validate_batch(
    batch: SampleBatch,
    source: str,
    now_ns: int,
    future_tolerance_ns: int,
    name_of: Callable[[int], str],
    rejects: list[QuarantineRecord] | None = None,
    fallback: Callable[[int], float] | None = None,
) -> Checked:
    """Vectorised checks on an id-keyed batch: finite values, plausible timestamps.

    A bad-quality sample without a usable value (comms lost, sensor fault) is kept, with the
    tag's last value from ``fallback`` (0.0 when none), so the outage itself is recorded.
    """
    rejects = rejects if rejects is not None else []
    bad_value = ~np.isfinite(batch.values)
    if bad_value.any():
        bad_value = _fill_bad_quality(batch, bad_value, fallback)
    future = batch.ts_ns > now_ns + future_tolerance_ns
    old = batch.ts_ns < EPOCH_2000_NS
    bad = bad_value | future | old
    if not bad.any():
        return Checked(batch, rejects)
    for i in np.flatnonzero(bad).tolist():
        reason = "non_finite" if bad_value[i] else "future_timestamp" if future[i] else "too_old"
        rejects.append(_row_reject(batch, i, reason, source, now_ns, name_of))
    return Checked(batch.take(~bad), rejects)


def _fill_bad_quality(
    batch: SampleBatch,
    bad_value: np.ndarray,
    fallback: Callable[[int], float] | None,
) -> np.ndarray:
    """Give non-finite bad-quality rows a stand-in value; returns the rows still to reject."""
    fill = bad_value & (batch.quality >= BAD_FLOOR)
    for i in np.flatnonzero(fill).tolist():
        batch.values[i] = fallback(int(batch.tag_ids[i])) if fallback else 0.0
    return bad_value & ~fill


def _row_reject(
    batch: SampleBatch,
    i: int,
    reason: str,
    source: str,
    now_ns: int,
    name_of: Callable[[int], str],
) -> QuarantineRecord:
    ts = int(batch.ts_ns[i])
    tag = name_of(int(batch.tag_ids[i]))
    value = float(batch.values[i])
    shown = repr(value) if math.isfinite(value) else str(value)
    return QuarantineRecord(
        source=source,
        reason=reason,
        detail=f"{reason}: tag {tag!r} value {shown} at {ts} ns",
        ts_ns=now_ns,
        tag=tag,
        value_text=shown,
        sample_ts_ns=ts,
    )
