"""What the screenshot tours share: the photographer's queue and waiting without blocking.

A tour is a list of steps the photographer (:mod:`hmi.screenshots`) runs one per event-loop
turn; ``snap(name[, widget])`` saves a picture and ``pending()`` is the queue of remaining
steps, so a step can wait for a worker by re-queueing itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hmi.context import HmiContext

Step = Callable[[], None]
Snap = Callable[..., None]
MAX_WAITS = 120
"""Turns a step waits for its condition before the tour goes on regardless."""


class Tour:
    """The window, the context and the photographer's hooks of one tour."""

    def __init__(
        self, window: Any, ctx: HmiContext, snap: Snap, pending: Callable[[], list[Step]]
    ) -> None:
        self.window, self.ctx, self.snap, self.pending = window, ctx, snap, pending
        self._waits = 0

    def _until(self, done: Callable[[], bool]) -> Step:
        """A step that waits (re-queues itself) until ``done()`` or the wait limit."""

        def wait() -> None:
            if done() or self._waits >= MAX_WAITS:
                self._waits = 0
                return
            self._waits += 1
            self.pending().insert(0, wait)

        return wait
