"""Store-and-forward spool: order, acknowledgement, crash safety, corruption and poison records."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from core.model import SampleBatch
from core.store.spool import Spool, SpoolFull, SpoolInUseError
from core.store.spool_format import HEADER, encode_record

REPO = Path(__file__).resolve().parents[3]


def make_batch(key: int, rows: int | None = None) -> SampleBatch:
    """A deterministic batch for ``key`` (tests compare what comes back against it)."""
    n = key % 7 + 1 if rows is None else rows
    index = np.arange(n)
    return SampleBatch.from_columns(
        (key * 31 + index) % 5000,
        key * 1_000_000 + index,
        key + index / 8.0,
        (key + index) % 3 * 64,
        historical=key % 5 == 0,
    )


def assert_same(actual: SampleBatch, expected: SampleBatch) -> None:
    """Equal column by column, dtypes included, float values compared bit for bit."""
    assert actual.historical == expected.historical
    for name in ("tag_ids", "ts_ns", "values", "quality"):
        got, want = getattr(actual, name), getattr(expected, name)
        assert got.dtype == want.dtype, name
        assert got.tobytes() == want.tobytes(), name


def drain(spool: Spool) -> list[tuple[int, SampleBatch]]:
    """Replay everything: peek, 'store', ack, until the spool is empty."""
    out = []
    while (head := spool.peek()) is not None:
        out.append(head)
        spool.ack(head[0])
    return out


def segment_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("seg-*.spool"))


def fill(directory: Path, keys: range, **options: object) -> list[int]:
    with Spool(directory, fsync=False, **options) as spool:  # type: ignore[arg-type]
        return [spool.append(make_batch(key)) for key in keys]


@pytest.mark.parametrize("rows", [0, 1, 1000])
@pytest.mark.parametrize("historical", [False, True])
def test_batch_round_trips_bit_for_bit(tmp_path: Path, rows: int, historical: bool) -> None:
    values = np.resize(np.array([np.nan, np.inf, -np.inf, -0.0, 1e308, 5e-324]), rows)
    batch = SampleBatch.from_columns(
        np.arange(rows) - 3,
        np.arange(rows) * -7,
        values,
        np.arange(rows) % 256,
        historical=historical,
    )
    with Spool(tmp_path) as spool:
        seq = spool.append(batch)
    with Spool(tmp_path) as spool:
        head = spool.peek()
        assert head is not None and head[0] == seq
        assert_same(head[1], batch)


@pytest.mark.parametrize("segment_bytes", [300, 1 << 20])
@pytest.mark.parametrize("fsync", [True, False])
def test_order_is_kept_across_segments_and_reopen(
    tmp_path: Path, segment_bytes: int, fsync: bool
) -> None:
    with Spool(tmp_path, segment_bytes=segment_bytes, fsync=fsync) as spool:
        seqs = [spool.append(make_batch(key)) for key in range(40)]
    assert seqs == list(range(1, 41))
    assert (len(segment_files(tmp_path)) > 1) == (segment_bytes == 300)
    with Spool(tmp_path, segment_bytes=segment_bytes, fsync=fsync) as spool:
        assert spool.pending_records() == 40
        seqs += [spool.append(make_batch(key)) for key in range(40, 50)]
        replayed = drain(spool)
    assert [seq for seq, _ in replayed] == list(range(1, 51))
    for key, (_seq, batch) in enumerate(replayed):
        assert_same(batch, make_batch(key))


def test_ack_deletes_consumed_segments_and_seq_keeps_counting(tmp_path: Path) -> None:
    fill(tmp_path, range(30), segment_bytes=400)
    files_before = len(segment_files(tmp_path))
    assert files_before > 5
    with Spool(tmp_path, segment_bytes=400, fsync=False) as spool:
        spool.ack(15)
        assert spool.pending_records() == 15
        assert len(segment_files(tmp_path)) < files_before
        assert spool.peek() is not None and spool.peek()[0] == 16  # type: ignore[index]
        spool.ack(30)
        assert segment_files(tmp_path) == []
        assert spool.stats()["replayed"] == 30 and spool.pending_bytes() == 0
    with Spool(tmp_path, fsync=False) as spool:
        assert spool.peek() is None
        assert spool.append(make_batch(99)) == 31


def test_cursor_is_durable_and_ack_is_idempotent(tmp_path: Path) -> None:
    fill(tmp_path, range(10))
    with Spool(tmp_path, fsync=False) as spool:
        spool.ack(4)
        spool.ack(2)  # already stored: no effect
        with pytest.raises(ValueError, match="never appended"):
            spool.ack(11)
    with Spool(tmp_path, fsync=False) as spool:
        assert [seq for seq, _ in drain(spool)] == list(range(5, 11))


def test_a_second_spool_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    with pytest.raises(SpoolInUseError):
        Spool(tmp_path)
    spool.close()
    Spool(tmp_path).close()


def test_spool_full_at_max_bytes_then_room_after_ack(tmp_path: Path) -> None:
    record = len(encode_record(1, make_batch(0, rows=10)))
    with Spool(tmp_path, max_bytes=5 * record, segment_bytes=2 * record, fsync=False) as spool:
        for _ in range(5):
            spool.append(make_batch(0, rows=10))
        with pytest.raises(SpoolFull):
            spool.append(make_batch(0, rows=10))
        assert spool.pending_records() == 5
        spool.ack(2)  # the first segment (records 1-2) is deleted
        assert spool.append(make_batch(0, rows=10)) == 6
        assert [seq for seq, _ in drain(spool)] == [3, 4, 5, 6]


# ------------------------------------------------------------------------ corruption
@pytest.mark.parametrize("cut", ["one_byte", "half_payload", "header_only", "part_header"])
def test_torn_tail_is_truncated_counted_and_appends_continue(tmp_path: Path, cut: str) -> None:
    fill(tmp_path, range(10))
    [segment] = segment_files(tmp_path)
    last = len(encode_record(10, make_batch(9)))
    keep = {
        "one_byte": last - 1,
        "half_payload": HEADER.size + 3,
        "header_only": HEADER.size,
        "part_header": 5,
    }[cut]
    size = segment.stat().st_size
    os.truncate(segment, size - last + keep)
    with Spool(tmp_path, fsync=False) as spool:
        assert spool.stats()["corrupt_skipped"] == 1
        assert segment.stat().st_size == size - last
        assert spool.append(make_batch(9)) == 10
        replayed = drain(spool)
    assert [seq for seq, _ in replayed] == list(range(1, 11))
    for key, (_seq, batch) in enumerate(replayed):
        assert_same(batch, make_batch(key))


def record_offsets(keys: range) -> list[int]:
    offsets, position = [], 0
    for seq, key in enumerate(keys, start=1):
        offsets.append(position)
        position += len(encode_record(seq, make_batch(key)))
    return offsets


@pytest.mark.parametrize(
    ("field", "offset"),
    [
        ("magic", 0),
        ("version", 4),
        ("flags", 5),
        ("seq", 9),
        ("length", 17),
        ("crc", 21),
        ("payload", 30),
    ],
)
def test_bit_flip_in_a_middle_record_is_skipped_and_counted(
    tmp_path: Path, field: str, offset: int
) -> None:
    fill(tmp_path, range(10))
    [segment] = segment_files(tmp_path)
    data = bytearray(segment.read_bytes())
    data[record_offsets(range(10))[4] + offset] ^= 0x10  # record seq 5
    segment.write_bytes(bytes(data))
    with Spool(tmp_path, fsync=False) as spool:
        assert spool.stats()["corrupt_skipped"] == 1, field
        assert spool.pending_records() == 9
        replayed = drain(spool)
        assert spool.stats()["corrupt_skipped"] == 1  # counted once, not again on replay
    assert [seq for seq, _ in replayed] == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    for seq, batch in replayed:
        assert_same(batch, make_batch(seq - 1))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(position=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7))
def test_any_single_bit_flip_loses_exactly_one_record_and_says_so(
    tmp_path: Path, position: float, bit: int
) -> None:
    base = tmp_path / "base"
    if not base.exists():
        fill(base, range(12), segment_bytes=500)
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copytree(base, work, dirs_exist_ok=True)
    files = segment_files(work)
    sizes = [f.stat().st_size for f in files]
    target = int(position * sum(sizes))
    for path, size in zip(files, sizes, strict=True):
        if target < size:
            data = bytearray(path.read_bytes())
            data[target] ^= 1 << bit
            path.write_bytes(bytes(data))
            break
        target -= size
    with Spool(work, fsync=False) as spool:
        replayed = drain(spool)
        assert spool.stats()["corrupt_skipped"] == 1
    seqs = [seq for seq, _ in replayed]
    assert len(seqs) == 11 and seqs == sorted(seqs)
    for seq, batch in replayed:
        assert_same(batch, make_batch(seq - 1))


def test_a_missing_middle_segment_is_counted_not_silent(tmp_path: Path) -> None:
    fill(tmp_path, range(30), segment_bytes=400)
    files = segment_files(tmp_path)
    first_seqs = [int(f.name[4:-6]) for f in files]
    files[2].unlink()
    lost = first_seqs[3] - first_seqs[2]
    with Spool(tmp_path, fsync=False) as spool:
        assert spool.stats()["corrupt_skipped"] == lost
        seqs = [seq for seq, _ in drain(spool)]
    assert seqs == [s for s in range(1, 31) if not first_seqs[2] <= s < first_seqs[3]]


def test_an_unreadable_cursor_replays_rather_than_loses(tmp_path: Path) -> None:
    fill(tmp_path, range(6))
    with Spool(tmp_path, fsync=False) as spool:
        spool.ack(3)
    (tmp_path / "cursor.json").write_text("{not json")
    with Spool(tmp_path, fsync=False) as spool:
        assert [seq for seq, _ in drain(spool)] == [1, 2, 3, 4, 5, 6]


# ------------------------------------------------------------------------ poison records
def test_poisoned_after_three_failures_then_listed_taken_and_requeued(tmp_path: Path) -> None:
    fill(tmp_path, range(5))
    with Spool(tmp_path, fsync=False, clock=lambda: 1_700_000_000_000_000_000) as spool:
        assert [spool.fail(1, "check violation") for _ in range(3)] == [False, False, True]
        assert spool.peek()[0] == 2  # type: ignore[index]
        assert spool.fail(1, "late report") is False  # already out of the way
        with pytest.raises(ValueError, match="oldest pending"):
            spool.fail(3, "not the head")
        [info] = spool.poisoned()
        assert (info.seq, info.reason, info.attempts, info.rows) == (1, "check violation", 3, 1)
        assert info.time_ns == 1_700_000_000_000_000_000
        assert spool.stats()["poisoned"] == 1 and spool.stats()["quarantined"] == 1
        assert spool.pending_records() == 4
        assert_same(spool.take_poisoned(1), make_batch(0))
        assert spool.poisoned() == []
        spool.fail(2, "x")
        spool.fail(2, "x")
        assert spool.fail(2, "x") is True
        assert spool.requeue_poisoned(2) == 6
        assert [seq for seq, _ in drain(spool)] == [3, 4, 5, 6]


def test_failed_attempts_survive_a_restart(tmp_path: Path) -> None:
    fill(tmp_path, range(3))
    with Spool(tmp_path, fsync=False) as spool:
        assert spool.fail(1, "a") is False
        assert spool.fail(1, "b") is False
    with Spool(tmp_path, fsync=False) as spool:
        assert spool.fail(1, "c") is True
        assert spool.peek()[0] == 2  # type: ignore[index]
    with Spool(tmp_path, fsync=False) as spool:
        assert [p.seq for p in spool.poisoned()] == [1]
        spool.delete_poisoned(1)
        assert spool.poisoned() == []


def test_quarantined_record_is_not_replayed_when_the_cursor_lagged(tmp_path: Path) -> None:
    """Crash between writing the poison file and the cursor: the record is not delivered twice."""
    fill(tmp_path, range(3))
    with Spool(tmp_path, fsync=False) as spool:
        for _ in range(3):
            spool.fail(1, "bad")
    (tmp_path / "cursor.json").write_text('{"committed": 0, "attempt_seq": 1, "attempts": 2}')
    with Spool(tmp_path, fsync=False) as spool:
        assert [seq for seq, _ in drain(spool)] == [2, 3]
        assert [p.seq for p in spool.poisoned()] == [1]


def test_r3q_one_poison_record_among_10000_good_ones(tmp_path: Path) -> None:
    """R3q: a record violating a CHECK constraint is quarantined after 3 attempts; 9,999 flow."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute(
        "CREATE TABLE sample (tag INTEGER, ts INTEGER, value REAL, quality INTEGER CHECK (quality < 200))"
    )
    poison_key = 4321
    with Spool(tmp_path / "spool", fsync=False) as spool:
        for key in range(10_000):
            batch = make_batch(key, rows=2)
            if key == poison_key:
                batch.quality[1] = 250
            spool.append(batch)
        delivered, attempts = 0, 0
        while (head := spool.peek()) is not None:
            seq, batch = head
            attempts += 1
            rows = zip(
                batch.tag_ids.tolist(),
                batch.ts_ns.tolist(),
                batch.values.tolist(),
                batch.quality.tolist(),
                strict=True,
            )
            try:
                db.execute("BEGIN")
                db.executemany("INSERT INTO sample VALUES (?, ?, ?, ?)", rows)
                db.execute("COMMIT")
            except sqlite3.IntegrityError as exc:
                db.execute("ROLLBACK")
                spool.fail(seq, str(exc))
                continue
            spool.ack(seq)
            delivered += 1
        assert delivered == 9_999 and attempts == 10_002
        assert [(p.seq, p.attempts) for p in spool.poisoned()] == [(poison_key + 1, 3)]
        assert "CHECK constraint" in spool.poisoned()[0].reason
        assert spool.stats()["pending"] == 0
    assert db.execute("SELECT count(*) FROM sample").fetchone() == (19_998,)


