"""Blocking work (queries, exports, writes, status snapshots) off the GUI thread.

:class:`WorkerPool` runs a callable on a bounded :class:`QThreadPool` and delivers its result
(or its exception) back on the GUI thread through a queued signal. It is small on purpose:
superqt's ``thread_worker`` swaps the process-wide ``warnings`` filters inside every worker,
which is not thread-safe when several workers run at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]


class _Relay(QObject):
    """Lives on the GUI thread; its signals carry a worker's outcome back there."""

    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay, name: str) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self._name = name
        self.setAutoDelete(True)

    def run(self) -> None:
        threading.current_thread().name = f"hmi-worker:{self._name}"
        try:
            result = self._fn()
        except Exception as exc:
            log.warning("background task %s failed: %s", self._name, exc, exc_info=exc)
            self._relay.failed.emit(exc)
            return
        self._relay.done.emit(result)


class WorkerPool:
    """Runs callables in worker threads; results come back on the GUI thread."""

    def __init__(self, max_threads: int = 4) -> None:
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._relays: set[_Relay] = set()
        self.submitted = 0
        self.completed = 0

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: Callback | None = None,
        *,
        context: QObject | None = None,
        name: str = "task",
    ) -> None:
        """Run ``fn()`` in a worker; call ``on_done(result)`` or ``on_error(exc)`` on the GUI thread.

        When ``context`` (usually the requesting widget) is gone by then, nothing is called.
        """
        relay = _Relay()
        self._relays.add(relay)

        def finish(callback: Callback | None, value: Any) -> None:
            self._relays.discard(relay)
            self.completed += 1
            if callback is None or (context is not None and not shiboken6.isValid(context)):
                return
            try:
                callback(value)
            except RuntimeError as exc:  # the receiving widget was deleted meanwhile
                log.debug("result of %s dropped: %s", name, exc)

        relay.done.connect(lambda value: finish(on_done, value))
        relay.failed.connect(lambda exc: finish(on_error, exc))
        self.submitted += 1
        self._pool.start(_Task(fn, relay, name))

    @property
    def pending(self) -> int:
        """Tasks submitted whose result has not been delivered yet."""
        return self.submitted - self.completed

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until every running task finished (shutdown, tests); True when idle."""
        return bool(self._pool.waitForDone(timeout_ms))
