"""Hand readings to the pipeline in batches, keeping what it refuses (event-loop only)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from core.model import Reading
from core.validation import ReadingColumns

log = logging.getLogger(__name__)


class ReadingBatcher:
    """Coalesce readings into batches: flushed ``window_s`` after the first one, or when full.

    With ``window_s = 0`` every :meth:`add` is emitted at once (one publish response, one
    batch). Readings are kept as :class:`~core.validation.ReadingColumns`. ``emit`` returns
    False when the consumer is full; the batch is then kept and retried, and beyond
    ``max_pending`` the oldest readings are dropped and reported to ``on_dropped``.
    Every method must be called on the event loop ``loop``.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        emit: Callable[[Sequence[Reading]], bool],
        *,
        window_s: float = 0.05,
        max_batch: int = 20_000,
        max_pending: int = 200_000,
        on_dropped: Callable[[int], None] | None = None,
    ) -> None:
        self._loop = loop
        self._emit = emit
        self._window_s = window_s
        self._retry_s = max(window_s * 4, 0.05)
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._on_dropped = on_dropped
        self._pending = ReadingColumns()
        self._timer: asyncio.TimerHandle | None = None
        self._retrying = False

    @property
    def pending(self) -> int:
        """Readings waiting to be emitted."""
        return len(self._pending)

    def add(self, readings: Sequence[Reading]) -> None:
        """Queue readings; they are emitted within ``window_s`` (at once when a batch is full)."""
        if not readings:
            return
        _append(self._pending, readings)
        if len(self._pending) >= self._max_batch or self._window_s <= 0:
            if not self._retrying:  # a refused batch waits for its retry
                self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(self._window_s, self._on_timer)

    def _on_timer(self) -> None:
        self._timer, self._retrying = None, False
        self.flush()

    def flush(self) -> None:
        """Emit everything pending now; if the consumer refuses, keep it and retry later."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer, self._retrying = None, False
        while self._pending:
            batch = self._next_batch()
            if not self._emit(batch):
                self._pending = _joined(batch, self._pending)
                self._trim()
                self._timer = self._loop.call_later(self._retry_s, self._on_timer)
                self._retrying = True
                return

    def _next_batch(self) -> ReadingColumns:
        """The first ``max_batch`` pending readings, taken out (no copy when all of them fit)."""
        pending = self._pending
        if len(pending) <= self._max_batch:
            self._pending = ReadingColumns()
            return pending
        return _split(pending, self._max_batch)

    def _trim(self) -> None:
        excess = len(self._pending) - self._max_pending
        if excess <= 0:
            return
        _split(self._pending, excess)
        log.warning("ingest queue full: dropped %d oldest OPC-UA readings", excess)
        if self._on_dropped is not None:
            self._on_dropped(excess)

    def close(self) -> None:
        """Emit what is pending once and stop; what the consumer still refuses is counted as dropped."""
        self.flush()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pending:
            log.warning(
                "closing with a full ingest queue: dropped %d OPC-UA readings", len(self._pending)
            )
            if self._on_dropped is not None:
                self._on_dropped(len(self._pending))
            self._pending = ReadingColumns()


def _append(columns: ReadingColumns, readings: Sequence[Reading]) -> None:
    """Add ``readings`` at the end of ``columns`` (column by column when they are columns)."""
    if type(readings) is ReadingColumns:
        columns.tags.extend(readings.tags)
        columns.values.extend(readings.values)
        columns.stamps.extend(readings.stamps)
        columns.qualities.extend(readings.qualities)
    else:
        columns.extend(readings)


def _split(columns: ReadingColumns, count: int) -> ReadingColumns:
    """Remove the first ``count`` readings from ``columns`` and return them."""
    head = ReadingColumns()
    head.tags, head.values = columns.tags[:count], columns.values[:count]
    head.stamps, head.qualities = columns.stamps[:count], columns.qualities[:count]
    del columns.tags[:count], columns.values[:count]
    del columns.stamps[:count], columns.qualities[:count]
    return head


def _joined(first: ReadingColumns, rest: ReadingColumns) -> ReadingColumns:
    """``first`` followed by ``rest``, as new columns."""
    joined = ReadingColumns()
    _append(joined, first)
    _append(joined, rest)
    return joined
