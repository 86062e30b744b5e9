"""A cheap guard timeout for the one request in flight on a link.

Requests on a :class:`~drivers.modbus.link.ModbusLink` are serialised, so at most one is in
flight. ``asyncio.wait_for`` (a task and a timer per request) or ``asyncio.timeout`` (a timer
per request) cost a timer heap push and cancel on every request, although the guard almost
never fires: pymodbus already times each response out after the unit's ``timeout``. A
:class:`RequestGuard` keeps at most one timer per link instead and re-arms it lazily: starting
a request only notes its task and due time; when the timer fires it cancels the task if that
request is overdue, and otherwise moves itself to the due time of the request now in flight.
Cancellation is reported as ``TimeoutError`` exactly as ``asyncio.timeout`` does: only when the
guard itself cancelled the task and nobody else did.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_EARLY_S = 0.001
"""A timer may fire this much before its time (the loop's clock resolution is far finer)."""


class RequestGuard:
    """Cancels an overdue request with ``TimeoutError``; one timer at most (event loop only)."""

    def __init__(self) -> None:
        self._task: asyncio.Task[object] | None = None
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self._fired = False
        self.expired = 0
        """Requests this guard has cancelled (for diagnostics and tests)."""

    async def run(self, awaitable: Awaitable[T], timeout: float) -> T:
        """Await ``awaitable``; raise ``TimeoutError`` if it is not done within ``timeout`` s."""
        task = asyncio.current_task()
        assert task is not None, "RequestGuard.run needs a task"
        loop = asyncio.get_running_loop()
        cancelling = task.cancelling()
        self._start(loop, task, loop.time() + timeout)
        try:
            return await awaitable
        except asyncio.CancelledError:
            if self._end(task) and task.uncancel() <= cancelling:
                raise TimeoutError(f"no answer within {timeout:g} s") from None
            raise
        finally:
            if self._task is task and self._end(task):
                task.uncancel()  # cancelled at the last moment, but it completed anyway

    def _start(
        self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[object], due: float
    ) -> None:
        self._task, self._due, self._fired = task, due, False
        handle = self._handle
        if handle is None or handle.when() > due:
            if handle is not None:
                handle.cancel()
            self._handle = loop.call_at(due, self._on_timer, loop)

    def _end(self, task: asyncio.Task[object]) -> bool:
        """Forget the request of ``task``; True if the guard cancelled it."""
        fired = self._fired and self._task is task
        self._task, self._fired = None, False
        return fired

    def _on_timer(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = None
        task = self._task
        if task is None or task.done():
            return
        if loop.time() < self._due - _EARLY_S:  # a later request is in flight: move to its due time
            self._handle = loop.call_at(self._due, self._on_timer, loop)
            return
        self._fired = True
        self.expired += 1
        log.debug("request guard: cancelling an overdue request of %s", task.get_name())
        task.cancel()

    def close(self) -> None:
        """Drop the timer (the guard can still be used; it re-arms on the next request)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
