"""Collect readings for a short window and hand them over as one batch (event-loop only)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from core.model import Reading

log = logging.getLogger(__name__)


class ReadingBatcher:
    """Coalesce readings into batches: flushed ``window_s`` after the first one, or when full.

    ``emit`` returns False when the consumer is full; the batch is then kept and retried, and
    beyond ``max_pending`` the oldest readings are dropped and reported to ``on_dropped``.
    Every method must be called on the event loop ``loop``.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        emit: Callable[[list[Reading]], bool],
        *,
        window_s: float = 0.05,
        max_batch: int = 5000,
        max_pending: int = 200_000,
        on_dropped: Callable[[int], None] | None = None,
    ) -> None:
        self._loop = loop
        self._emit = emit
        self._window_s = window_s
        self._max_batch = max_batch
        self._max_pending = max_pending
        self._on_dropped = on_dropped
        self._pending: list[Reading] = []
        self._timer: asyncio.TimerHandle | None = None

    @property
    def pending(self) -> int:
        """Readings waiting to be emitted."""
        return len(self._pending)

    def add(self, readings: Sequence[Reading]) -> None:
        """Queue readings; they are emitted within ``window_s`` (at once when a batch is full)."""
        if not readings:
            return
        self._pending.extend(readings)
        if len(self._pending) >= self._max_batch:
            self.flush()
        elif self._timer is None:
            self._timer = self._loop.call_later(self._window_s, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self.flush()

    def flush(self) -> None:
        """Emit everything pending now; if the consumer refuses, keep it and retry later."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending:
            batch = self._pending[: self._max_batch]
            if not self._emit(batch):
                self._trim()
                self._timer = self._loop.call_later(self._window_s * 4, self._on_timer)
                return
            del self._pending[: len(batch)]

    def _trim(self) -> None:
        excess = len(self._pending) - self._max_pending
        if excess <= 0:
            return
        del self._pending[:excess]
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
            self._pending.clear()
