"""The NAB scorer reproduces NAB v1.1: published per-file scores, windows, sweep, normalisation."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analytics.nab import (
    PROFILES,
    STANDARD,
    LabeledSeries,
    ScoredSeries,
    build_windows,
    load_label_stamps,
    load_profiles,
    normalize,
    optimize_threshold,
    read_columns,
    results_path,
    row_weights,
    score_corpus,
    score_file,
    sweep_thresholds,
)
from tests.core.analytics import nab_oracle

GOLDEN_FILES = [
    "ambient_temperature_system_failure",
    "cpu_utilization_asg_misconfiguration",
    "ec2_request_latency_system_failure",
    "machine_temperature_system_failure",
    "nyc_taxi",
    "rogue_agent_key_hold",
    "rogue_agent_key_updown",
]


def _numenta_scores(nab_root: Path, name: str) -> np.ndarray:
    column = read_columns(results_path(nab_root, "numenta", name))["anomaly_score"]
    return np.array(column, dtype=np.float64)


def _by_name(corpus: list[LabeledSeries], name: str) -> LabeledSeries:
    return next(f for f in corpus if f.name == name)


def test_profiles_file_matches_builtin_profiles(nab_root: Path) -> None:
    loaded = load_profiles(nab_root / "config" / "profiles.json")
    assert {p.name: p for p in PROFILES} == loaded


@pytest.mark.parametrize(
    ("profile_name", "threshold", "golden"),
    [
        ("standard", 0.5421876907348634, "1.36013273774"),
        ("reward_low_FN_rate", 0.5421876907348634, "0.360132737738"),
        ("reward_low_FP_rate", 0.5751955032348636, "1.32453417071"),
    ],
)
def test_readme_golden_machine_temperature(
    nab_root: Path,
    nab_corpus: list[LabeledSeries],
    profile_name: str,
    threshold: float,
    golden: str,
) -> None:
    name = "realKnownCause/machine_temperature_system_failure.csv"
    profile = next(p for p in PROFILES if p.name == profile_name)
    result = score_file(
        _numenta_scores(nab_root, name), _by_name(nab_corpus, name).windows, profile, threshold
    )
    assert f"{result.score:.12g}" == golden


@pytest.mark.parametrize("profile", PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize("stem", GOLDEN_FILES)
def test_published_per_file_scores(
    nab_root: Path, nab_corpus: list[LabeledSeries], profile: object, stem: str
) -> None:
    """Every row of numenta_<profile>_scores.csv whose raw output is shipped: score to the
    12 significant digits NAB printed, and the exact TP/TN/FP/FN/total counts."""
    name = f"realKnownCause/{stem}.csv"
    thresholds = json.loads((nab_root / "config" / "thresholds.json").read_text())["numenta"]
    table = read_columns(nab_root / "results" / "numenta" / f"numenta_{profile.name}_scores.csv")
    row = table["File"].index(name)
    threshold = thresholds[profile.name]["threshold"]
    assert f"{threshold:.12g}" == table["Threshold"][row]
    result = score_file(
        _numenta_scores(nab_root, name), _by_name(nab_corpus, name).windows, profile, threshold
    )
    assert f"{result.score:.12g}" == table["Score"][row]
    counts = (result.tp, result.tn, result.fp, result.fn, result.total_count)
    assert counts == tuple(int(table[k][row]) for k in ("TP", "TN", "FP", "FN", "Total_Count"))


def test_windows_built_from_labels_match_combined_windows(
    nab_root: Path, nab_corpus: list[LabeledSeries]
) -> None:
    labels = load_label_stamps(nab_root / "labels" / "combined_labels.json")
    for series in nab_corpus:
        rows = [int(np.flatnonzero(series.ts_ns == stamp)[0]) for stamp in labels[series.name]]
        assert tuple(build_windows(series.ts_ns.size, rows)) == series.windows, series.name


@pytest.mark.parametrize(
    ("n_rows", "anomalies", "expected"),
    [
        (1000, [], []),
        (1000, [500], [(450, 550)]),
        (1000, [100], []),  # starts inside the probationary period: dropped
        (1000, [980], [(930, 999)]),  # clipped to the series
        (1000, [400, 430], [(375, 455)]),  # overlapping: merged
    ],
)
def test_build_windows_rules(
    n_rows: int, anomalies: list[int], expected: list[tuple[int, int]]
) -> None:
    assert build_windows(n_rows, anomalies) == expected


@st.composite
def _scored_files(draw: st.DrawFn) -> list[tuple[np.ndarray, tuple[tuple[int, int], ...]]]:
    files = []
    for _ in range(draw(st.integers(1, 3))):
        n = draw(st.integers(20, 120))
        cuts = sorted(draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=4, unique=True)))
        windows = tuple(
            (cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2) if cuts[i + 1] - cuts[i] >= 1
        )
        levels = draw(
            st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]), min_size=n, max_size=n)
        )
        files.append((np.array(levels), windows))
    return files


@settings(max_examples=60, deadline=None)
@given(_scored_files())
def test_sweep_matches_nab_loop(
    files: list[tuple[np.ndarray, tuple[tuple[int, int], ...]]],
) -> None:
    """The vectorised sweep equals NAB's loop threshold by threshold (score and counts)."""
    for profile in PROFILES:
        weights = (profile.tp_weight, profile.fp_weight, profile.fn_weight)
        points = []
        for k, (scores, windows) in enumerate(files):
            for row, sweep, window in nab_oracle.sweep_scores(
                scores.size, windows, weights, str(k)
            ):
                points.append((float(scores[row]), sweep, window))
        expected = nab_oracle.score_by_threshold(points, profile.fn_weight)
        ours = sweep_thresholds([(s, row_weights(s.size, w, profile)) for s, w in files], profile)
        assert ours.thresholds.tolist() == [e[0] for e in expected]
        np.testing.assert_allclose(ours.scores, [e[1] for e in expected], rtol=0, atol=1e-9)
        assert list(zip(ours.tp, ours.tn, ours.fp, ours.fn, strict=True)) == [
            e[2:] for e in expected
        ]