# ------------------------------------------------------------------------ model-based
class SpoolMachine(RuleBasedStateMachine):
    """Random append / ack / fail / reopen sequences against a plain FIFO model."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="spool-model-"))
        self.spool = Spool(self.directory, segment_bytes=250, fsync=False)
        self.model: deque[tuple[int, int]] = deque()
        self.attempts: dict[int, int] = {}
        self.quarantined: list[int] = []
        self.next_key = 0

    @rule(count=st.integers(1, 4))
    def append(self, count: int) -> None:
        for _ in range(count):
            self.model.append((self.spool.append(make_batch(self.next_key)), self.next_key))
            self.next_key += 1

    @precondition(lambda self: self.model)
    @rule(upto=st.integers(0, 5))
    def ack(self, upto: int) -> None:
        seq = self.model[min(upto, len(self.model) - 1)][0]
        self.spool.ack(seq)
        while self.model and self.model[0][0] <= seq:
            self.model.popleft()

    @precondition(lambda self: self.model)
    @rule()
    def fail(self) -> None:
        seq = self.model[0][0]
        self.attempts[seq] = self.attempts.get(seq, 0) + 1
        moved = self.spool.fail(seq, "model")
        assert moved == (self.attempts[seq] == 3)
        if moved:
            self.quarantined.append(seq)
            self.model.popleft()

    @rule()
    def reopen(self) -> None:
        self.spool.close()
        self.spool = Spool(self.directory, segment_bytes=250, fsync=False)

    @invariant()
    def fifo_head_and_counts_match(self) -> None:
        head = self.spool.peek()
        if not self.model:
            assert head is None
            return
        assert head is not None and head[0] == self.model[0][0]
        assert_same(head[1], make_batch(self.model[0][1]))
        assert self.spool.pending_records() == len(self.model)
        assert [p.seq for p in self.spool.poisoned()] == self.quarantined

    def teardown(self) -> None:
        self.spool.close()
        shutil.rmtree(self.directory, ignore_errors=True)


TestSpoolMachine = SpoolMachine.TestCase
TestSpoolMachine.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)


def test_concurrent_producer_and_consumer_keep_order(tmp_path: Path) -> None:
    received: list[tuple[int, SampleBatch]] = []
    with Spool(tmp_path, segment_bytes=2048, fsync=False) as spool:
        producer = threading.Thread(
            target=lambda: [spool.append(make_batch(k)) for k in range(1500)]
        )
        producer.start()
        deadline = time.monotonic() + 30
        while len(received) < 1500 and time.monotonic() < deadline:
            head = spool.peek()
            if head is None:
                time.sleep(0.001)
                continue
            received.append(head)
            spool.ack(head[0])
        producer.join(timeout=10)
        assert spool.stats()["segments"] <= 1
    assert [seq for seq, _ in received] == list(range(1, 1501))
    for seq, batch in received:
        assert_same(batch, make_batch(seq - 1))
