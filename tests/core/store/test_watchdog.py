"""The write watchdog: one reusable thread that still breaks a hung database write."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from core.model import NS_PER_S, SampleBatch
from core.store import database
from core.store.backend import SampleBackend
from core.store.outage import is_outage
from core.store.watchdog import Watchdog

T0 = 1_767_225_600 * NS_PER_S
ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def test_an_expired_deadline_fires_with_its_target() -> None:
    hits: list[object] = []
    fired = threading.Event()
    dog = Watchdog(0.05, lambda target: (hits.append(target), fired.set()))
    try:
        dog.arm("conn-1")
        assert fired.wait(10)
        assert hits == ["conn-1"] and dog.fired == 1
    finally:
        dog.close()


def test_disarmed_writes_never_fire_and_share_one_thread() -> None:
    dog = Watchdog(0.2, lambda target: None)
    try:
        threads = set()
        for k in range(200):
            dog.arm(k)
            threads.add(dog._thread)
            dog.disarm()
        assert len(threads) == 1
        done = threading.Event()
        done.wait(0.4)  # twice the timeout after the last disarm
        assert dog.fired == 0
    finally:
        dog.close()
    assert dog._thread is None


def test_close_stops_the_thread_and_arm_starts_a_new_one() -> None:
    fired = threading.Event()
    dog = Watchdog(0.05, lambda target: fired.set())
    dog.arm(1)
    dog.disarm()
    first = dog._thread
    dog.close()
    assert first is not None and not first.is_alive()
    dog.arm(2)
    try:
        assert fired.wait(10) and dog._thread is not first
    finally:
        dog.close()


def test_a_hung_sqlite_write_is_interrupted_and_counts_as_an_outage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = database.make_engine(database.resolve_url("sqlite:///w.db", tmp_path))
    database.upgrade(engine)
    backend = SampleBackend(engine, write_timeout_s=0.2)

    def hang(cur: Any, batch: SampleBatch) -> int:
        cur.execute(ENDLESS)  # runs until interrupted
        return 0

    monkeypatch.setattr(backend.dialect, "insert_samples", hang)
    batch = SampleBatch.from_columns([1], [T0], [1.0], [0])
    try:
        with pytest.raises(sqlite3.OperationalError) as caught:
            backend.write(batch)
        assert is_outage(caught.value) and backend._watchdog.fired == 1
        monkeypatch.undo()
        stats = backend.write(batch)  # the connection is usable again, the watchdog re-armed
        assert stats.inserted == 1 and backend._watchdog.fired == 1
    finally:
        backend.close()
        engine.dispose()
