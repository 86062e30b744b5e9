"""Reading NAB's files: data CSVs (``timestamp,value``), detector results, windows and labels."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.analytics.nab.windows import RowWindow, window_rows

log = logging.getLogger(__name__)

WINDOWS_FILE = Path("labels") / "combined_windows.json"
LABELS_FILE = Path("labels") / "combined_labels.json"
PROFILES_FILE = Path("config") / "profiles.json"


@dataclass(frozen=True, eq=False)
class LabeledSeries:
    """One NAB data file with its anomaly windows as row ranges."""

    name: str
    """Path relative to the corpus ``data/`` folder, e.g. ``realKnownCause/nyc_taxi.csv``."""
    ts_ns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    windows: tuple[RowWindow, ...]


def parse_timestamps(texts: Sequence[str]) -> npt.NDArray[np.int64]:
    """ISO-like timestamps (``2014-07-01 00:30:00[.ffffff]``, taken as UTC) to int64 nanoseconds."""
    return np.array(texts, dtype="datetime64[ns]").astype(np.int64)


def read_columns(path: Path) -> dict[str, list[str]]:
    """Every column of a CSV with a header row, as lists of strings."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns: list[list[str]] = [[] for _ in header]
        for row in reader:
            if not row:
                continue
            for column, cell in zip(columns, row, strict=True):
                column.append(cell)
    return dict(zip(header, columns, strict=True))


def read_series_csv(path: Path) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """A NAB-format CSV (header ``timestamp,value``) as ``(ts_ns, values)``."""
    columns = read_columns(path)
    if "timestamp" not in columns or "value" not in columns:
        raise ValueError(f"{path}: expected a 'timestamp,value' header, got {sorted(columns)}")
    return parse_timestamps(columns["timestamp"]), np.array(columns["value"], dtype=np.float64)


def load_window_limits(path: Path) -> dict[str, list[tuple[int, int]]]:
    """``combined_windows.json``: file name -> ``[(start_ns, end_ns), ...]``."""
    raw: dict[str, list[list[str]]] = json.loads(path.read_text(encoding="utf-8"))
    limits: dict[str, list[tuple[int, int]]] = {}
    for name, pairs in raw.items():
        stamps = parse_timestamps([stamp for pair in pairs for stamp in pair])
        limits[name] = [(int(stamps[i]), int(stamps[i + 1])) for i in range(0, stamps.size, 2)]
    return limits


def load_label_stamps(path: Path) -> dict[str, npt.NDArray[np.int64]]:
    """``combined_labels.json``: file name -> labelled anomaly timestamps (ns)."""
    raw: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return {name: parse_timestamps(stamps) for name, stamps in raw.items()}


def load_corpus(root: Path, names: Sequence[str] | None = None) -> list[LabeledSeries]:
    """Load the data files of a NAB tree (``data/``, ``labels/``) that exist on disk, sorted by
    name; ``names`` restricts to some of them."""
    limits = load_window_limits(root / WINDOWS_FILE)
    wanted = sorted(limits) if names is None else list(names)
    corpus: list[LabeledSeries] = []
    for name in wanted:
        path = root / "data" / name
        if not path.is_file():
            log.debug("NAB file %s listed in the windows but absent, skipped", name)
            continue
        ts_ns, values = read_series_csv(path)
        windows = tuple(window_rows(ts_ns, limits[name]))
        corpus.append(LabeledSeries(name=name, ts_ns=ts_ns, values=values, windows=windows))
    return corpus


def results_path(root: Path, detector: str, name: str) -> Path:
    """Where NAB keeps a detector's per-row output for a data file:
    ``results/<detector>/<set>/<detector>_<file>``."""
    relative = Path(name)
    return root / "results" / detector / relative.parent / f"{detector}_{relative.name}"
