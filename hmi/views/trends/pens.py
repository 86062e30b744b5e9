"""Trend pens (one tag each, with its buffer and Y-axis group) and the saved-view document."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S
from hmi.series_buffer import SeriesBuffer

PRESETS_S: tuple[tuple[str, int], ...] = (
    ("10 min", 600),
    ("1 h", 3600),
    ("8 h", 8 * 3600),
    ("24 h", 86_400),
    ("7 d", 7 * 86_400),
)
"""Time presets of the toolbar (the 8 h preset is one shift)."""
DEFAULT_SPAN_S = 600
LIVE_MARGIN_S = 60
"""Live data kept beyond the visible span (so a small pan back needs no query)."""


@dataclass(slots=True)
class Pen:
    """One tag on the chart."""

    tag: str
    tag_id: int
    colour: str
    unit: str = ""
    axis: str = ""
    """Y-axis group: pens with the same group share an axis (default: the unit)."""
    buffer: SeriesBuffer = field(default_factory=SeriesBuffer)
    live_value: float | None = None
    live_quality: int = 0

    def __post_init__(self) -> None:
        if not self.axis:
            self.axis = self.unit or self.tag

    def spec(self) -> dict[str, Any]:
        """What a saved view stores of the pen."""
        return {"tag": self.tag, "axis": self.axis, "colour": self.colour}


@dataclass(frozen=True, slots=True)
class TrendSpec:
    """A saved trend view: pens, time span, layout and mode."""

    pens: tuple[dict[str, Any], ...]
    span_s: float
    layout: str = "stacked"
    live: bool = True
    start_ns: int = 0
    end_ns: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "pens": list(self.pens),
            "span_s": self.span_s,
            "layout": self.layout,
            "live": self.live,
            "start_ns": self.start_ns,
            "end_ns": self.end_ns,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrendSpec:
        """Parse a stored document (unknown keys ignored; wrong types raise ValueError)."""
        pens = data.get("pens", [])
        if not isinstance(pens, list) or not all(isinstance(p, dict) and "tag" in p for p in pens):
            raise ValueError("a trend view needs a list of pens with a tag each")
        layout = str(data.get("layout", "stacked"))
        if layout not in ("stacked", "overlay"):
            raise ValueError(f"unknown layout {layout!r}")
        return cls(
            pens=tuple(pens),
            span_s=float(data.get("span_s", DEFAULT_SPAN_S)),
            layout=layout,
            live=bool(data.get("live", True)),
            start_ns=int(data.get("start_ns", 0)),
            end_ns=int(data.get("end_ns", 0)),
        )


def split_by_quality(
    values: npt.NDArray[np.float64], quality: npt.NDArray[np.uint8]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Two copies of ``values``: good points only, and bad/uncertain points (with their
    neighbours, so the dashed stretches join the solid line); the rest is NaN."""
    good = quality < 64
    solid = np.where(good, values, np.nan)
    bad = ~good
    if not bad.any():
        return solid, np.full(len(values), np.nan)
    joined = bad.copy()
    joined[1:] |= bad[:-1]
    joined[:-1] |= bad[1:]
    return solid, np.where(joined, values, np.nan)


def held(
    ts: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    quality: npt.NDArray[np.uint8],
    until_ns: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.uint8]]:
    """The series with its last value held until ``until_ns`` (a value is valid until it
    changes: devices that report on change send nothing while it stays)."""
    if not len(ts) or ts[-1] >= until_ns:
        return ts, values, quality
    return (
        np.append(ts, np.int64(until_ns)),
        np.append(values, values[-1]),
        np.append(quality, quality[-1]),
    )


def seconds(ts_ns: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Epoch nanoseconds as float seconds for the time axis."""
    return ts_ns.astype(np.float64) / NS_PER_S
