"""The ingest pipeline: validation with reasons, dedupe, deadband, live fan-out, back-pressure."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import NS_PER_S, Quality, QuarantineRecord, Reading, SampleBatch
from core.tags import TagInfo, TagRegistry

NOW = 1_800_000_000 * NS_PER_S


class RecordingSink:
    """Keeps what the pipeline hands to the writer and runs the callbacks at once."""

    def __init__(self) -> None:
        self.batches: list[SampleBatch] = []
        self.rejects: list[QuarantineRecord] = []

    def put(
        self, batch: SampleBatch, rejects: list[QuarantineRecord], done: list[Callable[[], None]]
    ) -> None:
        self.batches.append(batch)
        self.rejects.extend(rejects)
        for callback in done:
            callback()

    @property
    def rows(self) -> SampleBatch:
        return SampleBatch.concat(self.batches)


def make(auto_tags: bool = True, **kw: object) -> tuple[IngestPipeline, RecordingSink]:
    registry = TagRegistry(auto_tags=auto_tags)
    sink = RecordingSink()
    return IngestPipeline(registry, sink, Counters(), clock=lambda: NOW, **kw), sink  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        (Reading("m/x", float("nan"), NOW), "non_finite"),
        (Reading("m/x", math.inf, NOW), "non_finite"),
        (Reading("m/x", "12.5", NOW), "wrong_type"),
        (Reading("m/x", None, NOW), "wrong_type"),
        (Reading("m/x", [1, 2], NOW), "wrong_type"),
        (Reading("m/x", 1.0, NOW + 301 * NS_PER_S), "future_timestamp"),
        (Reading("m/x", 1.0, 946_684_799 * NS_PER_S), "too_old"),
        (Reading("m/x", 1.0, "yesterday"), "bad_timestamp"),  # type: ignore[arg-type]
    ],
)
def test_bad_readings_are_quarantined_with_their_reason(reading: Reading, reason: str) -> None:
    pipeline, sink = make()
    pipeline.process([reading, Reading("m/ok", 2.0, NOW)], None, "test", NOW)
    assert [r.reason for r in sink.rejects] == [reason]
    assert sink.rejects[0].source == "test" and "m/x" in sink.rejects[0].tag
    assert len(sink.rows) == 1
    assert pipeline.counters.get(f"rejected.{reason}") == 1
    assert pipeline.counters.get("rejected") == 1


def test_unknown_tag_quarantined_when_auto_tags_is_off() -> None:
    pipeline, sink = make(auto_tags=False)
    pipeline.registry.declare(TagInfo(0, "m/known"), origin="config")
    pipeline.process([Reading("m/new", 1.0, NOW), Reading("m/known", 2.0, NOW)], None, "t", NOW)
    assert [r.reason for r in sink.rejects] == ["unknown_tag"]
    assert pipeline.registry.get("m/new") is None


def test_discovered_tags_are_registered_with_their_device() -> None:
    pipeline, _ = make()
    pipeline.process([Reading("pow1/ENERGY.Power", 12, NOW)], None, "t", NOW)
    tag = pipeline.registry.get("pow1/ENERGY.Power")
    assert tag is not None and tag.device == "pow1" and tag.origin == "discovered"
    assert tag in pipeline.registry.pending()


def test_missing_timestamp_gets_the_receive_time() -> None:
    pipeline, sink = make()
    pipeline.process([Reading("m/x", True)], None, "t", NOW - 5)
    assert sink.rows.ts_ns.tolist() == [NOW - 5] and sink.rows.values.tolist() == [1.0]


def test_in_batch_duplicates_are_dropped_and_counted() -> None:
    pipeline, sink = make()
    readings = [Reading("m/x", 1.0, NOW), Reading("m/x", 9.0, NOW), Reading("m/x", 2.0, NOW + 1)]
    pipeline.process(readings, None, "t", NOW)
    assert sink.rows.values.tolist() == [1.0, 2.0]
    assert pipeline.counters.get("duplicates") == 1


def test_deadband_drops_small_changes_but_not_quality_changes() -> None:
    pipeline, sink = make()
    pipeline.registry.declare(TagInfo(0, "m/t", deadband=0.5), origin="config")
    values = [10.0, 10.2, 10.4, 10.6, 10.7, 11.2]
    readings = [Reading("m/t", v, NOW + i) for i, v in enumerate(values)]
    readings.append(Reading("m/t", 11.2, NOW + 10, Quality.BAD_COMMS_LOST))
    pipeline.process(readings, None, "t", NOW)
    assert sink.rows.values.tolist() == [10.0, 10.6, 11.2, 11.2]
    assert pipeline.counters.get("filtered_deadband") == 3


def test_a_deadband_given_later_applies_from_the_next_batch() -> None:
    """The registry's deadband table is rebuilt when a tag changes (it is cached otherwise)."""
    pipeline, sink = make()
    pipeline.process([Reading("m/t", 10.0, NOW), Reading("m/t", 10.1, NOW + 1)], None, "t", NOW)
    assert pipeline.registry.deadbands() == {}
    pipeline.registry.declare(TagInfo(0, "m/t", deadband=0.5), origin="config")
    assert pipeline.registry.deadbands() == {pipeline.registry.resolve("m/t"): 0.5}
    pipeline.process([Reading("m/t", 10.2, NOW + 2), Reading("m/t", 11.0, NOW + 3)], None, "t", NOW)
    assert sink.rows.values.tolist() == [10.0, 10.1, 11.0]
    pipeline.registry.declare(TagInfo(0, "m/u", deadband=0.0), origin="config")
    assert len(pipeline.registry.deadbands()) == 1


