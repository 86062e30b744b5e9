"""The newest stored timestamp of every tag, as two sorted numpy arrays (no per-tag Python work).

The sample writer asks it, for each row of a batch, whether the row can be new: a row newer than
its tag's newest stored timestamp cannot be in the table yet, so only older rows are looked up.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


class NewestTimestamps:
    """Map tag id -> newest stored timestamp; -1 for a tag never stored."""

    def __init__(self) -> None:
        self._tags: IntArray = np.empty(0, dtype=np.int64)
        self._ts: IntArray = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._tags)

    def get(self, tag_id: int) -> int:
        """The newest timestamp of one tag (-1 when unknown)."""
        return int(self.lookup(np.array([tag_id], dtype=np.int64))[0])

    def lookup(self, tag_ids: npt.NDArray[np.integer]) -> IntArray:
        """The newest timestamp of each given tag id (-1 where unknown)."""
        out = np.full(len(tag_ids), -1, dtype=np.int64)
        pos, found = self._find(tag_ids)
        out[found] = self._ts[pos[found]]
        return out

    def _find(
        self, tag_ids: npt.NDArray[np.integer]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
        """Insertion position of each id, and whether the id is already there."""
        pos = np.searchsorted(self._tags, tag_ids)
        found = np.zeros(len(tag_ids), dtype=bool)
        inside = pos < len(self._tags)
        found[inside] = self._tags[pos[inside]] == tag_ids[inside]
        return pos, found

    def per_row(self, tag_ids: npt.NDArray[np.integer]) -> IntArray:
        """For each row of ``tag_ids`` sorted by tag, its tag's newest timestamp."""
        n = len(tag_ids)
        if n == 0:
            return np.empty(0, dtype=np.int64)
        change = np.ones(n, dtype=bool)
        change[1:] = tag_ids[1:] != tag_ids[:-1]
        starts = np.flatnonzero(change)
        return np.repeat(self.lookup(tag_ids[starts]), np.diff(np.append(starts, n)))

    def replace_all(self, tag_ids: npt.ArrayLike, ts: npt.ArrayLike) -> None:
        """Forget everything and load these pairs (one per tag)."""
        tags = np.asarray(tag_ids, dtype=np.int64)
        order = np.argsort(tags, kind="stable")
        self._tags = tags[order]
        self._ts = np.asarray(ts, dtype=np.int64)[order]

    def raise_to(self, tag_ids: npt.NDArray[np.integer], ts: npt.NDArray[np.int64]) -> None:
        """Keep the larger of the known and the given timestamp, per tag (unique, sorted ids)."""
        if len(tag_ids) == 0:
            return
        tags = tag_ids.astype(np.int64, copy=False)
        pos, present = self._find(tags)
        hit = np.zeros(len(tags), dtype=bool)
        hit[present] = ts[present] > self._ts[pos[present]]
        self._ts[pos[hit]] = ts[hit]
        if not present.all():
            new = ~present
            self.replace_all(
                np.concatenate([self._tags, tags[new]]), np.concatenate([self._ts, ts[new]])
            )
