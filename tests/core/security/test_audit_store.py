"""The audit trail in a real SQLite store: append-only, S2 tampering with the file, S6, races.

Tampering is done the way an attacker with the database file would: with ``sqlite3`` on a copy,
after dropping the append-only triggers. Every class is caught by ``AuditTrail.verify`` at the
right seq; truncation only with the external checkpoint.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from core.config import load_config
from core.security.audit import AuditTrail
from core.security.chain import ChainHasher
from core.security.checkpoint import Checkpoint
from core.security.events import AuditEvent, Outcome
from core.security.service import SecurityServices
from core.security.writes import close_interrupted_writes
from core.store import database
from core.store.historian import Historian
from tests.core.security.conftest import FakeClock

N = 2_000
WRONG_KEY = b"\x07" * 32


def events(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        AuditEvent(
            "write" if i % 3 else "acknowledge",
            ("alice", "bob", "carl")[i % 3],
            "panel-1",
            target=f"boiler/sp{i % 7}",
            old_value=str(i),
            new_value=str(i + 1),
            reason="test",
            outcome=Outcome.OK,
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def filled(services: SecurityServices) -> SecurityServices:
    services.audit.append_many(events(N))
    return services


def _db_file(historian: Historian) -> Path:
    return Path(str(historian.url.database))


def _copy(historian: Historian, target: Path) -> sqlite3.Connection:
    with sqlite3.connect(_db_file(historian)) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("DROP TRIGGER audit_trail_no_update")
    conn.execute("DROP TRIGGER audit_trail_no_delete")
    return conn


def _trail(path: Path, services: SecurityServices) -> tuple[AuditTrail, Engine]:
    engine = database.make_engine(database.resolve_url(f"sqlite:///{path}", path.parent))
    return AuditTrail(engine, services.keys.audit, services.audit.checkpoint), engine


COLUMNS = "seq, ts_ns, utc_offset_s, username, role, station, action, target, old_value, new_value, reason, outcome, detail, ref_seq, prev_hash, hash"


def _edit(conn: sqlite3.Connection, k: int) -> None:
    conn.execute("UPDATE audit_trail SET new_value = '999' WHERE seq = ?", (k,))


def _delete(conn: sqlite3.Connection, k: int) -> None:
    conn.execute("DELETE FROM audit_trail WHERE seq = ?", (k,))


def _insert(conn: sqlite3.Connection, k: int) -> None:
    conn.execute("UPDATE audit_trail SET seq = -seq WHERE seq >= ?", (k,))
    conn.execute("UPDATE audit_trail SET seq = -seq + 1 WHERE seq < 0")
    row = list(
        conn.execute(f"SELECT {COLUMNS} FROM audit_trail WHERE seq = ?", (k + 1,)).fetchone()
    )
    row[0], row[10] = k, "forged"
    row[15] = ChainHasher(WRONG_KEY).link(row[14], row[:14])
    conn.execute(f"INSERT INTO audit_trail ({COLUMNS}) VALUES ({','.join('?' * 16)})", row)


def _reorder(conn: sqlite3.Connection, k: int) -> None:
    a = conn.execute(f"SELECT {COLUMNS} FROM audit_trail WHERE seq = ?", (k,)).fetchone()
    b = conn.execute(f"SELECT {COLUMNS} FROM audit_trail WHERE seq = ?", (k + 10,)).fetchone()
    names = COLUMNS.split(", ")[1:]
    assignments = ", ".join(f"{n} = ?" for n in names)
    conn.execute(f"UPDATE audit_trail SET {assignments} WHERE seq = ?", (*b[1:], k))
    conn.execute(f"UPDATE audit_trail SET {assignments} WHERE seq = ?", (*a[1:], k + 10))


def _recompute_without_key(conn: sqlite3.Connection, k: int) -> None:
    hasher = ChainHasher(WRONG_KEY)
    prev = conn.execute("SELECT hash FROM audit_trail WHERE seq = ?", (k - 1,)).fetchone()[0]
    conn.execute("UPDATE audit_trail SET reason = 'rewritten' WHERE seq = ?", (k,))
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM audit_trail WHERE seq >= ? ORDER BY seq", (k,)
    ).fetchall()
    conn.execute("BEGIN")
    for row in rows:
        digest = hasher.link(prev, row[:14])
        conn.execute(
            "UPDATE audit_trail SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, row[0])
        )
        prev = digest
    conn.execute("COMMIT")


TAMPERING: dict[str, Callable[[sqlite3.Connection, int], None]] = {
    "field edit": _edit,
    "row delete": _delete,
    "row insert": _insert,
    "reorder": _reorder,
    "recompute without the key": _recompute_without_key,
}


@pytest.mark.parametrize("name", list(TAMPERING))
@pytest.mark.parametrize("k", [2, 1234])
def test_file_tampering_detected(
    tmp_path: Path, historian: Historian, filled: SecurityServices, name: str, k: int
) -> None:
    copy = tmp_path / "tampered.db"
    conn = _copy(historian, copy)
    TAMPERING[name](conn, k)
    conn.close()
    trail, engine = _trail(copy, filled)
    try:
        for use_checkpoint in (False, True):
            report = trail.verify(use_checkpoint=use_checkpoint)
            assert not report.ok and report.first_bad_seq == k, (name, report.describe())
    finally:
        engine.dispose()


@pytest.mark.parametrize("keep", [0, 1500, N - 1])
def test_truncation_detected_only_with_checkpoint(
    tmp_path: Path, historian: Historian, filled: SecurityServices, keep: int
) -> None:
    copy = tmp_path / "truncated.db"
    conn = _copy(historian, copy)
    conn.execute("DELETE FROM audit_trail WHERE seq > ?", (keep,))
    conn.close()
    trail, engine = _trail(copy, filled)
    try:
        assert trail.verify(use_checkpoint=False).ok
        report = trail.verify()
        assert not report.ok and report.first_bad_seq == keep + 1
        assert "tail deleted" in report.describe()
    finally:
        engine.dispose()


def test_intact_trail_verifies(filled: SecurityServices) -> None:
    report = filled.audit.verify()
    assert report.ok and report.rows == N and report.checkpoint_seq == N


def test_trail_is_append_only(filled: SecurityServices, historian: Historian) -> None:
    for statement in (
        "UPDATE audit_trail SET reason = 'x' WHERE seq = 5",
        "DELETE FROM audit_trail WHERE seq = 5",
    ):
        with pytest.raises(DatabaseError, match="append-only"), historian.engine.begin() as conn:
            conn.execute(text(statement))
    assert filled.audit.verify().ok


@pytest.mark.parametrize("damage", ["missing", "forged", "garbage"])
def test_checkpoint_problems_break_verification(filled: SecurityServices, damage: str) -> None:
    path = filled.audit.checkpoint.path
    if damage == "missing":
        path.unlink()
    elif damage == "forged":
        filled.audit.checkpoint.write(Checkpoint.sign(WRONG_KEY, N, "ab" * 32, 0))
    else:
        path.write_text("{not json")
    report = filled.audit.verify()
    assert not report.ok
    assert filled.audit.verify(use_checkpoint=False).ok


def test_lost_checkpoint_is_not_silently_replaced(filled: SecurityServices) -> None:
    """After the checkpoint vanished, appends go on but the anchor is not recreated by them."""
    filled.audit.checkpoint.path.unlink()
    filled.audit.append(events(1)[0])
    assert filled.audit.tamper_suspected and not filled.audit.checkpoint.exists()
    checkpoint = filled.audit.reanchor()
    assert checkpoint.seq == N + 1 and filled.audit.verify().ok
    filled.audit.append(events(1)[0])
    assert filled.audit.checkpoint.read().seq == N + 2  # type: ignore[union-attr]


def test_truncation_while_running_is_not_covered_up(
    tmp_path: Path, historian: Historian, filled: SecurityServices
) -> None:
    """Rows deleted behind the application's back: later appends never move the anchor."""
    with sqlite3.connect(_db_file(historian), isolation_level=None) as conn:
        conn.execute("DROP TRIGGER audit_trail_no_delete")
        conn.execute("DELETE FROM audit_trail WHERE seq > 1900")
    filled.audit.append_many(events(150))
    assert filled.audit.tamper_suspected
    assert filled.audit.checkpoint.read().seq == N  # type: ignore[union-attr]
    assert not filled.audit.verify().ok


