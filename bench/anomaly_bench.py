"""NAB benchmark of the anomaly detectors: ``python -m bench.anomaly_bench [--nab-root DIR]``.

For each detector: the normalised NAB score (Null = 0, Perfect = 100) on the NAB files found
under ``--nab-root`` for the standard, reward_low_FP_rate and reward_low_FN_rate profiles, each
at the threshold NAB's optimiser picks for that detector and profile; and the throughput in
samples per second on one core, offline (a whole file per call) and streaming (batches of 60).
Then, for reference, the Numenta HTM detector's published per-file scores summed over the same
files (at its full-corpus thresholds), the default ensemble's score on the real and the
artificial files separately, its leave-one-file-out score (each file scored at the threshold
that is best on the other files: what generalises, not what fits) on all files and on the real
ones, with ``--per-file`` its score on every file, and with ``--injected`` its scores on faults
injected into normal data (:mod:`bench.anomaly_inject`, :mod:`bench.anomaly_eval`).
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.anomaly_eval import held_out_raw, injected_report, normalized_part, score_injected
from bench.anomaly_inject import injected_corpus
from core.analytics.anomaly import (
    DetectorBase,
    DiscordDetector,
    EnsembleDetector,
    EwmaCusumDetector,
    ResonanceDetector,
    SeasonalRobustDetector,
)
from core.analytics.anomaly.rolling import FloatArray, RollingWindow
from core.analytics.nab import (
    PROFILES,
    LabeledSeries,
    ScoredSeries,
    load_corpus,
    normalize,
    score_corpus,
)

log = logging.getLogger(__name__)

DEFAULT_NAB_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nab"
STREAM_BATCH = 60


class RollingZBaseline(DetectorBase):
    """The simple baseline: |z| of each value against the mean/std of its preceding 400 values
    (NAB's "windowed Gaussian" idea), mapped to ``1 - exp(-|z| / 4)``; no seasonality, no
    calibration, no alert shaping."""

    def __init__(self) -> None:
        super().__init__()
        self._window = RollingWindow(400, 30, stride=1)

    def fresh(self) -> RollingZBaseline:
        """A new baseline."""
        return RollingZBaseline()

    def _update_usable(self, ts: np.ndarray, values: FloatArray) -> FloatArray:
        z = self._window.push_stats(values).robust_z(values)
        return np.nan_to_num(1.0 - np.exp(-np.abs(z) / 4.0))


class NullDetector(DetectorBase):
    """NAB's Null detector: 0.5 for every sample."""

    def fresh(self) -> NullDetector:
        """A new Null detector."""
        return NullDetector()

    def _update_usable(self, ts: np.ndarray, values: FloatArray) -> FloatArray:
        return np.full(values.size, 0.5)


DETECTORS: dict[str, Callable[[], DetectorBase]] = {
    "null": NullDetector,
    "rolling_z_baseline": RollingZBaseline,
    "seasonal_robust_z": SeasonalRobustDetector,
    "ewma_cusum": EwmaCusumDetector,
    "window_discord": DiscordDetector,
    "resonance": ResonanceDetector,
    "ensemble": EnsembleDetector,
}


@dataclass(frozen=True)
class BenchRow:
    """One detector's line of the table."""

    name: str
    scores: tuple[float, ...]
    offline_rate: float
    stream_rate: float
    series: tuple[ScoredSeries, ...] = ()


def bench_detector(
    name: str, make: Callable[[], DetectorBase], corpus: list[LabeledSeries]
) -> BenchRow:
    """Score the corpus offline (timed), then time a streaming pass in batches."""
    started = time.process_time()
    series = [
        ScoredSeries(f.name, make().score_series(f.ts_ns, f.values), f.windows) for f in corpus
    ]
    offline = time.process_time() - started
    started = time.process_time()
    for f in corpus:
        detector = make()
        for i in range(0, f.values.size, STREAM_BATCH):
            detector.update(f.ts_ns[i : i + STREAM_BATCH], f.values[i : i + STREAM_BATCH])
    stream = time.process_time() - started
    total = sum(f.values.size for f in corpus)
    scores = tuple(score_corpus(series, profile).normalized for profile in PROFILES)
    rates = total / max(offline, 1e-9), total / max(stream, 1e-9)
    return BenchRow(name, scores, *rates, series=tuple(series))


def published_scores(root: Path, detector: str, corpus: list[LabeledSeries]) -> tuple[float, ...]:
    """A published detector's normalised scores on ``corpus``, from NAB's per-file score tables
    ``results/<detector>/<detector>_<profile>_scores.csv`` (NaN when absent)."""
    names = {f.name for f in corpus}
    null_series = [ScoredSeries(f.name, np.zeros(f.values.size), f.windows) for f in corpus]
    out = []
    for profile in PROFILES:
        path = root / "results" / detector / f"{detector}_{profile.name}_scores.csv"
        if not path.is_file():
            out.append(float("nan"))
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            raw = sum(float(r["Score"]) for r in csv.DictReader(handle) if r["File"] in names)
        null = score_corpus(null_series, profile)
        out.append(normalize(raw, null.null_score, null.perfect_score))
    return tuple(out)


def lofo_scores(series: tuple[ScoredSeries, ...], prefix: str = "") -> tuple[float, ...]:
    """Normalised leave-one-file-out scores per profile: each file is scored at the threshold
    that maximises the score of all the other files; ``prefix`` keeps only some files in the
    sum (e.g. ``"real"``), their thresholds still chosen on all the others."""
    keep = [s.name.startswith(prefix) for s in series]
    return tuple(
        normalized_part(series, held_out_raw(series, profile), keep, profile)
        for profile in PROFILES
    )


def print_details(row: BenchRow, per_file: bool) -> None:
    """The row's scores on the real and artificial files apart, and optionally per file."""
    for prefix in ("real", "artificial"):
        part = [s for s in row.series if s.name.startswith(prefix)]
        if part:
            normalized = [score_corpus(part, profile).normalized for profile in PROFILES]
            print(f"{row.name + ' ' + prefix:22s}" + "".join(f" {v:9.1f}" for v in normalized))
    if len(row.series) > 1:
        for prefix in ("", "real"):
            label = f"{row.name} LOFO {prefix}".rstrip()
            print(f"{label:22s}" + "".join(f" {v:9.1f}" for v in lofo_scores(row.series, prefix)))
    if not per_file:
        return
    results = [score_corpus(row.series, profile) for profile in PROFILES]
    print(f"\nper file ({row.name}, raw NAB score at the corpus thresholds):")
    for i, first in enumerate(results[0].files):
        cells = "".join(f" {r.files[i].score:9.3f}" for r in results)
        print(f"  {first.name:60s}{cells}")


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab-root", type=Path, default=DEFAULT_NAB_ROOT)
    parser.add_argument("--per-file", action="store_true", help="the ensemble's per-file scores")
    parser.add_argument(
        "--injected", action="store_true", help="also score faults injected into normal data"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the injected faults")
    parser.add_argument("--replicates", type=int, default=2, help="injected variants per fault")
    args = parser.parse_args(argv)
    root = args.nab_root.resolve()
    corpus = load_corpus(root)
    if not corpus:
        print(f"no NAB data under {args.nab_root}")
        return 2
    rows = sum(f.values.size for f in corpus)
    windows = sum(len(f.windows) for f in corpus)
    print(f"NAB files: {len(corpus)}, rows: {rows}, windows: {windows}")
    print(f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}; CPU time")
    header = f"{'detector':22s} {'standard':>9s} {'low_FP':>9s} {'low_FN':>9s} {'offline/s':>11s} {'stream/s':>10s}"
    print(header)
    print("-" * len(header))
    benched = [bench_detector(name, make, corpus) for name, make in DETECTORS.items()]
    for row in benched:
        standard, low_fp, low_fn = row.scores
        print(
            f"{row.name:22s} {standard:9.1f} {low_fp:9.1f} {low_fn:9.1f}"
            f" {row.offline_rate:11,.0f} {row.stream_rate:10,.0f}"
        )
    reference = published_scores(root, "numenta", corpus)
    print(f"{'numenta (published)':22s}" + "".join(f" {v:9.1f}" for v in reference))
    print_details(benched[-1], args.per_file)
    if args.injected:
        injected = injected_corpus(corpus, args.seed, args.replicates)
        injected_report("ensemble", score_injected(EnsembleDetector, injected), injected)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
