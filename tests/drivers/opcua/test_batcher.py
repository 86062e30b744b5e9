"""ReadingBatcher: one emit per window, full batches at once, refusals kept and counted."""

from __future__ import annotations

import asyncio

import pytest

from core.model import Reading
from core.validation import ReadingColumns
from drivers.opcua.batcher import ReadingBatcher


class Consumer:
    def __init__(self) -> None:
        self.batches: list[list[Reading]] = []
        self.accept = True

    def __call__(self, readings: list[Reading]) -> bool:
        if not self.accept:
            return False
        self.batches.append(list(readings))
        return True


def readings(count: int, start: int = 0) -> list[Reading]:
    return [Reading(f"t{i}", float(i), i) for i in range(start, start + count)]


async def test_readings_within_one_window_become_one_batch() -> None:
    consumer = Consumer()
    batcher = ReadingBatcher(asyncio.get_running_loop(), consumer, window_s=0.01)
    for i in range(5):
        batcher.add(readings(1, i))
    assert consumer.batches == [] and batcher.pending == 5
    await asyncio.sleep(0.05)
    assert consumer.batches == [readings(5)]
    batcher.add([])
    await asyncio.sleep(0.03)
    assert len(consumer.batches) == 1, "nothing to emit, no empty batch"


async def test_a_full_batch_is_emitted_at_once() -> None:
    consumer = Consumer()
    batcher = ReadingBatcher(asyncio.get_running_loop(), consumer, window_s=60, max_batch=4)
    batcher.add(readings(3))
    assert consumer.batches == []
    batcher.add(readings(6, 3))
    assert consumer.batches == [readings(4), readings(4, 4), readings(1, 8)], "split at max_batch"
    assert batcher.pending == 0


@pytest.mark.parametrize(("max_pending", "dropped"), [(100, []), (5, [3])])
async def test_a_refusing_consumer_keeps_readings_then_drops_the_oldest(
    max_pending, dropped
) -> None:
    consumer, counted = Consumer(), []
    batcher = ReadingBatcher(
        asyncio.get_running_loop(),
        consumer,
        window_s=60,
        max_pending=max_pending,
        on_dropped=counted.append,
    )
    consumer.accept = False
    batcher.add(readings(8))
    batcher.flush()
    assert counted == dropped
    consumer.accept = True
    batcher.flush()
    kept = 8 - sum(dropped)
    assert consumer.batches == [readings(kept, 8 - kept)], "order kept, oldest dropped"


async def test_close_counts_what_the_consumer_still_refuses() -> None:
    consumer, counted = Consumer(), []
    batcher = ReadingBatcher(
        asyncio.get_running_loop(), consumer, window_s=60, on_dropped=counted.append
    )
    consumer.accept = False
    batcher.add(readings(3))
    batcher.close()
    assert (counted, batcher.pending) == ([3], 0)


def columns(count: int, start: int = 0) -> ReadingColumns:
    out = ReadingColumns()
    out.extend(readings(count, start))
    return out


async def test_without_a_window_each_add_is_one_columnar_emit() -> None:
    emitted: list[object] = []
    batcher = ReadingBatcher(
        asyncio.get_running_loop(), lambda b: emitted.append(b) is None, window_s=0
    )
    batcher.add(columns(1000))
    batcher.add(readings(2, 1000))
    assert [type(b) for b in emitted] == [ReadingColumns, ReadingColumns]
    assert [list(b) for b in emitted] == [readings(1000), readings(2, 1000)]
    assert batcher.pending == 0


async def test_without_a_window_a_refused_batch_waits_for_its_retry_in_order() -> None:
    consumer = Consumer()
    batcher = ReadingBatcher(asyncio.get_running_loop(), consumer, window_s=0)
    consumer.accept = False
    batcher.add(columns(3))
    consumer.accept = True
    batcher.add(columns(2, 3))
    assert consumer.batches == [] and batcher.pending == 5, "no emit before the retry"
    batcher.flush()  # what the retry timer does
    assert consumer.batches == [readings(5)]
