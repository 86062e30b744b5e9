"""Debouncing of alarm conditions: deadband state, on-delay and off-delay, per definition.

The *raw* state follows the samples (with the deadband already applied by the caller); the
*condition* follows the raw state once it has held for the on-delay (to become active) or the
off-delay (to clear). Time is whatever the caller passes (sample timestamps, or the injected
clock in :meth:`ConditionTracker.due`), so tests never sleep.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.alarms.index import BoolArray, IntArray
from core.model import NS_PER_S

Edge = tuple[int, bool, int]
"""(definition index, new condition, time in ns)."""


class ConditionTracker:
    """Raw state, condition, pending delay timers for ``n`` definitions."""

    def __init__(self, on_delays_s: Sequence[float], off_delays_s: Sequence[float]) -> None:
        self.on_delay: IntArray = (np.asarray(on_delays_s, dtype=np.float64) * NS_PER_S).astype(
            np.int64
        )
        self.off_delay: IntArray = (np.asarray(off_delays_s, dtype=np.float64) * NS_PER_S).astype(
            np.int64
        )
        n = len(self.on_delay)
        self.raw: BoolArray = np.zeros(n, dtype=bool)
        self.condition: BoolArray = np.zeros(n, dtype=bool)
        self.pending: BoolArray = np.zeros(n, dtype=bool)
        self.raw_since: IntArray = np.zeros(n, dtype=np.int64)

    def _delay(self, d: int) -> int:
        return int(self.on_delay[d] if self.raw[d] else self.off_delay[d])

    def set(self, d: int, condition: bool, since_ns: int) -> None:
        """Force the state (restore at start-up): raw and condition agree, nothing pending."""
        self.raw[d] = condition
        self.condition[d] = condition
        self.pending[d] = False
        self.raw_since[d] = since_ns

    def _fire_if_due(self, d: int, ts: int) -> Edge | None:
        if not self.pending[d] or ts - self.raw_since[d] < self._delay(d):
            return None
        self.pending[d] = False
        self.condition[d] = self.raw[d]
        return d, bool(self.raw[d]), int(self.raw_since[d]) + self._delay(d)

    def feed(self, d: int, raw: bool, ts: int) -> list[Edge]:
        """A new raw state at ``ts``; returns the condition changes it causes (0, 1 or 2)."""
        edges: list[Edge] = []
        due = self._fire_if_due(d, ts)
        if due is not None:
            edges.append(due)
        if raw == self.raw[d]:
            return edges
        self.raw[d] = raw
        self.raw_since[d] = ts
        if raw == self.condition[d]:
            self.pending[d] = False
        elif self._delay(d) <= 0:
            self.condition[d] = raw
            self.pending[d] = False
            edges.append((d, raw, ts))
        else:
            self.pending[d] = True
        return edges

    def due(self, now_ns: int) -> list[Edge]:
        """Condition changes whose delay has elapsed by ``now_ns``, in time order."""
        delays = np.where(self.raw, self.on_delay, self.off_delay)
        ready = np.flatnonzero(self.pending & (now_ns - self.raw_since >= delays))
        edges = [edge for d in ready if (edge := self._fire_if_due(int(d), now_ns)) is not None]
        return sorted(edges, key=lambda edge: edge[2])

    def pending_among(self, defs: IntArray) -> IntArray:
        """The definitions among ``defs`` that have a delay timer running."""
        return defs[self.pending[defs]]