def test_clock_stepped_back_and_forward_keeps_seq_monotonic(
    services: SecurityServices, clock: FakeClock
) -> None:
    """S6: wall clock -1 h then +1 h; seq stays 1, 2, 3, ...; the chain verifies."""
    stamps = []
    for step in (0, -3600, 7200, -1):
        clock.advance(step)
        for event in events(5):
            stamps.append(services.audit.append(event).ts_ns)
    records = services.audit.records()
    assert [r.seq for r in records] == list(range(1, 21))
    assert [r.ts_ns for r in records] == stamps and stamps != sorted(stamps)
    assert {r.utc_offset_s for r in records} == {3600}  # Europe/Berlin in January
    assert services.audit.verify().ok


def test_two_writers_race_without_forking_the_chain(
    plant_path: Path, historian: Historian, services: SecurityServices, clock: FakeClock
) -> None:
    """Two engines (as two processes would have) append at once: unique seqs, one chain."""
    engine = database.make_engine(historian.url)
    other = SecurityServices.open(load_config(plant_path), engine, clock=clock)
    errors: list[BaseException] = []

    def work(sec: SecurityServices, offset: int) -> None:
        try:
            for i in range(40):
                sec.audit.append(events(1, offset + i)[0])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s, o)) for s, o in ((services, 0), (other, 100))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    assert errors == []
    records = services.audit.records()
    assert [r.seq for r in records] == list(range(1, 81))
    assert services.audit.verify().ok


