"""Revisions 0006 (the report tables from empty and from 0005, append-only, downgrade) and 0008
(``reports.file_path`` on a table with rows), and the migrations matching the SQLAlchemy tables
(SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import DatabaseError

from core.reports.tables import REPORT_TABLES
from core.store import database
from core.store.schema import metadata

NAMES = {t.name for t in REPORT_TABLES}
ROW = (
    "INSERT INTO reports (content_hash, base_hash, variant, kind, format, query_digest, "
    "parameters, start_ns, end_ns, generated_ns, generated_by, size, created_ns) VALUES "
    "('h', 'h', 'original', 'shift', 'pdf', 'q', '{}', 1, 2, 3, 'me', 10, 4)"
)
ROW_WITH_PATH = (
    "INSERT INTO reports (content_hash, base_hash, variant, kind, format, query_digest, "
    "parameters, start_ns, end_ns, generated_ns, generated_by, size, created_ns, file_path) "
    "VALUES ('g', 'g', 'original', 'shift', 'pdf', 'q', '{}', 1, 2, 3, 'me', 10, 4, '/srv/r/g.pdf')"
)


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        made = database.make_engine(database.resolve_url("sqlite:///m.db", tmp_path))
    else:
        made = create_engine(request.getfixturevalue("pg_url"))
    yield made
    made.dispose()


def test_upgrade_from_0005_downgrade_and_again(engine: Engine) -> None:
    database.upgrade(engine, "0005")
    assert not NAMES & set(inspect(engine).get_table_names())
    database.upgrade(engine, "0006")
    assert database.current_revision(engine) == "0006"
    assert set(inspect(engine).get_table_names()) >= NAMES
    _downgrade(engine, "0005")
    assert not NAMES & set(inspect(engine).get_table_names())
    database.upgrade(engine, "0006")
    assert set(inspect(engine).get_table_names()) >= NAMES


def test_reports_are_append_only(engine: Engine) -> None:
    database.upgrade(engine, "0006")
    with engine.begin() as conn:
        conn.execute(text(ROW))
    for statement in ("UPDATE reports SET kind = 'x'", "DELETE FROM reports"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO report_schedules VALUES ('daily', 'd', 1, 2, 'ok')"))
        conn.execute(text("UPDATE report_schedules SET last_status = 'again'"))


def test_0008_adds_the_file_path_to_recorded_reports(engine: Engine) -> None:
    database.upgrade(engine, "0007")
    with engine.begin() as conn:
        conn.execute(text(ROW))
    database.upgrade(engine, "0008")
    assert "file_path" in {c["name"] for c in inspect(engine).get_columns("reports")}
    with engine.begin() as conn:
        conn.execute(text(ROW_WITH_PATH))
        rows = conn.execute(text("SELECT content_hash, file_path FROM reports ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [("h", ""), ("g", "/srv/r/g.pdf")]
    for statement in ("UPDATE reports SET file_path = 'x'", "DELETE FROM reports"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(statement))
    _downgrade(engine, "0007")
    assert "file_path" not in {c["name"] for c in inspect(engine).get_columns("reports")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == 2
    with pytest.raises(DatabaseError), engine.begin() as conn:
        conn.execute(text("DELETE FROM reports"))  # still append-only after the downgrade
    database.upgrade(engine, "0008")


def test_migration_matches_the_tables(engine: Engine) -> None:
    database.upgrade(engine)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    mine = [d for d in diffs if NAMES & set(_tables_in(d))]
    assert mine == []


def _tables_in(diff: object) -> list[str]:
    found: list[str] = []
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            name = getattr(part, "name", None)
            table = getattr(part, "table", None)
            if isinstance(part, str):
                found.append(part)
            elif table is not None:
                found.append(getattr(table, "name", ""))
            elif name:
                found.append(str(name))
    return found
