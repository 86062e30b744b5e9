"""Data completeness per tag over a period, from the 1-hour rollups (``n`` samples per hour).

Per tag: the whole hours of the period, how many had data (*coverage*), the samples stored,
how many of bad quality, and *completeness*: the samples present against the tag's nominal
rate, taken as the median samples per hour over the hours with data, each hour counting at
most that many (so a burst cannot hide a gap). A tag with no data at all is 0 % complete.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Engine

from core.model import NS_PER_S
from core.store.dialects import dialect_for
from core.tags import TagInfo

log = logging.getLogger(__name__)

HOUR_NS = 3600 * NS_PER_S
_CHUNK = 64


@dataclass(frozen=True, slots=True)
class TagCompleteness:
    """How complete one tag's data is in the period."""

    tag: str
    device: str
    unit: str
    hours: int
    hours_with_data: int
    samples: int
    bad: int
    nominal_per_h: float | None
    completeness_pct: float

    @property
    def coverage_pct(self) -> float:
        """Hours with at least one sample, in %."""
        return 100.0 * self.hours_with_data / self.hours if self.hours else 0.0

    @property
    def bad_pct(self) -> float | None:
        """Bad-quality samples, in % of the samples (None without samples)."""
        return 100.0 * self.bad / self.samples if self.samples else None


def fetch_rows(engine: Engine, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """Rows through the DBAPI cursor (``?`` placeholders; the fast path for bulk reads)."""
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(sql.replace("?", dialect_for(engine).mark), tuple(params))
        rows = [tuple(r) for r in cur.fetchall()]
        cur.close()
        return rows
    finally:
        conn.close()


def whole_hours(start_ns: int, end_ns: int) -> tuple[int, int]:
    """First hour bucket and number of hour buckets touching ``[start, end)``."""
    first = start_ns - start_ns % HOUR_NS
    return first, max(0, math.ceil((end_ns - first) / HOUR_NS))


def data_completeness(
    engine: Engine, start_ns: int, end_ns: int, tags: Sequence[TagInfo]
) -> list[TagCompleteness]:
    """Completeness of every tag (in the order given), from each tag's histogram of samples per
    hour (one row per distinct count: the database does the heavy lifting)."""
    first, hours = whole_hours(start_ns, end_ns)
    out: list[TagCompleteness] = []
    for lo in range(0, len(tags), _CHUNK):
        chunk = list(tags[lo : lo + _CHUNK])
        marks = ", ".join("?" for _ in chunk)
        rows = fetch_rows(
            engine,
            f"SELECT tag_id, n, COUNT(*), SUM(n_bad) FROM rollup_1h WHERE tag_id IN ({marks}) "
            "AND bucket >= ? AND bucket < ? AND n > 0 GROUP BY tag_id, n ORDER BY tag_id, n",
            [*(t.id for t in chunk), first, end_ns],
        )
        data = np.array(rows, dtype=np.int64).reshape(-1, 4)
        for tag in chunk:
            mine = data[data[:, 0] == tag.id]
            out.append(_one(tag, hours, mine[:, 1], mine[:, 2], int(mine[:, 3].sum())))
    return out


def _one(
    tag: TagInfo, hours: int, per_hour: np.ndarray, hours_with: np.ndarray, bad: int
) -> TagCompleteness:
    """From the distinct samples-per-hour values (ascending) and how many hours had each."""
    if per_hour.size == 0 or hours == 0:
        return TagCompleteness(tag.name, tag.device, tag.unit, hours, 0, 0, 0, None, 0.0)
    covered = int(hours_with.sum())
    nominal = _weighted_median(per_hour, hours_with)
    present = float((np.minimum(per_hour, nominal) * hours_with).sum())
    return TagCompleteness(
        tag.name,
        tag.device,
        tag.unit,
        hours,
        covered,
        int((per_hour * hours_with).sum()),
        bad,
        nominal,
        min(100.0, 100.0 * present / (nominal * hours)),
    )


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of ``values`` repeated ``weights`` times (values ascending), as numpy's."""
    total = int(weights.sum())
    cumulative = np.cumsum(weights)
    low = float(values[int(np.searchsorted(cumulative, (total - 1) // 2, side="right"))])
    high = float(values[int(np.searchsorted(cumulative, total // 2, side="right"))])
    return (low + high) / 2
