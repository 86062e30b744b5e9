"""One reusable watchdog thread that breaks a database write which hangs.

The sample writer arms it before each transaction and disarms it after; when a write is still
running ``timeout_s`` after it was armed, ``on_expire(target)`` runs on the watchdog's thread
(the dialect then interrupts the statement or shuts the socket down). Arming costs a lock and a
notify, where a ``threading.Timer`` per write started (and tore down) a thread every time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Watchdog:
    """Calls ``on_expire(target)`` when an armed deadline passes before :meth:`disarm`."""

    def __init__(
        self, timeout_s: float, on_expire: Callable[[Any], None], name: str = "write-watchdog"
    ) -> None:
        self.timeout_s = timeout_s
        self._on_expire = on_expire
        self._name = name
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._target: Any = None
        self._closed = False
        self._thread: threading.Thread | None = None
        self.fired = 0

    def arm(self, target: Any) -> None:
        """Start timing an operation on ``target`` (starts the thread on first use)."""
        with self._cond:
            self._target = target
            self._deadline = time.monotonic() + self.timeout_s
            self._closed = False
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify()

    def disarm(self) -> None:
        """The operation finished in time (the thread goes back to waiting, nothing fires)."""
        with self._cond:
            self._deadline = None
            self._target = None

    def close(self) -> None:
        """Stop the thread (a later :meth:`arm` starts a new one)."""
        with self._cond:
            self._closed = True
            self._deadline = None
            self._target = None
            self._cond.notify()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(5.0)

    def _run(self) -> None:
        while True:
            with self._cond:
                target = self._wait_for_expiry()
                if self._closed:
                    return
            self.fired += 1
            try:
                self._on_expire(target)
            except Exception:
                log.exception("watchdog %s: on_expire failed", self._name)

    def _wait_for_expiry(self) -> Any:
        """Wait (holding the condition) until the armed deadline passes; its target."""
        while not self._closed:
            deadline = self._deadline
            if deadline is None:
                self._cond.wait()
                continue
            remaining = deadline - time.monotonic()
            if remaining > 0:
                self._cond.wait(remaining)
                continue
            target, self._target, self._deadline = self._target, None, None
            return target
        return None
