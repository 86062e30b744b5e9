"""WAL checkpoints of the SQLite historian on a thread of their own, off the commit path.

With SQLite's default ``wal_autocheckpoint`` the connection that commits copies the WAL back
into the database file (and syncs it) whenever the WAL holds 1,000 pages. A sample transaction
of a plant with thousands of tags touches that many pages by itself (every tag's newest raw,
1-minute and 1-hour page), so every commit paid for a checkpoint before its batch could be
acknowledged. Here the sample connection checkpoints only as a backstop (the WAL beyond
:data:`BACKSTOP_PAGES`), and :class:`WalCheckpointer` runs ``PRAGMA wal_checkpoint(PASSIVE)``
on its own connection after commits, concurrently with the next transaction (WAL lets one
writer and a checkpoint run at once; ``PASSIVE`` never blocks the writer or readers).

Durability is unchanged: a transaction is durable once its WAL frames are written (with
``synchronous=NORMAL``, as before); a checkpoint only moves committed pages into the main file.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

BACKSTOP_PAGES = 16384
"""``wal_autocheckpoint`` of the sample connection: it checkpoints itself beyond 64 MiB of WAL."""
MIN_INTERVAL_S = 0.2
"""Checkpoints start at most this often (each one copies every page committed since the last)."""


class WalCheckpointer:
    """Runs passive WAL checkpoints on a dedicated thread and connection when asked to."""

    def __init__(self, engine: Engine, min_interval_s: float = MIN_INTERVAL_S) -> None:
        self._engine = engine
        self._min_interval_s = min_interval_s
        self._wanted = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0
        self.failures = 0
        self.requests = 0
        """Requests so far (one per commit)."""
        self.covered = 0
        """Requests made before the start of the last checkpoint that succeeded."""
        self.last_result: tuple[int, int, int] | None = None
        """``PRAGMA wal_checkpoint`` of the last success: (busy, WAL frames, frames copied)."""

    def request(self) -> None:
        """Ask for a checkpoint soon (after a commit); starts the thread on first use."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="sqlite-wal-checkpoint", daemon=True
            )
            self._thread.start()
        self.requests += 1
        self._wanted.set()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the thread (a running checkpoint finishes first); idempotent."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop.set()
        self._wanted.set()
        thread.join(timeout)
        if thread.is_alive():
            log.warning("WAL checkpoint thread did not stop within %.0f s", timeout)

    def _run(self) -> None:
        conn: Any = None
        try:
            while not self._stop.is_set():
                self._wanted.wait()
                self._wanted.clear()
                if self._stop.is_set():
                    break
                conn = self._checkpoint(conn, self.requests)
                self._stop.wait(self._min_interval_s)
        finally:
            _close_quietly(conn)

    def _checkpoint(self, conn: Any, requests: int) -> Any:
        """One passive checkpoint; returns the connection to reuse (None after a failure)."""
        try:
            if conn is None:
                conn = self._engine.raw_connection()
            started = time.monotonic()
            cur = conn.cursor()
            cur.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, wal_pages, copied = cur.fetchone()
            cur.close()
            conn.commit()
            self.checkpoints += 1
            self.last_result, self.covered = (int(busy), int(wal_pages), int(copied)), requests
            log.debug(
                "WAL checkpoint: %s of %s pages in %.0f ms (busy=%s)",
                copied,
                wal_pages,
                (time.monotonic() - started) * 1000,
                busy,
            )
            return conn
        except Exception as exc:  # the database away: the writer's own handling reports it
            self.failures += 1
            log.debug("WAL checkpoint failed: %s", exc)
            _close_quietly(conn)
            return None


def _close_quietly(conn: Any) -> None:
    if conn is None:
        return
    try:
        conn.close()
    except Exception:
        log.debug("closing the checkpoint connection failed", exc_info=True)
