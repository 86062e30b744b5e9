"""A real SQLite historian filled through the importer, with an alarm journal."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from core.config import load_config
from core.importer import import_csv
from core.store.historian import Historian
from tests.core.plant import write_plant

Row = tuple[str, int, float]


@pytest.fixture
def historian_with(tmp_path: Path) -> Iterator[Callable[[Sequence[Row]], Historian]]:
    """Open a historian on a fresh SQLite store and import ``(tag, epoch_s, value)`` rows."""
    opened: list[Historian] = []

    def build(rows: Sequence[Row]) -> Historian:
        config = load_config(
            write_plant(tmp_path, extra='[[devices]]\nname = "pump1"\narea = "hall"\n')
        )
        historian = Historian.open(config)
        opened.append(historian)
        path = tmp_path / "rows.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(["tag", "timestamp", "value"])
            out.writerows(rows)
        result = import_csv(historian, path)
        assert result.rejected == 0, result.examples
        return historian

    yield build
    for historian in opened:
        historian.close()
