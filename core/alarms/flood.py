"""Alarm-flood detection per operator position (EEMUA 191: more than 10 alarms in 10 minutes)."""

from __future__ import annotations

from collections import deque

from core.model import NS_PER_S

FLOOD_THRESHOLD = 10
FLOOD_WINDOW_S = 600.0


class FloodDetector:
    """Counts annunciated activations per position in a sliding window.

    A position is *in flood* while its window holds more than ``threshold`` activations; the
    activation that crosses the threshold is already part of the flood.
    """

    def __init__(self, threshold: int = FLOOD_THRESHOLD, window_s: float = FLOOD_WINDOW_S) -> None:
        self.threshold = threshold
        self.window_ns = int(window_s * NS_PER_S)
        self._times: dict[str, deque[int]] = {}
        self._flooding: set[str] = set()

    def in_flood(self, position: str) -> bool:
        """True while the position is in a flood period."""
        return position in self._flooding

    def flooding(self) -> frozenset[str]:
        """Positions in flood now."""
        return frozenset(self._flooding)

    def count(self, position: str) -> int:
        """Activations in the current window of the position."""
        return len(self._times.get(position, ()))

    def register(self, position: str, ts_ns: int) -> bool | None:
        """Count an activation; True if a flood starts, False if one ends, None if no change."""
        times = self._times.setdefault(position, deque())
        times.append(ts_ns)
        self._purge(times, max(ts_ns, times[-1]))
        return self._update(position, len(times))

    def expire(self, now_ns: int) -> list[str]:
        """Positions whose flood ended by ``now_ns`` (window back to the threshold or below)."""
        ended = []
        for position in sorted(self._flooding):
            times = self._times[position]
            self._purge(times, now_ns)
            if self._update(position, len(times)) is False:
                ended.append(position)
        return ended

    def _purge(self, times: deque[int], now_ns: int) -> None:
        while times and times[0] <= now_ns - self.window_ns:
            times.popleft()

    def _update(self, position: str, count: int) -> bool | None:
        flooding = count > self.threshold
        if flooding == (position in self._flooding):
            return None
        if flooding:
            self._flooding.add(position)
        else:
            self._flooding.discard(position)
        return flooding
