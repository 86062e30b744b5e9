"""Numenta Anomaly Benchmark (NAB v1.1) scoring, reimplemented over numpy arrays.

Typical use::

    corpus = load_corpus(nab_root)
    series = [ScoredSeries(f.name, detector_scores(f), f.windows) for f in corpus]
    result = score_corpus(series, STANDARD)      # threshold optimised as NAB does
    result.normalized                              # Null = 0, Perfect = 100
"""

from core.analytics.nab.corpus import (
    LabeledSeries,
    load_corpus,
    load_label_stamps,
    load_window_limits,
    parse_timestamps,
    read_columns,
    read_series_csv,
    results_path,
)
from core.analytics.nab.profiles import (
    PROFILES,
    REWARD_LOW_FN_RATE,
    REWARD_LOW_FP_RATE,
    STANDARD,
    CostProfile,
    load_profiles,
)
from core.analytics.nab.scorer import (
    CorpusScore,
    FileScore,
    OptimizedThreshold,
    ScoredSeries,
    normalize,
    null_score,
    optimize_threshold,
    perfect_score,
    score_corpus,
    score_file,
)
from core.analytics.nab.sweep import (
    RowWeights,
    ThresholdSweep,
    row_weights,
    scaled_sigmoid,
    sweep_thresholds,
)
from core.analytics.nab.windows import RowWindow, build_windows, probation_length, window_rows

__all__ = [
    "PROFILES",
    "REWARD_LOW_FN_RATE",
    "REWARD_LOW_FP_RATE",
    "STANDARD",
    "CorpusScore",
    "CostProfile",
    "FileScore",
    "LabeledSeries",
    "OptimizedThreshold",
    "RowWeights",
    "RowWindow",
    "ScoredSeries",
    "ThresholdSweep",
    "build_windows",
    "load_corpus",
    "load_label_stamps",
    "load_profiles",
    "load_window_limits",
    "normalize",
    "null_score",
    "optimize_threshold",
    "parse_timestamps",
    "perfect_score",
    "probation_length",
    "read_columns",
    "read_series_csv",
    "results_path",
    "row_weights",
    "scaled_sigmoid",
    "score_corpus",
    "score_file",
    "sweep_thresholds",
    "window_rows",
]
