"""Spool crash safety: a writer SIGKILLed mid-append, and a write failing part-way."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from core.store.spool import Spool
from tests.core.store.test_spool import REPO, assert_same, drain, make_batch

CHILD = """
import resource, signal, sys
from pathlib import Path
from core.store.spool import Spool
from tests.core.store.test_spool import make_batch
directory, acked, key, max_file = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if max_file:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_file, max_file))
with Spool(directory, segment_bytes=16384) as spool, open(acked, "a") as out:
    while True:
        try:
            seq = spool.append(make_batch(key, rows=key % 300))
        except OSError as exc:
            out.write(f"error {exc.errno}\\n")
            break
        out.write(f"{seq} {key}\\n")
        out.flush()
        key += 1
"""


def acked_lines(path: Path) -> list[tuple[int, int]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [(int(a), int(b)) for a, b in (line.split() for line in lines if line[0].isdigit())]


def run_child(directory: Path, acked: Path, key: int, max_file: int = 0) -> subprocess.Popen[bytes]:
    """A child process appending batches until killed (or until a write fails)."""
    command = [sys.executable, "-c", CHILD, str(directory), str(acked), str(key), str(max_file)]
    return subprocess.Popen(command, cwd=REPO)


def test_sigkill_during_appends_keeps_every_returned_append_in_order(tmp_path: Path) -> None:
    acked, rng = tmp_path / "acked.txt", random.Random(7)
    for _round in range(3):
        before = len(acked_lines(acked))
        key = max((k for _, k in acked_lines(acked)), default=0) + 1
        child = run_child(tmp_path / "spool", acked, key)
        target, deadline = before + rng.randint(20, 200), time.monotonic() + 20
        while (
            len(acked_lines(acked)) < target
            and time.monotonic() < deadline
            and child.poll() is None
        ):
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
    confirmed = dict(acked_lines(acked))
    assert len(confirmed) >= 60
    with Spool(tmp_path / "spool", fsync=False) as spool:
        replayed = drain(spool)
    seqs = [seq for seq, _ in replayed]
    assert seqs == sorted(seqs)
    assert set(confirmed) <= set(seqs), "an append that returned before SIGKILL was lost"
    assert len(seqs) - len(confirmed) <= 3  # at most one append per kill returned unreported
    for seq, batch in replayed:
        if seq in confirmed:
            assert_same(batch, make_batch(confirmed[seq], rows=confirmed[seq] % 300))


def test_write_error_mid_append_leaves_no_torn_record(tmp_path: Path) -> None:
    """R3s-style: RLIMIT_FSIZE makes a write fail part-way; the spool cuts it back."""
    acked = tmp_path / "acked.txt"
    child = run_child(tmp_path / "spool", acked, 1, max_file=10_000)
    assert child.wait(timeout=30) == 0
    assert "error" in acked.read_text()
    confirmed = dict(acked_lines(acked))
    with Spool(tmp_path / "spool", fsync=False) as spool:
        assert spool.stats()["corrupt_skipped"] == 0
        replayed = drain(spool)
    assert [seq for seq, _ in replayed] == sorted(confirmed)