def test_optimized_threshold_is_the_corpus_score_at_it(
    nab_root: Path, nab_corpus: list[LabeledSeries]
) -> None:
    series = [
        ScoredSeries(f.name, _numenta_scores(nab_root, f.name), f.windows)
        for f in nab_corpus
        if results_path(nab_root, "numenta", f.name).is_file()
    ]
    for profile in PROFILES:
        best = optimize_threshold(series, profile)
        corpus = score_corpus(series, profile)
        assert corpus.threshold == best.threshold
        assert corpus.score == pytest.approx(best.score, abs=1e-9)
        assert sum(f.tp for f in corpus.files) == best.tp
        assert sum(f.fp for f in corpus.files) == best.fp


def test_null_scores_zero_and_perfect_scores_hundred(nab_corpus: list[LabeledSeries]) -> None:
    perfect = []
    for f in nab_corpus:
        scores = np.zeros(f.values.size)
        for first, _ in f.windows:
            scores[first] = 1.0
        perfect.append(ScoredSeries(f.name, scores, f.windows))
    null = [ScoredSeries(f.name, np.full(f.values.size, 0.5), f.windows) for f in nab_corpus]
    for profile in PROFILES:
        assert score_corpus(null, profile).normalized == pytest.approx(0.0, abs=1e-12)
        assert score_corpus(perfect, profile).normalized == pytest.approx(100.0, abs=1e-9)
    windows = sum(len(f.windows) for f in nab_corpus)
    assert score_corpus(null, STANDARD).null_score == -windows


def test_normalize_formula() -> None:
    assert normalize(46.634450197137596, -116.0, 116.0) == pytest.approx(70.1, abs=0.05)
    with pytest.raises(ValueError, match="no window"):
        normalize(0.0, 0.0, 0.0)
