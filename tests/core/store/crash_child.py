"""Child process for the crash tests: ingests numbered batches and logs each one made durable.

Usage: python -m tests.core.store.crash_child PLANT_TOML DURABLE_LOG START_BATCH
Batch k holds ROWS samples of tag ``crash/k%TAGS`` at timestamps derived from k, so the parent
can check that every batch logged as durable is in the database (or the spool) after a SIGKILL.
"""

from __future__ import annotations

import os
import sys
import threading
import time

import numpy as np

from core.config import load_config
from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import NS_PER_S, SampleBatch
from core.store.historian import Historian

ROWS = 200
TAGS = 4
T0 = 1_767_225_600 * NS_PER_S


def batch_for(k: int, tag_ids: list[int]) -> SampleBatch:
    """The samples of batch ``k`` (deterministic)."""
    ts = T0 + (k * ROWS + np.arange(ROWS, dtype=np.int64)) * NS_PER_S
    return SampleBatch.from_columns(
        np.full(ROWS, tag_ids[k % TAGS]), ts, np.full(ROWS, float(k)), np.zeros(ROWS)
    )


def main() -> None:
    plant, log_path, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    hist = Historian.open(load_config(plant), Counters())
    tag_ids = [hist.registry.resolve_or_discover(f"crash/t{i}") for i in range(TAGS)]
    hist.start()
    pipeline = IngestPipeline(hist.registry, hist.writer, hist.counters, clock=lambda: T0 + 10**18)
    pipeline.start()
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    lock = threading.Lock()

    def durable(k: int) -> None:
        with lock:
            os.write(log_fd, f"{k}\n".encode())
            os.fsync(log_fd)

    k = start
    while True:
        pipeline.submit(batch_for(k, [t for t in tag_ids if t is not None]), source="crash",
                        on_durable=lambda k=k: durable(k), timeout=30)  # fmt: skip
        k += 1
        time.sleep(0.002)


if __name__ == "__main__":
    main()
