"""Exports of the visible trend: the data as CSV, the chart as PNG (both written in workers)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PySide6.QtGui import QImage

from core.model import NS_PER_S
from hmi.formatting import PlantClock, quality_text


@dataclass(frozen=True, slots=True)
class PenData:
    """The visible points of one pen (copies taken on the GUI thread)."""

    tag: str
    unit: str
    ts_ns: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    quality: npt.NDArray[np.uint8]


def export_csv(path: Path, pens: list[PenData], clock: PlantClock) -> int:
    """Write ``tag,timestamp_utc,plant_time,value,unit,quality`` rows; returns the row count."""
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tag", "timestamp_utc", "plant_time", "value", "unit", "quality"])
        for pen in pens:
            for ts, value, quality in zip(
                pen.ts_ns.tolist(), pen.values.tolist(), pen.quality.tolist(), strict=True
            ):
                utc = np.datetime64(ts, "ns").astype("datetime64[ms]")
                writer.writerow(
                    [
                        pen.tag,
                        f"{utc}Z",
                        clock.datetime_text(ts),
                        repr(value),
                        pen.unit,
                        quality_text(quality),
                    ]
                )
                rows += 1
    return rows


def save_png(path: Path, image: QImage) -> Path:
    """Write a grabbed chart image (QImage is safe to save outside the GUI thread); the format
    follows the file name (``.png``)."""
    if not image.save(str(path)):
        raise OSError(f"could not write {path}")
    return path


def span_text(start_ns: int, end_ns: int) -> str:
    """A file-name-safe description of a time range, e.g. ``20250101T0000-600s``."""
    start = np.datetime64(start_ns, "ns").astype("datetime64[m]").astype(str)
    seconds = max(end_ns - start_ns, 0) // NS_PER_S
    return f"{start.replace('-', '').replace(':', '')}-{seconds}s"
