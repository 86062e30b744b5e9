"""Shared fixtures of the analytics tests: the NAB subset in shared/, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.analytics.nab import LabeledSeries, load_corpus
from tests.conftest import require

NAB_ROOT = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "nab").resolve()


@pytest.fixture(scope="session")
def nab_root() -> Path:
    """The NAB subset beside the project (skip locally, fail under CI when absent)."""
    require((NAB_ROOT / "labels" / "combined_windows.json").is_file(), f"NAB data in {NAB_ROOT}")
    return NAB_ROOT


@pytest.fixture(scope="session")
def nab_corpus(nab_root: Path) -> list[LabeledSeries]:
    """Every NAB data file of the subset with its windows."""
    return load_corpus(nab_root)
