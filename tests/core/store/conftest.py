"""Store fixtures: a historian on SQLite or on a PostgreSQL database of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_config
from core.store.historian import Historian
from tests.core.plant import write_plant


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both engines."""
    if request.param == "sqlite":
        return "sqlite:///plant.db"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def historian(tmp_path: Path, store_url: str) -> Iterator[Historian]:
    """An open, migrated historian with its writer running."""
    hist = Historian.open(load_config(write_plant(tmp_path, store_url)))
    hist.start()
    yield hist
    hist.close()
