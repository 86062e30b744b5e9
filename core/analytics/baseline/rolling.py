"""Rolling mean and standard deviation over a time window, and time-aware EWMA mean/std.

Everything is causal (a value uses samples up to its own time) and vectorised: rolling sums
come from cumulative sums with ``searchsorted``; the EWMA recursion
``y[i] = d[i] * y[i-1] + u[i]`` is solved in closed form per chunk with log-cumulative decay,
chunks cut where the decay would underflow. Irregular sampling is handled by a decay of
``2 ** (-dt / halflife)`` per step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.model import NS_PER_S

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_CHUNK_DECAY = 500.0
"""Largest log-decay inside one chunk (exp(500) is far from float64 overflow at 709)."""
_STEP_DECAY_CAP = 50.0
"""One step never decays by more than exp(-50): the state is then fully forgotten anyway."""


@dataclass(frozen=True, slots=True)
class RollingStats:
    """Per sample: mean, sample standard deviation and count of its window (NaN when short)."""

    mean: FloatArray
    std: FloatArray
    count: IntArray


def _arrays(ts_ns: npt.ArrayLike, values: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
    ts = np.asarray(ts_ns, dtype=np.int64)
    x = np.asarray(values, dtype=np.float64)
    if ts.shape != x.shape or ts.ndim != 1:
        raise ValueError(f"timestamps {ts.shape} and values {x.shape} must be 1-D and aligned")
    if ts.size > 1 and np.any(np.diff(ts) < 0):
        raise ValueError("timestamps must be sorted")
    return ts, x


def rolling_stats(
    ts_ns: npt.ArrayLike, values: npt.ArrayLike, window_s: float, min_count: int = 2
) -> RollingStats:
    """Mean and std of the samples in ``(t - window_s, t]`` for each sample ``t``; non-finite
    values are ignored."""
    ts, x = _arrays(ts_ns, values)
    finite = np.isfinite(x)
    centre = float(np.mean(x[finite])) if finite.any() else 0.0
    d = np.where(finite, x - centre, 0.0)
    c1 = np.concatenate([[0.0], np.cumsum(d)])
    c2 = np.concatenate([[0.0], np.cumsum(d * d)])
    cn = np.concatenate([[0], np.cumsum(finite)]).astype(np.int64)
    lo = np.searchsorted(ts, ts - int(window_s * NS_PER_S), side="right")
    hi = np.arange(1, ts.size + 1)
    n = cn[hi] - cn[lo]
    s1, s2 = c1[hi] - c1[lo], c2[hi] - c2[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = (s2 - n * mean * mean) / (n - 1)
    enough = n >= max(min_count, 1)
    mean = np.where(n > 0, mean + centre, np.nan)
    std = np.where(enough & (n > 1), np.sqrt(np.maximum(var, 0.0)), np.nan)
    return RollingStats(np.where(enough, mean, np.nan), std, n)


def decayed_sum(decay: FloatArray, inputs: FloatArray) -> FloatArray:
    """Solve ``y[i] = decay[i] * y[i-1] + inputs[i]`` (``y[-1] = 0``) without a Python loop
    over samples; ``decay`` in [0, 1]."""
    log_d = np.maximum(np.log(np.clip(decay, 1e-300, 1.0)), -_STEP_DECAY_CAP)
    total = np.cumsum(-log_d)
    chunk = np.floor(total / _CHUNK_DECAY).astype(np.int64)
    cuts = np.flatnonzero(np.diff(chunk)) + 1
    out = np.empty_like(inputs)
    carry = 0.0
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, inputs.size], strict=True):
        cum = np.cumsum(log_d[lo:hi])
        scaled = np.cumsum(inputs[lo:hi] * np.exp(-cum))
        out[lo:hi] = np.exp(cum) * (carry + scaled)
        carry = float(out[hi - 1]) if hi > lo else carry
    return out


def _decay(ts: IntArray, finite: npt.NDArray[np.bool_], halflife_s: float) -> FloatArray:
    """Per sample: how much of the state survives until it (1 for a skipped sample, 0 for the
    first finite one); the time counts from the previous *finite* sample."""
    if halflife_s <= 0:
        raise ValueError("halflife_s must be positive")
    never = np.iinfo(np.int64).min
    seen = np.maximum.accumulate(np.where(finite, ts, never))
    before = np.concatenate([[never], seen[:-1]])
    started = before != never
    dt = np.where(started, ts - np.where(started, before, 0), 0).astype(np.float64) / NS_PER_S
    decay = np.where(started, np.exp2(-dt / halflife_s), 0.0)
    return np.where(finite, decay, 1.0)


def ewma(ts_ns: npt.ArrayLike, values: npt.ArrayLike, halflife_s: float) -> FloatArray:
    """Time-aware EWMA: a sample's weight halves every ``halflife_s``; starts at the first
    finite value; a non-finite value leaves the average unchanged."""
    return ewma_stats(ts_ns, values, halflife_s)[0]


def ewma_stats(
    ts_ns: npt.ArrayLike, values: npt.ArrayLike, halflife_s: float
) -> tuple[FloatArray, FloatArray]:
    """EWMA mean and EWMA standard deviation (``var = d * (var + a * (x - mean_prev) ** 2)``,
    the exponentially weighted variance of West / Finch)."""
    ts, x = _arrays(ts_ns, values)
    if x.size == 0:
        return x.copy(), x.copy()
    finite = np.isfinite(x)
    decay = _decay(ts, finite, halflife_s)
    first = int(np.argmax(finite)) if finite.any() else x.size
    decay[:first] = 0.0
    alpha = np.where(finite, 1.0 - decay, 0.0)
    mean = decayed_sum(decay, alpha * np.nan_to_num(x))
    previous = np.concatenate([[0.0], mean[:-1]])
    var_in = decay * alpha * np.where(finite, (np.nan_to_num(x) - previous) ** 2, 0.0)
    std = np.sqrt(np.maximum(decayed_sum(decay, var_in), 0.0))
    mean[:first] = np.nan
    std[:first] = np.nan
    return mean, std
