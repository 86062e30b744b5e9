"""The period cache: slices keyed by (tag, method, interval), valid while their data is unchanged.

Each entry stores the *fingerprint* of the samples it was computed from (count, newest time and
sum of values around the interval, read cheaply from the hourly rollups). A lookup with a
different fingerprint is a miss: new, late or back-filled samples invalidate exactly the
periods they touch, and only those are recomputed. The cache lives in memory and can be
saved to a JSON file (no pickle) between runs.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from core.analytics.energy.slices import Slice

log = logging.getLogger(__name__)

Fingerprint = tuple[int, int, float]
CacheKey = tuple[str, str, int, int]
"""(tag, method signature, start_ns, end_ns)."""
_FORMAT = 1


class EnergyCache:
    """Thread-safe LRU of slices with fingerprints; ``path`` makes it persistent."""

    def __init__(self, path: Path | None = None, max_entries: int = 500_000) -> None:
        self.path = path
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[CacheKey, tuple[Fingerprint, Slice]] = OrderedDict()
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self.load()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey, fingerprint: Fingerprint) -> Slice | None:
        """The cached slice when its fingerprint still matches."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != fingerprint:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: CacheKey, fingerprint: Fingerprint, value: Slice) -> None:
        """Store a slice (evicting the least recently used beyond ``max_entries``)."""
        with self._lock:
            self._entries[key] = (fingerprint, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def invalidate(self, tag: str | None = None) -> int:
        """Drop the entries of one tag (or all); returns how many."""
        with self._lock:
            doomed = [k for k in self._entries if tag is None or k[0] == tag]
            for key in doomed:
                del self._entries[key]
            return len(doomed)

    def save(self) -> None:
        """Write the cache to ``path`` atomically (no-op without a path)."""
        if self.path is None:
            return
        with self._lock:
            rows = [[list(k), list(fp), s.to_json()] for k, (fp, s) in self._entries.items()]
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"format": _FORMAT, "entries": rows}), encoding="utf-8")
        os.replace(tmp, self.path)

    def load(self) -> None:
        """Read ``path``; an unreadable or foreign file is ignored (logged), never fatal."""
        if self.path is None:
            return
        try:
            data: Any = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != _FORMAT:
                raise ValueError(f"format {data.get('format')!r}")
            entries = [
                (
                    (str(k[0]), str(k[1]), int(k[2]), int(k[3])),
                    (int(f[0]), int(f[1]), float(f[2])),
                    Slice.from_json(s),
                )
                for k, f, s in data["entries"]
            ]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("energy cache %s ignored: %s", self.path, exc)
            return
        with self._lock:
            for key, fingerprint, value in entries:
                self._entries[key] = (fingerprint, value)
