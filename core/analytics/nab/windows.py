"""NAB anomaly windows: the probationary period, label -> window construction, timestamp lookup.

Faithful to NAB v1.1 (``nab/labeler.py`` ``applyWindows`` / ``checkWindows`` and
``nab/util.py`` ``getProbationPeriod``). Windows are inclusive row ranges ``(first, last)``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

DEFAULT_PROBATION_PERCENT = 0.15
DEFAULT_WINDOW_FRACTION = 0.10
_PROBATION_CAP_ROWS = 5000

RowWindow = tuple[int, int]
"""An anomaly window as inclusive row indices ``(first, last)``."""


def probation_length(n_rows: int, probation_percent: float = DEFAULT_PROBATION_PERCENT) -> int:
    """Index of the first scored row: ``min(floor(p * n), p * 5000)`` rows are probationary."""
    limit = min(math.floor(probation_percent * n_rows), probation_percent * _PROBATION_CAP_ROWS)
    return math.ceil(limit)


def window_rows(ts_ns: npt.NDArray[np.int64], limits: Sequence[tuple[int, int]]) -> list[RowWindow]:
    """Turn ``(start_ns, end_ns)`` window limits into row windows; each limit must be a timestamp
    of the series, as NAB requires."""
    rows: list[RowWindow] = []
    for start_ns, end_ns in limits:
        rows.append((_row_of(ts_ns, start_ns), _row_of(ts_ns, end_ns)))
    return sorted(rows)


def _row_of(ts_ns: npt.NDArray[np.int64], stamp_ns: int) -> int:
    matches = np.flatnonzero(ts_ns == stamp_ns)
    if matches.size == 0:
        stamp = np.datetime64(int(stamp_ns), "ns")
        raise ValueError(f"window limit {stamp} is not a timestamp of the series")
    return int(matches[0])


def build_windows(
    n_rows: int,
    anomaly_rows: Sequence[int],
    window_fraction: float = DEFAULT_WINDOW_FRACTION,
    probation_percent: float = DEFAULT_PROBATION_PERCENT,
) -> list[RowWindow]:
    """Windows NAB builds around labelled anomalies.

    Each window is ``int(window_fraction * n_rows / n_anomalies)`` rows long, centred on its label
    (clipped to the series); a first window starting inside the probationary period is dropped and
    a window overlapping the next one is merged with it (one pass, as NAB does).
    """
    anomalies = sorted(int(a) for a in anomaly_rows)
    divisor = len(anomalies) if anomalies else 1
    half = int(window_fraction * n_rows / divisor) // 2
    windows = [(max(a - half, 0), min(a + half, n_rows - 1)) for a in anomalies]
    if windows and windows[0][0] < probation_length(n_rows, probation_percent):
        log.debug("dropping window %s: it starts inside the probationary period", windows[0])
        del windows[0]
    index = 0
    while len(windows) - 1 > index:
        if windows[index + 1][0] <= windows[index][1]:
            windows[index] = (windows[index][0], windows[index + 1][1])
            del windows[index + 1]
        index += 1
    return windows
