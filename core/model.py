"""Value objects that travel through ControlDeck: quality codes, readings and sample batches.

Every sample, whatever its source, is a (tag, timestamp, value, quality) quadruple. Drivers
produce :class:`Reading` objects (tag *names*, any Python value, optional source timestamp);
the ingest pipeline validates them and turns them into a :class:`SampleBatch`: parallel numpy
arrays keyed by tag *id*, which is what subscribers, the historian and the spool see.

Timestamps are UTC, int64 nanoseconds since the Unix epoch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

NS_PER_S = 1_000_000_000


class Quality(IntEnum):
    """Sample quality, after the OPC-UA status classes (``code >> 6``: 0 good, 1 uncertain, 2 bad).

    The low bits name the sub-reason; the value fits in one unsigned byte for storage.
    """

    GOOD = 0
    GOOD_LOCAL_OVERRIDE = 1
    UNCERTAIN = 64
    UNCERTAIN_SUBSTITUTED = 65
    UNCERTAIN_STALE = 66
    UNCERTAIN_LAST_USABLE = 67
    UNCERTAIN_SENSOR_CAL = 68
    BAD = 128
    BAD_COMMS_LOST = 129
    BAD_SENSOR_FAULT = 130
    BAD_OUT_OF_RANGE = 131
    BAD_STALE = 132
    BAD_CONFIG = 133
    BAD_DEVICE_FAULT = 134

    @property
    def is_good(self) -> bool:
        """True for the good class."""
        return self < 64

    @property
    def is_bad(self) -> bool:
        """True for the bad class."""
        return self >= 128

    @property
    def label(self) -> str:
        """Short human-readable label, e.g. ``bad/comms_lost``."""
        return _QUALITY_LABELS[self]

    @classmethod
    def from_label(cls, text: str) -> Quality:
        """Parse a label (``good``, ``bad/comms_lost``) or a member name or a number."""
        key = text.strip().lower()
        for member, label in _QUALITY_LABELS.items():
            if key in (label, member.name.lower()):
                return member
        if key.isdigit():
            return cls(int(key))
        raise ValueError(f"unknown quality {text!r}")


def _label_for(q: Quality) -> str:
    cls_name = "good" if q < 64 else "uncertain" if q < 128 else "bad"
    sub = q.name.lower().split("_", 1)
    return cls_name if len(sub) == 1 else f"{cls_name}/{sub[1]}"


_QUALITY_LABELS: dict[Quality, str] = {q: _label_for(q) for q in Quality}


def now_ns() -> int:
    """The current wall-clock time as UTC epoch nanoseconds."""
    return time.time_ns()


@dataclass(frozen=True, slots=True)
class Reading:
    """One value as a driver received it, before validation.

    ``tag`` is the full tag name (``<device>/<field.path>``); ``value`` is whatever the device
    sent (validated later); ``ts_ns`` is the source timestamp, or None for "time of receipt".
    """

    tag: str
    value: object
    ts_ns: int | None = None
    quality: Quality = Quality.GOOD


IdArray = npt.NDArray[np.int32]
TsArray = npt.NDArray[np.int64]
ValueArray = npt.NDArray[np.float64]
QualityArray = npt.NDArray[np.uint8]


@dataclass(slots=True)
class SampleBatch:
    """Validated samples as parallel numpy arrays (one row per sample)."""

    tag_ids: IdArray
    ts_ns: TsArray
    values: ValueArray
    quality: QualityArray
    historical: bool = field(default=False)
    """True for replayed or imported data: it must never overwrite live values."""

    def __post_init__(self) -> None:
        n = len(self.tag_ids)
        if not (len(self.ts_ns) == len(self.values) == len(self.quality) == n):
            raise ValueError("SampleBatch arrays must have the same length")

    def __len__(self) -> int:
        return len(self.tag_ids)

    @classmethod
    def empty(cls) -> SampleBatch:
        """A batch with no rows."""
        return cls.from_columns([], [], [], [])

    @classmethod
    def from_columns(
        cls,
        tag_ids: object,
        ts_ns: object,
        values: object,
        quality: object,
        *,
        historical: bool = False,
    ) -> SampleBatch:
        """Build a batch from any array-likes, converting to the canonical dtypes."""
        return cls(
            np.asarray(tag_ids, dtype=np.int32),
            np.asarray(ts_ns, dtype=np.int64),
            np.asarray(values, dtype=np.float64),
            np.asarray(quality, dtype=np.uint8),
            historical,
        )

    def take(self, index: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> SampleBatch:
        """Rows selected by a boolean mask or an index array."""
        return SampleBatch(
            self.tag_ids[index],
            self.ts_ns[index],
            self.values[index],
            self.quality[index],
            self.historical,
        )

    @classmethod
    def concat(cls, batches: list[SampleBatch]) -> SampleBatch:
        """All rows of several batches, in order (``historical`` if any part is)."""
        if not batches:
            return cls.empty()
        return cls(
            np.concatenate([b.tag_ids for b in batches]),
            np.concatenate([b.ts_ns for b in batches]),
            np.concatenate([b.values for b in batches]),
            np.concatenate([b.quality for b in batches]),
            any(b.historical for b in batches),
        )


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    """One rejected input, kept with the reason so nothing disappears silently."""

    source: str
    """Where it came from: ``mqtt:site-broker``, ``import:file.csv``, ``spool``..."""
    reason: str
    """Machine-readable reason, e.g. ``non_finite``, ``future_timestamp``, ``unknown_tag``."""
    detail: str
    """Human-readable detail and a bounded excerpt of the offending input."""
    ts_ns: int
    """When it was rejected."""
    tag: str = ""
    value_text: str = ""
    sample_ts_ns: int | None = None

    MAX_EXCERPT = 512

    @staticmethod
    def excerpt(data: bytes | str, limit: int = 512) -> str:
        """A bounded, printable excerpt of an input for the quarantine listing."""
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"
