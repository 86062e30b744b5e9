"""The bridge: batches from the ingest thread become at most ten typed updates a second."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from core.model import SampleBatch, now_ns
from hmi.bridge import MAX_RATE_HZ, LiveBridge, LiveUpdate, StationStatus, rate_per_s
from hmi.context import HmiContext
from hmi.workers import WorkerPool


def batches(tags: int, rounds: int, start_ns: int) -> list[SampleBatch]:
    """``rounds`` batches, each with one sample of every tag (ids 1..tags), 1 ms apart."""
    ids = np.arange(1, tags + 1, dtype=np.int32)
    return [
        SampleBatch.from_columns(
            ids, np.full(tags, start_ns + r * 1_000_000), ids * 1.0 + r, np.zeros(tags)
        )
        for r in range(rounds)
    ]


def test_bursts_from_another_thread_are_coalesced_to_at_most_10_hz(qtbot: QtBot) -> None:
    bridge = LiveBridge(WorkerPool())
    bridge.watch(7)
    updates: list[LiveUpdate] = []
    bridge.updated.connect(updates.append)
    bridge.start()
    start = now_ns()
    sent = batches(500, 400, start)

    def produce() -> None:
        for batch in sent:
            bridge.on_batch(batch)
            time.sleep(0.002)

    began = time.monotonic()
    producer = threading.Thread(target=produce)
    producer.start()
    qtbot.waitUntil(lambda: not producer.is_alive(), timeout=20_000)
    qtbot.wait(250)
    elapsed = time.monotonic() - began
    bridge.stop()
    assert updates
    assert len(updates) <= elapsed * MAX_RATE_HZ + 2
    assert sum(u.samples for u in updates) == 500 * 400, "every sample counted"
    last = updates[-1].latest
    assert last[1].value == pytest.approx(1.0 + 399)
    chunks = [u.trend[7] for u in updates if 7 in u.trend]
    ts = np.concatenate([c.ts_ns for c in chunks])
    assert len(ts) == 400 and np.all(np.diff(ts) > 0), "every sample of a watched tag, in order"
    assert all(7 not in u.trend or set(u.trend) == {7} for u in updates)


@pytest.mark.parametrize(
    ("watches", "unwatches", "watched"),
    [([3, 3], [3], {3}), ([3, 3], [3, 3], set()), ([1, 2], [2], {1}), ([], [], set())],
)
def test_watch_is_reference_counted(
    qtbot: QtBot, watches: list[int], unwatches: list[int], watched: set[int]
) -> None:
    bridge = LiveBridge(WorkerPool())
    for tag in watches:
        bridge.watch(tag)
    for tag in unwatches:
        bridge.unwatch(tag)
    assert bridge.watched() == watched


def test_unsorted_and_historical_batches(qtbot: QtBot) -> None:
    bridge = LiveBridge(WorkerPool())
    bridge.watch(2)
    updates: list[LiveUpdate] = []
    bridge.updated.connect(updates.append)
    bridge.on_batch(SampleBatch.from_columns([2, 1, 2], [30, 10, 20], [3.0, 1.0, 2.0], [0, 0, 0]))
    bridge.on_batch(SampleBatch.from_columns([2], [99], [9.0], [0], historical=True))
    bridge.start()
    qtbot.waitUntil(lambda: bool(updates), timeout=2000)
    bridge.stop()
    assert updates[0].latest[2].value == 3.0, "historical rows never overwrite live values"
    assert list(updates[0].trend[2].ts_ns) == [20, 30]


def test_live_updates_and_status_from_the_running_plant(ctx: HmiContext, qtbot: QtBot) -> None:
    tag = ctx.tag("boiler/temperature")
    assert tag is not None
    with qtbot.waitSignal(
        ctx.bridge.updated, timeout=5000, check_params_cb=lambda u: tag.id in u.latest
    ):
        pass
    with qtbot.waitSignal(ctx.bridge.status_changed, timeout=5000) as status:
        pass
    station: StationStatus = status.args[0]
    assert station.collector["store"]["online"]
    assert station.devices["boiler"][0] == "online"
    assert station.devices["oven1"][0] == "online"


def test_rates() -> None:
    assert rate_per_s({"a": 10}, {"a": 30, "b": 5}, 2.0) == {"a": 10.0, "b": 2.5}
    assert rate_per_s({}, {"a": 1}, 0) == {}
