"""The writer lingers for more work only while work arrives close together."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_config
from core.model import SampleBatch
from core.store.historian import Historian
from core.store.writer import HistorianWriter
from tests.core.plant import write_plant


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[HistorianWriter]:
    """A writer whose thread is not running: the test drives its queue."""
    hist = Historian.open(load_config(write_plant(tmp_path, "sqlite:///plant.db")))
    hist.writer.linger_s = 0.05
    yield hist.writer
    hist.close()


def put(writer: HistorianWriter) -> None:
    writer.put(SampleBatch.empty(), [], [])


def test_spaced_work_stops_the_linger_and_a_burst_brings_it_back(
    writer: HistorianWriter,
) -> None:
    assert writer.lingers
    for _ in range(5):
        time.sleep(0.4)  # well apart: one poll every 400 ms
        put(writer)
    assert not writer.lingers
    for _ in range(10):
        put(writer)
    assert writer.lingers


@pytest.mark.parametrize("spaced", [False, True])
def test_collect_waits_for_more_only_while_lingering(writer: HistorianWriter, spaced: bool) -> None:
    """Spaced: what is queued is taken at once; a burst: ``linger_s`` (0.6 s) waited for more."""
    for _ in range(5 if spaced else 1):
        time.sleep(0.4 if spaced else 0.0)
        put(writer)
    if not spaced:
        writer.linger_s, writer.flush_interval_s = 0.6, 2.0
    started = time.monotonic()
    work, stopping = writer._collect()
    took = time.monotonic() - started
    assert len(work) == (5 if spaced else 1) and not stopping
    assert took < 0.3 if spaced else took >= 0.55
