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

import numpy as np

from core.model import NS_PER_S, QuarantineRecord, Reading, SampleBatch

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
) -> Checked:
    """Resolve names, convert values, stamp missing timestamps, then validate."""
    n = len(readings)
    ids = np.zeros(n, dtype=np.int32)
    ts = np.zeros(n, dtype=np.int64)
    values = np.zeros(n, dtype=np.float64)
    quality = np.zeros(n, dtype=np.uint8)
    keep = np.ones(n, dtype=bool)
    rejects: list[QuarantineRecord] = []
    for i, r in enumerate(readings):
        reason = _fill_row(r, i, resolve, received_ns, ids, ts, values, quality)
        if reason:
            keep[i] = False
            rejects.append(_reject(source, reason, r, now_ns))
    batch = SampleBatch(ids, ts, values, quality).take(keep)
    return validate_batch(batch, source, now_ns, future_tolerance_ns, name_of, rejects, fallback)


def _fill_row(
    r: Reading,
    i: int,
    resolve: Callable[[str], int | None],
    received_ns: int,
    ids: np.ndarray,
    ts: np.ndarray,
    values: np.ndarray,
    quality: np.ndarray,
) -> str:
    tag_id = resolve(r.tag)
    if tag_id is None:
        return "unknown_tag"
    number = _number(r.value)
    if number is None:
        if r.value is not None or r.quality < BAD_FLOOR:
            return "wrong_type"
        number = math.nan  # a bad-quality sample without a value: filled in by validate_batch
    stamp = received_ns if r.ts_ns is None else r.ts_ns
    if type(stamp) is not int and not isinstance(stamp, np.integer):
        return "bad_timestamp"
    ids[i], ts[i], values[i], quality[i] = tag_id, stamp, number, int(r.quality)
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