def test_pending_rows_found_and_closed(services: SecurityServices) -> None:
    pending = services.audit.append(
        AuditEvent("write", "alice", "panel-1", target="boiler/sp", outcome=Outcome.PENDING)
    )
    services.audit.append(
        AuditEvent("write", "bob", "panel-1", target="press/sp", outcome=Outcome.PENDING)
    )
    services.audit.append(
        AuditEvent(
            "write_result",
            "bob",
            "panel-1",
            target="press/sp",
            outcome=Outcome.CONFIRMED,
            ref_seq=2,
        )
    )
    assert [r.seq for r in services.audit.unresolved_pending()] == [pending.seq]
    (closed,) = close_interrupted_writes(services.audit)
    assert (closed.action, closed.outcome, closed.ref_seq) == (
        "write_result",
        "UNCONFIRMED",
        pending.seq,
    )
    assert services.audit.unresolved_pending() == []
    assert services.audit.verify().ok


def test_audit_chain_on_postgresql(tmp_path: Path, pg_url: str, clock: FakeClock) -> None:
    from tests.core.plant import write_plant
    from tests.core.security.conftest import SECURITY_TOML

    config = load_config(write_plant(tmp_path, url=pg_url, extra=SECURITY_TOML))
    historian = Historian.open(config)
    try:
        sec = SecurityServices.open(config, historian.engine, clock=clock)
        sec.audit.append_many(events(300))
        for event in events(20, 300):
            sec.audit.append(event)
        assert sec.audit.verify().ok and sec.audit.head_seq() == 320
        with pytest.raises(DatabaseError, match="append-only"), historian.engine.begin() as conn:
            conn.execute(text("UPDATE audit_trail SET reason = 'x' WHERE seq = 7"))
        with historian.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_trail DISABLE TRIGGER USER"))
            conn.execute(text("UPDATE audit_trail SET reason = 'x' WHERE seq = 7"))
        report = sec.audit.verify()
        assert not report.ok and report.first_bad_seq == 7
    finally:
        historian.close()
