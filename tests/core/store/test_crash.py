"""A collector killed with SIGKILL mid-ingest loses nothing it reported as stored (R2, T1 size)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.config import load_config
from core.store.historian import Historian
from core.store.spool_segment import list_segments
from tests.core.plant import write_plant
from tests.core.store.crash_child import ROWS

ROOT = Path(__file__).resolve().parents[3]


def start_child(plant: Path, log: Path, start: int) -> subprocess.Popen[bytes]:
    with open(log.with_suffix(".stderr"), "ab") as err:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.core.store.crash_child",
                str(plant),
                str(log),
                str(start),
            ],
            cwd=ROOT,
            stderr=err,
        )


def durable_batches(log: Path) -> list[int]:
    return [int(x) for x in log.read_text().split()] if log.exists() else []


def wait_for(predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def stored_batches(db: Path) -> dict[int, int]:
    """Batch number -> rows stored (the value of every sample is its batch number)."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT value, count(*) FROM samples GROUP BY value").fetchall()
    return {int(v): n for v, n in rows}


def replay_spool(plant: Path) -> None:
    hist = Historian.open(load_config(plant))
    hist.start()
    wait_for(lambda: hist.spool.pending_records() == 0, 60)
    hist.close()


def kill_after(child: subprocess.Popen[bytes], log: Path, min_batches: int, extra_s: float) -> None:
    try:
        wait_for(lambda: len(durable_batches(log)) >= min_batches or child.poll() is not None, 60)
        assert child.poll() is None, log.with_suffix(".stderr").read_text()
        time.sleep(extra_s)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)


@pytest.mark.slow
def test_sigkill_loop_keeps_every_durable_batch(tmp_path: Path) -> None:
    plant = write_plant(tmp_path)
    log = tmp_path / "durable.log"
    rng = np.random.default_rng(3)
    start = 0
    for _ in range(3):
        child = start_child(plant, log, start)
        kill_after(child, log, len(durable_batches(log)) + 20, float(rng.uniform(0.2, 1.0)))
        replay_spool(plant)
        stored = stored_batches(tmp_path / "plant.db")
        assert all(stored.get(k) == ROWS for k in durable_batches(log))
        assert set(stored.values()) == {ROWS}
        start = max(stored) + 1_000
    assert len(durable_batches(log)) >= 60


@pytest.mark.slow
def test_sigkill_while_spooling_replays_the_spool(tmp_path: Path) -> None:
    """The database is locked by another process (writes fail), so batches go to the spool; kill."""
    plant = write_plant(tmp_path)
    log = tmp_path / "durable.log"
    child = start_child(plant, log, 0)
    wait_for(lambda: len(durable_batches(log)) >= 10, 60)
    blocker = sqlite3.connect(tmp_path / "plant.db", timeout=30)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        spool_dir = tmp_path / "plant.db.spool"
        wait_for(
            lambda: (
                spool_dir.exists()
                and any(p.stat().st_size > 0 for _, p in list_segments(spool_dir))
            ),
            60,
        )
        before = len(durable_batches(log))
        wait_for(lambda: len(durable_batches(log)) >= before + 20, 30)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        blocker.rollback()
        blocker.close()
    durable = durable_batches(log)
    stored_before = stored_batches(tmp_path / "plant.db")
    assert any(k not in stored_before for k in durable), "nothing was pending in the spool"
    replay_spool(plant)
    stored = stored_batches(tmp_path / "plant.db")
    assert all(stored.get(k) == ROWS for k in durable)
    assert set(stored.values()) == {ROWS}, "a batch was stored twice or in part"
