"""Last value per tag, kept in memory for the HMI, the alarm engine and ``controldeck tags``."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model import Quality, SampleBatch
from core.store.batchops import latest_rows


@dataclass(frozen=True, slots=True)
class LiveValue:
    """The newest value of a tag."""

    ts_ns: int
    value: float
    quality: Quality


class LiveCache:
    """Thread-safe map tag id -> :class:`LiveValue`; only newer timestamps replace older ones."""

    def __init__(self) -> None:
        self._values: dict[int, LiveValue] = {}
        self._lock = threading.Lock()

    def get(self, tag_id: int) -> LiveValue | None:
        """Newest value of a tag, or None."""
        return self._values.get(tag_id)

    def snapshot(self) -> dict[int, LiveValue]:
        """A copy of every value."""
        with self._lock:
            return dict(self._values)

    def _newest_ts(self, uniq: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        values = self._values
        return np.array(
            [v.ts_ns if (v := values.get(t)) is not None else -1 for t in uniq.tolist()],
            dtype=np.int64,
        )

    def update(self, batch: SampleBatch) -> SampleBatch:
        """Apply a batch sorted by (tag, ts); returns the rows newer than what was cached."""
        with self._lock:
            uniq, inverse = np.unique(batch.tag_ids, return_inverse=True)
            fresh = batch.take(batch.ts_ns > self._newest_ts(uniq)[inverse])
            newest = latest_rows(fresh)
            for tag_id, ts, value, q in zip(
                newest.tag_ids.tolist(),
                newest.ts_ns.tolist(),
                newest.values.tolist(),
                newest.quality.tolist(),
                strict=True,
            ):
                self._values[tag_id] = LiveValue(ts, value, Quality(q))
            return fresh

    def within_deadband(
        self, tag_id: int, batch: SampleBatch, rows: npt.NDArray[np.intp], deadband: float
    ) -> npt.NDArray[np.bool_]:
        """Which of a tag's rows to keep: outside the deadband of the last kept value."""
        current = self._values.get(tag_id)
        last_value = current.value if current is not None else None
        last_quality = int(current.quality) if current is not None else None
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
                if current is None or value.ts_ns > current.ts_ns:
                    self._values[tag_id] = value
