"""Thread-safe counters: nothing is dropped, spooled or rejected without one of these moving."""

from __future__ import annotations

import threading
from collections.abc import Mapping


class Counters:
    """Named integer counters and gauges, safe to update from any thread."""

    def __init__(self) -> None:
        self._values: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        """Increase a counter."""
        if amount:
            with self._lock:
                self._values[name] = self._values.get(name, 0) + amount

    def add_many(self, amounts: Mapping[str, int]) -> None:
        """Increase several counters at once."""
        with self._lock:
            for name, amount in amounts.items():
                if amount:
                    self._values[name] = self._values.get(name, 0) + amount

    def set(self, name: str, value: int) -> None:
        """Set a gauge (queue depth, pending spool records)."""
        with self._lock:
            self._values[name] = value

    def get(self, name: str) -> int:
        """Current value (0 when never touched)."""
        return self._values.get(name, 0)

    def snapshot(self) -> dict[str, int]:
        """A copy of every counter."""
        with self._lock:
            return dict(sorted(self._values.items()))
