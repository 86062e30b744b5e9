"""Last value per tag, kept in memory for the HMI, the alarm engine and ``controldeck tags``.

Values are stored as plain ``(ts_ns, value, quality code)`` tuples, built in bulk from a batch's
arrays; :class:`LiveValue` objects are made when read. Tuples of numbers are not tracked by the
garbage collector, so replacing thousands of values per batch adds no collection work.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model import Quality, SampleBatch
from core.store.batchops import latest_rows

_Stored = tuple[int, float, int]


@dataclass(frozen=True, slots=True)
class LiveValue:
    """The newest value of a tag."""

    ts_ns: int
    value: float
    quality: Quality


def _live(stored: _Stored) -> LiveValue:
    return LiveValue(stored[0], stored[1], Quality(stored[2]))


class LiveCache:
    """Thread-safe map tag id -> :class:`LiveValue`; only newer timestamps replace older ones."""

    def __init__(self) -> None:
        self._values: dict[int, _Stored] = {}
        self._lock = threading.Lock()

    def get(self, tag_id: int) -> LiveValue | None:
        """Newest value of a tag, or None."""
        stored = self._values.get(tag_id)
        return _live(stored) if stored is not None else None

    def snapshot(self) -> dict[int, LiveValue]:
        """A copy of every value."""
        with self._lock:
            stored = list(self._values.items())
        return {tag_id: _live(value) for tag_id, value in stored}

    def timestamps(self) -> dict[int, int]:
        """Each tag's newest timestamp (no value objects are built: cheap over many tags)."""
        with self._lock:
            stored = list(self._values.items())
        return {tag_id: value[0] for tag_id, value in stored}

    def _newest_ts(self, uniq: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        found = map(self._values.get, uniq.tolist())
        return np.array([v[0] if v is not None else -1 for v in found], dtype=np.int64)

    def _cached_ts_per_row(self, tag_ids: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        """For each row, the timestamp cached for its tag (-1 when none)."""
        n = len(tag_ids)
        if n > 1 and bool((tag_ids[1:] >= tag_ids[:-1]).all()):  # sorted: runs of one tag
            starts = np.flatnonzero(np.concatenate(([True], tag_ids[1:] != tag_ids[:-1])))
            counts = np.diff(np.append(starts, n))
            return np.repeat(self._newest_ts(tag_ids[starts]), counts)
        uniq, inverse = np.unique(tag_ids, return_inverse=True)
        return self._newest_ts(uniq)[inverse]

    def update(self, batch: SampleBatch) -> SampleBatch:
        """Apply a batch sorted by (tag, ts); returns the rows newer than what was cached."""
        with self._lock:
            fresh = batch.take(batch.ts_ns > self._cached_ts_per_row(batch.tag_ids))
            newest = latest_rows(fresh)
            for code in set(newest.quality.tolist()) - _CODES:
                Quality(code)  # an unknown code fails here, as building a LiveValue would
            columns = (newest.ts_ns.tolist(), newest.values.tolist(), newest.quality.tolist())
            stored = zip(*columns, strict=True)
            self._values.update(zip(newest.tag_ids.tolist(), stored, strict=True))
            return fresh

    def within_deadband(
        self, tag_id: int, batch: SampleBatch, rows: npt.NDArray[np.intp], deadband: float
    ) -> npt.NDArray[np.bool_]:
        """Which of a tag's rows to keep: outside the deadband of the last kept value."""
        current = self._values.get(tag_id)
        last_value = current[1] if current is not None else None
        last_quality = current[2] if current is not None else None
        keep = np.zeros(len(rows), dtype=bool)
        for k, (value, q) in enumerate(
            zip(batch.values[rows].tolist(), batch.quality[rows].tolist(), strict=True)
        ):
            if last_value is None or q != last_quality or abs(value - last_value) > deadband:
                keep[k] = True
                last_value, last_quality = value, q
        return keep

    def seed(self, values: dict[int, LiveValue]) -> None:
        """Load values read from the store at start-up."""
        with self._lock:
            for tag_id, value in values.items():
                current = self._values.get(tag_id)
                if current is None or value.ts_ns > current[0]:
                    self._values[tag_id] = (value.ts_ns, value.value, int(value.quality))


_CODES = frozenset(int(q) for q in Quality)
