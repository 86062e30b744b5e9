"""Shared helpers for benchmarks: timing, RSS, result rows, the printed table and JSON record."""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True, slots=True)
class Row:
    """One measured figure, beside the raw limit measured in the same run (if any)."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    target: str = ""

    @property
    def ratio(self) -> str:
        if not self.baseline:
            return ""
        return f"{self.value / self.baseline:.0%}"


@contextmanager
def timer() -> Iterator[Callable[[], float]]:
    """``with timer() as elapsed: ...; elapsed()`` in seconds."""
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def print_table(title: str, rows: list[Row]) -> None:
    """A fixed-width table on stdout."""
    header = ("benchmark", "value", "unit", "raw limit", "ratio", "target")
    cells = [
        (
            r.name,
            f"{r.value:,.1f}",
            r.unit,
            f"{r.baseline:,.1f}" if r.baseline else "",
            r.ratio,
            r.target,
        )
        for r in rows
    ]
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    print(f"\n{title}")
    for k, line in enumerate([header, *cells]):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


def record(name: str, rows: list[Row]) -> Path:
    """Write a JSON record of a run (figures + versions) under bench/results/."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    payload = {
        "benchmark": name,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": [asdict(r) | {"ratio": r.ratio} for r in rows],
    }
    path.write_text(json.dumps(payload, indent=2))
    return path
