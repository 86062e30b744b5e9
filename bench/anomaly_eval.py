"""Steadier evaluation of the anomaly detectors than one in-sample NAB number.

- :func:`held_out_raw`: each file scored at the threshold that is best on the files of the
  *other* groups (a group is one file for leave-one-file-out, or every variant of one base file
  for the injected set, so a base file never tunes its own threshold);
- :func:`normalized_part`: a part of the files (e.g. only the real ones) normalised on its own;
- :func:`bootstrap_interval`: the normalised score's spread when the groups are resampled;
- :func:`injected_report`: the table printed by ``python -m bench.anomaly_bench --injected``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np

from bench.anomaly_inject import FAULTS, InjectedSeries
from core.analytics.anomaly import DetectorBase
from core.analytics.nab import (
    PROFILES,
    CostProfile,
    ScoredSeries,
    normalize,
    optimize_threshold,
    score_corpus,
    score_file,
)

log = logging.getLogger(__name__)


def held_out_raw(
    series: Sequence[ScoredSeries], profile: CostProfile, groups: Sequence[str] | None = None
) -> list[float]:
    """Raw NAB score of each file at the threshold optimal on the files of the other groups."""
    keys = list(groups) if groups is not None else [s.name for s in series]
    thresholds: dict[str, float] = {}
    for key in dict.fromkeys(keys):
        rest = [s for s, k in zip(series, keys, strict=True) if k != key]
        thresholds[key] = optimize_threshold(rest, profile).threshold
    return [
        score_file(s.anomaly_scores, s.windows, profile, thresholds[k]).score
        for s, k in zip(series, keys, strict=True)
    ]


def normalized_part(
    series: Sequence[ScoredSeries], raw: Sequence[float], keep: Sequence[bool], profile: CostProfile
) -> float:
    """Normalised score of the kept files from their raw scores (Null and Perfect of that part)."""
    part = [s for s, k in zip(series, keep, strict=True) if k]
    total = sum(r for r, k in zip(raw, keep, strict=True) if k)
    reference = score_corpus(part, profile, threshold=1.1)
    return normalize(total, reference.null_score, reference.perfect_score)


def bootstrap_interval(
    series: Sequence[ScoredSeries],
    raw: Sequence[float],
    groups: Sequence[str],
    profile: CostProfile,
    draws: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """5th and 95th percentiles of the normalised score over resamplings of the groups."""
    keys = list(dict.fromkeys(groups))
    index = {k: i for i, k in enumerate(keys)}
    table = np.zeros((len(keys), 4))  # raw, null firing nowhere, null firing everywhere, perfect
    for s, r, g in zip(series, raw, groups, strict=True):
        everywhere = score_file(np.ones(len(s.anomaly_scores)), s.windows, profile, 0.5).score
        table[index[g]] += (r, -profile.fn_weight * len(s.windows), everywhere, len(s.windows))
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(keys), size=(draws, len(keys)))
    sums = table[picks].sum(axis=1)
    null = np.maximum(sums[:, 1], sums[:, 2])
    perfect = profile.tp_weight * sums[:, 3]
    ok = perfect > null
    values = 100.0 * (sums[ok, 0] - null[ok]) / (perfect[ok] - null[ok])
    return float(np.percentile(values, 5)), float(np.percentile(values, 95))


def score_injected(
    make: Callable[[], DetectorBase], injected: Sequence[InjectedSeries]
) -> list[ScoredSeries]:
    """A fresh detector's scores on every injected series, neutral rows zeroed."""
    return [
        ScoredSeries(
            v.series.name,
            v.masked(make().score_series(v.series.ts_ns, v.series.values)),
            v.series.windows,
        )
        for v in injected
    ]


def injected_report(name: str, series: list[ScoredSeries], injected: list[InjectedSeries]) -> None:
    """Print in-sample, leave-one-base-out and bootstrap scores, then the score per fault kind."""
    groups = [v.base for v in injected]
    every = [True] * len(series)
    held = {p.name: held_out_raw(series, p, groups) for p in PROFILES}
    insample = [score_corpus(series, p).normalized for p in PROFILES]
    lobo = [normalized_part(series, held[p.name], every, p) for p in PROFILES]
    real = [v.base.startswith("real") for v in injected]
    low, high = bootstrap_interval(series, held[PROFILES[0].name], groups, PROFILES[0])
    print(f"\ninjected set ({name}): {len(series)} series, {len(set(groups))} base files")
    print(f"{'in-sample':30s}" + "".join(f" {v:9.1f}" for v in insample))
    print(f"{'leave-one-base-out':30s}" + "".join(f" {v:9.1f}" for v in lobo))
    real_only = normalized_part(series, held[PROFILES[0].name], real, PROFILES[0])
    print(f"{'  real bases only':30s} {real_only:9.1f}")
    print(f"{'  bootstrap 90% (standard)':30s} {low:9.1f} {high:9.1f}")
    for kind in FAULTS:
        keep = [v.kind == kind for v in injected]
        if any(keep):
            cells = [normalized_part(series, held[p.name], keep, p) for p in PROFILES]
            print(f"{'  ' + kind:30s}" + "".join(f" {v:9.1f}" for v in cells))
