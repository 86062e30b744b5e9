"""The SQL journal, the state store, restarts, a 1,000-alarm flood, and the alembic revision."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text

from core.alarms.engine import AlarmEngine
from core.alarms.journal import SqlJournal, read_journal
from core.alarms.permissions import AllowAll
from core.alarms.state_store import AlarmStateStore
from core.alarms.states import AlarmState, Event
from core.alarms.tables import ALARM_TABLES, alarm_journal
from core.store.database import current_revision, make_engine, resolve_url, upgrade
from core.store.schema import metadata

from .conftest import T0, FakeClock, Resolver, S, batch, definitions

RAW = [
    {"tag": "a", "type": "high", "limit": 10, "priority": "high", "area": "boiler"},
    {"tag": "b", "type": "high", "limit": 10},
    {"tag": "c", "type": "high", "limit": 10},
    {"tag": "d", "type": "low", "limit": 0, "latched": True},
]


def new_engine(db: Engine, clock: FakeClock, resolver: Resolver) -> tuple[AlarmEngine, SqlJournal]:
    journal = SqlJournal(db)
    engine = AlarmEngine(definitions(*RAW), resolver, journal, AllowAll(), clock=clock)
    engine.restore(AlarmStateStore(db).load())
    return engine, journal


def test_restart_keeps_unacknowledged_shelved_and_out_of_service(db: Engine) -> None:
    clock, resolver = FakeClock(), Resolver()
    engine, journal = new_engine(db, clock, resolver)
    rows = [(resolver(tag), 1, 50.0) for tag in ("a", "b", "c")] + [(resolver("d"), 1, -1.0)]
    engine.evaluate(batch(rows), T0 + S)
    clock.at(2)
    engine.shelve("b:high", 600, "transmitter drift", "ann")
    engine.remove_from_service("c:high", "WO-17", "eve")
    engine.evaluate(batch([(resolver("d"), 3, 5.0)]), T0 + 3 * S)  # d latches
    before = engine.snapshot()
    assert journal.pending == 0 and journal.written == len(read_journal(db))

    clock.at(60)
    restarted, _ = new_engine(db, clock, resolver)
    assert restarted.snapshot() == before
    assert {r.name: r.state for r in restarted.alarms()} == {
        "a:high": AlarmState.UNACK,
        "b:high": AlarmState.SHELVED,
        "c:high": AlarmState.OUT_OF_SERVICE,
        "d:low": AlarmState.LATCHED,
    }
    assert restarted.state("b:high").shelve_reason == "transmitter drift"
    assert restarted.state("c:high").oos_reference == "WO-17"
    # the restored alarm still behaves: ack works, the shelf expires on time, process clears
    restarted.acknowledge(["a:high"], "ann")
    [expired] = restarted.tick(T0 + 603 * S)
    assert (expired.event, expired.to_state) == (Event.SHELVE_EXPIRED, AlarmState.UNACK)
    restarted.evaluate(batch([(resolver("a"), 604, 1.0)]), T0 + 604 * S)
    assert restarted.state("a:high").state is AlarmState.NORMAL


def test_journal_rows_carry_time_value_user_and_comment(db: Engine) -> None:
    clock, resolver = FakeClock(), Resolver()
    engine, _ = new_engine(db, clock, resolver)
    engine.evaluate(batch([(resolver("a"), 1, 12.5)]), T0 + S)
    clock.at(5)
    engine.acknowledge(["a:high"], "ann", "called the field operator")
    first, second = read_journal(db, start_ns=T0, end_ns=T0 + 10 * S)
    assert (first.ts_ns, first.event, first.value, first.priority, first.area) == (
        T0 + S,
        "activate",
        12.5,
        "high",
        "boiler",
    )
    assert (second.event, second.user, second.comment, second.ts_ns) == (
        "ack",
        "ann",
        "called the field operator",
        T0 + 5 * S,
    )
    assert read_journal(db, alarm="b:high") == []
    assert len(read_journal(db, limit=1)) == 1


def test_flood_of_1000_alarms_in_one_second_is_journaled_completely(db: Engine) -> None:
    raw = [{"tag": f"f{i}", "type": "high", "limit": 1, "area": "press"} for i in range(1000)]
    resolver = Resolver()
    journal = SqlJournal(db)
    engine = AlarmEngine(definitions(*raw), resolver, journal, AllowAll(), clock=FakeClock())
    rows = [(resolver(f"f{i}"), i / 1000, 5.0) for i in range(1000)]
    out = engine.evaluate(batch(rows), T0 + S)
    activations = [t for t in out if t.event is Event.ACTIVATE]
    assert len(activations) == 1000
    with db.connect() as conn:
        stored = conn.execute(
            select(func.count()).where(alarm_journal.c.event == "activate")
        ).scalar_one()
        flagged = conn.execute(
            select(func.count()).where(alarm_journal.c.event == "activate", alarm_journal.c.flood)
        ).scalar_one()
        marker = conn.execute(
            select(alarm_journal.c.alarm, alarm_journal.c.ts_ns).where(
                alarm_journal.c.event == "flood_start"
            )
        ).all()
    assert stored == 1000
    assert flagged == 990  # the 11th activation in 10 minutes starts the flood
    assert marker == [("flood:press", T0 + 10 * S // 1000)]
    assert engine.flooding() == {"press"}
    [end] = engine.tick(T0 + 602 * S)
    assert (end.event, end.alarm) == (Event.FLOOD_END, "flood:press")


def test_journal_keeps_rows_while_the_store_is_away(sqlite_engine: Engine) -> None:
    clock, resolver = FakeClock(), Resolver()
    journal = SqlJournal(sqlite_engine)
    engine = AlarmEngine(definitions(*RAW), resolver, journal, AllowAll(), clock=clock)
    with sqlite_engine.begin() as conn:
        conn.execute(text("ALTER TABLE alarm_journal RENAME TO alarm_journal_away"))
    engine.evaluate(batch([(resolver("a"), 1, 50.0)]), T0 + S)
    clock.at(1.5)
    engine.acknowledge(["a:high"], "ann")  # the alarm path keeps working without the store
    assert journal.pending == 2
    assert not journal.flush()
    with sqlite_engine.begin() as conn:
        conn.execute(text("ALTER TABLE alarm_journal_away RENAME TO alarm_journal"))
    engine.evaluate(batch([(resolver("b"), 2, 50.0)]), T0 + 2 * S)
    assert journal.pending == 0
    assert [e.event for e in read_journal(sqlite_engine)] == ["activate", "ack", "activate"]
    assert journal.dropped == 0


def test_state_store_save_replaces_everything(sqlite_engine: Engine) -> None:
    clock, resolver = FakeClock(), Resolver()
    engine = AlarmEngine(
        definitions(*RAW), resolver, SqlJournal(sqlite_engine), AllowAll(), clock=clock
    )
    engine.evaluate(batch([(resolver("a"), 1, 50.0)]), T0 + S)
    store = AlarmStateStore(sqlite_engine)
    store.save(engine.snapshot())
    assert [r.name for r in store.load()] == ["a:high", "b:high", "c:high", "d:low"]
    store.save([])
    assert store.load() == []


# ---------------------------------------------------------------- migration

MIGRATION = Path(__file__).parents[3] / "core/store/migrations/versions/0002_alarms.py"


def test_revision_file_identity() -> None:
    spec = importlib.util.spec_from_file_location("rev0002", MIGRATION)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.revision, module.down_revision) == ("0002", "0001")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migration_creates_exactly_the_alarm_tables(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(resolve_url(url, tmp_path))
    try:
        upgrade(engine, "0002")
        assert current_revision(engine) == "0002"
        names = {t.name for t in ALARM_TABLES}
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, metadata) if _touches(d, names)]
        assert diffs == []
        indexes = {i["name"] for i in inspect(engine).get_indexes("tickets")}
        assert "uq_tickets_open_source" in indexes
        upgrade_down(engine)
        assert names.isdisjoint(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def upgrade_down(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    from core.store.database import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")


def _touches(diff: Any, names: set[str]) -> bool:
    if isinstance(diff, list):
        return any(_touches(d, names) for d in diff)
    for part in diff[1:]:
        table = getattr(part, "table", None)
        name = getattr(part, "name", None) if table is None else table.name
        if name in names or part in names:
            return True
    return False
