"""The start-up heap is frozen out of later full collections (both start paths call it)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from core.runtime import freeze_startup_heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freeze_moves_live_objects_out_of_collections(unfrozen: None) -> None:
    kept = [[n] for n in range(10_000)]  # tracked containers alive at "start-up"
    frozen = freeze_startup_heap()
    assert frozen == gc.get_freeze_count() >= len(kept)
    assert gc.get_count()[0] < 100  # the collection before the freeze emptied generation 0
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
