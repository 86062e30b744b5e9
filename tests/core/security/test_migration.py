"""Revision 0003: upgrade from empty and from 0002, the append-only triggers, downgrade."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, inspect, text

from core.security.tables import APPEND_ONLY
from core.store import database

SECURITY_TABLES = {
    "users",
    "user_sessions",
    "audit_trail",
    "record_signatures",
    "device_identities",
}


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _triggers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {
            r[0]
            for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
        }


def test_upgrade_from_0002_and_back(tmp_path: Path) -> None:
    engine = database.make_engine(database.resolve_url("sqlite:///m.db", tmp_path))
    try:
        database.upgrade(engine, "0002")
        assert not SECURITY_TABLES & set(inspect(engine).get_table_names())
        database.upgrade(engine, "0003")
        assert database.current_revision(engine) == "0003"
        assert set(inspect(engine).get_table_names()) >= SECURITY_TABLES
        assert _triggers(engine) == {
            f"{t}_no_{verb}" for t in APPEND_ONLY for verb in ("update", "delete")
        }
        _downgrade(engine, "0002")
        assert not SECURITY_TABLES & set(inspect(engine).get_table_names())
        assert _triggers(engine) == set()
        database.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= SECURITY_TABLES
    finally:
        engine.dispose()
