"""Fixtures for the report tests: the simulated week (built once), a private copy per test,
an injected clock, and the report service on it."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.config import PlantConfig, load_config
from core.reports.service import ReportService
from tests.core.reports.plantdata import DAY, END, build_week
from tests.core.security.conftest import FakeClock


@pytest.fixture(scope="session")
def week_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The simulated week, built once per test session (read-only: tests copy it)."""
    directory = tmp_path_factory.mktemp("week")
    build_week(directory)
    return directory


@pytest.fixture(autouse=True)
def _no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTROLDECK_AUDIT_KEY", raising=False)


@pytest.fixture
def plant_file(week_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the week's plant (database, key, checkpoint, plant file)."""
    target = tmp_path / "plant"
    shutil.copytree(week_dir, target, ignore=shutil.ignore_patterns("week.csv", "*.spool"))
    return target / "plant.toml"


@pytest.fixture
def config(plant_file: Path) -> PlantConfig:
    return load_config(plant_file)


@pytest.fixture
def clock() -> FakeClock:
    """A day after the week ended."""
    return FakeClock(END + DAY)


@pytest.fixture
def service(config: PlantConfig, clock: FakeClock) -> Iterator[ReportService]:
    with ReportService.open(config, clock=clock) as opened:
        yield opened


def pdf_text(data: bytes) -> str:
    """All text of a PDF, pages joined, every run of white space one blank."""
    pages = PdfReader(io.BytesIO(data)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)


def pdf_pages(data: bytes) -> int:
    """Number of pages of a PDF."""
    return len(PdfReader(io.BytesIO(data)).pages)
