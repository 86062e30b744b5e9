"""Series shared by the forecast tests: hourly synthetic plant load and the NAB files."""

from __future__ import annotations

import numpy as np

HOUR_NS = 3600 * 1_000_000_000
START_NS = 1_700_000_000 // 3600 * 3600 * 1_000_000_000


def plant_load(days: int, seed: int = 0, noise: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Hourly ``(ts_ns, kW)``: a daily shape, quieter weekends, a slow drift and noise."""
    rng = np.random.default_rng(seed)
    n = days * 24
    hours = np.arange(n)
    ts = START_NS + hours.astype(np.int64) * HOUR_NS
    weekday = ((ts // (24 * HOUR_NS)) + 3) % 7
    daily = 20 * np.clip(np.sin(np.pi * ((hours % 24) - 6) / 12), 0, None)
    weekend = np.where(weekday >= 5, 0.5, 1.0)
    values = 50 + daily * weekend + 0.01 * hours + rng.normal(0, noise, n)
    return ts, values
