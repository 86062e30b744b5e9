"""Revision 0005 creates exactly the registry tables of the metadata, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from core.analytics.registry import REGISTRY_TABLES
from core.store.database import MIGRATIONS_DIR, current_revision, make_engine, resolve_url, upgrade
from core.store.schema import metadata

MIGRATION = MIGRATIONS_DIR / "versions" / "0005_models.py"
NAMES = {t.name for t in REGISTRY_TABLES}


def test_revision_file_identity() -> None:
    spec = importlib.util.spec_from_file_location("rev0005", MIGRATION)
    assert spec is not None and spec.loader is not None
    module: Any = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (module.revision, module.down_revision) == ("0005", "0004")


def _touches(diff: Any) -> bool:
    """Whether an autogenerate diff concerns a registry table (tuples, or lists of them)."""
    if isinstance(diff, list):
        return any(_touches(d) for d in diff)
    for part in diff[1:]:
        table = getattr(part, "table", None)
        name = getattr(part, "name", None) if table is None else table.name
        if name in NAMES or (isinstance(part, str) and part in NAMES):
            return True
    return False


def _registry_diffs(engine: Any) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return [d for d in compare_metadata(context, metadata) if _touches(d)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_to_head_creates_exactly_the_registry_tables(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    engine = make_engine(resolve_url(url, tmp_path))
    try:
        upgrade(engine, "0004")
        assert len(_registry_diffs(engine)) == len(NAMES) + 1  # three tables and the index
        upgrade(engine, "0005")
        assert current_revision(engine) == "0005"
        assert _registry_diffs(engine) == []
        assert set(inspect(engine).get_table_names()) >= NAMES
        upgrade_down(engine, "0004")
        assert NAMES.isdisjoint(inspect(engine).get_table_names())
        assert current_revision(engine) == "0004"
    finally:
        engine.dispose()


def upgrade_down(engine: Any, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
