"""Synthetic industrial-looking signals: a daily cycle with noise, and injected faults."""

from __future__ import annotations

import numpy as np

STEP_NS = 300 * 1_000_000_000
"""Five-minute sampling: 288 samples a day."""
DAY = 288
FAULT_AT = 5 * DAY
START_NS = 1_600_000_000 * 1_000_000_000


def daily_signal(seed: int, days: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """``(ts_ns, values)``: 50 + 10 sin(daily) + N(0, 1)."""
    rng = np.random.default_rng(seed)
    n = days * DAY
    ts = START_NS + np.arange(n, dtype=np.int64) * STEP_NS
    values = 50 + 10 * np.sin(2 * np.pi * np.arange(n) / DAY) + rng.normal(0, 1, n)
    return ts, values


def inject(values: np.ndarray, fault: str, at: int = FAULT_AT) -> np.ndarray:
    """A copy of ``values`` with a fault from sample ``at`` on."""
    out = values.copy()
    if fault == "spike":
        out[at] += 15
    elif fault == "level_shift":
        out[at:] += 8
    elif fault == "flatline":
        out[at:] = out[at]
    elif fault == "noise_change":
        out[at:] += np.random.default_rng(99).normal(0, 5, out.size - at)
    else:
        raise ValueError(fault)
    return out