def test_subscribers_see_live_rows_once_and_never_historical_ones() -> None:
    pipeline, _ = make()
    seen: list[list[float]] = []
    pipeline.subscribe(lambda b: seen.append(b.values.tolist()))
    pipeline.process([Reading("m/x", 1.0, NOW)], None, "t", NOW)
    pipeline.process([Reading("m/x", 1.0, NOW)], None, "t", NOW)  # redelivery
    tag_id = pipeline.registry.resolve("m/x")
    old = SampleBatch.from_columns([tag_id], [NOW - 10], [5.0], [0], historical=True)
    pipeline.process(None, old, "import", NOW)
    assert seen == [[1.0]]
    assert pipeline.latest(["m/x"])["m/x"].value == 1.0


def test_a_failing_subscriber_is_counted_and_does_not_stop_the_pipeline() -> None:
    pipeline, sink = make()
    pipeline.subscribe(lambda b: 1 / 0)  # type: ignore[arg-type,func-returns-value]
    pipeline.process([Reading("m/x", 1.0, NOW)], None, "t", NOW)
    assert pipeline.counters.get("subscriber_errors") == 1 and len(sink.rows) == 1


def test_emit_runs_on_durable_after_the_writer_has_the_batch() -> None:
    pipeline, sink = make()
    pipeline.start()
    done = threading.Event()
    assert pipeline.emit([Reading("m/x", 1.0, NOW)], source="t", on_durable=done.set)
    assert done.wait(5)
    pipeline.stop()
    assert len(sink.rows) == 1 and pipeline.counters.get("received") == 1


def test_full_queue_refuses_and_counts_instead_of_blocking() -> None:
    pipeline, _ = make(queue_batches=2)
    assert pipeline.emit([Reading("m/x", 1.0, NOW)], source="t")
    assert pipeline.emit([Reading("m/x", 2.0, NOW + 1)], source="t")
    assert not pipeline.emit([Reading("m/x", 3.0, NOW + 2)], source="t")
    assert pipeline.counters.get("queue_full") == 1


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.booleans(),
    st.text(max_size=5),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a/x", "a/y", "b/z"]), values, st.integers(-5, 5)), max_size=40
    )
)
def test_every_reading_is_either_kept_or_rejected_with_exactly_one_reason(
    rows: list[tuple[str, object, int]],
) -> None:
    pipeline, sink = make()
    readings = [Reading(tag, value, NOW + dt * NS_PER_S * 100) for tag, value, dt in rows]
    pipeline.process(readings, None, "fuzz", NOW)
    kept = len(sink.rows)
    counters = pipeline.counters.snapshot()
    by_reason = sum(v for k, v in counters.items() if k.startswith("rejected."))
    assert by_reason == counters.get("rejected", 0) == len(sink.rejects)
    assert kept + len(sink.rejects) + counters.get("duplicates", 0) == len(readings)
    assert np.isfinite(sink.rows.values).all()


@pytest.mark.parametrize("value", [None, float("nan")])
def test_bad_quality_without_a_value_is_kept_with_the_last_value(value: object) -> None:
    pipeline, sink = make()
    pipeline.process([Reading("m/x", 7.5, NOW)], None, "t", NOW)
    pipeline.process([Reading("m/x", value, NOW + 1, Quality.BAD_COMMS_LOST)], None, "t", NOW)
    assert sink.rows.values.tolist() == [7.5, 7.5]
    assert sink.rows.quality.tolist() == [0, int(Quality.BAD_COMMS_LOST)]
    assert not sink.rejects


def test_good_quality_without_a_value_is_still_rejected() -> None:
    pipeline, sink = make()
    pipeline.process([Reading("m/x", None, NOW)], None, "t", NOW)
    assert [r.reason for r in sink.rejects] == ["wrong_type"]


def test_the_plant_file_wins_over_driver_metadata() -> None:
    pipeline, _ = make()
    pipeline.registry.declare(TagInfo(0, "boiler/temp", unit="degC", eng_max=95.0), origin="config")
    from drivers.base import TagDeclaration

    pipeline.declare([TagDeclaration("boiler/temp", unit="°C", description="Water temperature")])
    tag = pipeline.registry.get("boiler/temp")
    assert tag is not None and tag.unit == "degC" and tag.eng_max == 95.0
    assert tag.description == "Water temperature" and tag.origin == "config"
