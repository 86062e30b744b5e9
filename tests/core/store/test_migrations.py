"""Migrations: ``upgrade head`` on an empty database and on a database at every earlier revision,
on SQLite and PostgreSQL, ends with exactly the schema the code defines (no drift)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.store import database
from core.store.all_tables import full_metadata


def revisions() -> list[str]:
    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def engine_for(kind: str, tmp_path: Path, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    url = "sqlite:///m.db" if kind == "sqlite" else str(request.getfixturevalue("pg_url"))
    return database.make_engine(database.resolve_url(url, tmp_path))


def drift(engine) -> list[object]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, full_metadata()) if not _ignorable(d)]


def _ignorable(diff: object) -> bool:
    """TimescaleDB/BRIN indexes are created by hand in 0001 and are not in the metadata."""
    return isinstance(diff, tuple) and diff[0] == "remove_index" and "brin" in str(diff[1].name)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_revision_upgrades_to_head_without_drift(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    chain = revisions()
    assert chain[0] == "0001" and len(chain) == len(set(chain))
    for start in [None, *chain[:-1]]:
        engine = (
            engine_for(kind, tmp_path / (start or "empty"), request)
            if kind == "sqlite"
            else engine_for(kind, tmp_path, request)
        )
        if kind == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        if start is not None:
            database.upgrade(engine, start)
        database.upgrade(engine)
        assert database.current_revision(engine) == chain[-1]
        assert drift(engine) == [], f"schema drift after upgrading from {start or 'empty'}"
        engine.dispose()
