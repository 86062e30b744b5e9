"""Streaming anomaly detectors: causal scores in [0, 1] per sample.

Every detector keeps its state between batches (``update(ts_ns, values)``) and scores whole
series offline (``score_series``); the score of a sample uses only samples up to it.

- :class:`SeasonalRobustDetector` — seasonal residual, robust z (median/MAD);
- :class:`EwmaCusumDetector` — EWMA baseline with a CUSUM for shifts and drift;
- :class:`EnsembleDetector` — the default: spikes, shifts, drift, stuck sensors, noise changes;
- :class:`DiscordDetector` — shape anomalies: the trailing window's distance to every past one;
- :class:`ResonanceDetector` — novel window shapes by adaptive resonance (ARTime's method);
- :class:`IsolationForestDetector` — several aligned channels of one device.
"""

from core.analytics.anomaly.base import DetectorBase, StreamDetector
from core.analytics.anomaly.calibrate import AlertFrequency, NoveltyShaper, TailCalibrator
from core.analytics.anomaly.change import Cusum, EwmaCusumDetector, EwmaCusumSettings
from core.analytics.anomaly.cli import run_anomalies_cli, score_csv
from core.analytics.anomaly.discord import DiscordDetector, DiscordSettings, WindowDiscord
from core.analytics.anomaly.ensemble import EnsembleDetector, EnsembleSettings
from core.analytics.anomaly.multivariate import IsolationForestDetector, IsolationForestSettings
from core.analytics.anomaly.quality import FlatlineTracker, VolatilityTracker
from core.analytics.anomaly.resonance import (
    ResonanceDetector,
    ResonanceNovelty,
    ResonanceSettings,
)
from core.analytics.anomaly.seasonal import (
    DAY_NS,
    WEEK_NS,
    ResidualModel,
    ResidualSettings,
    SeasonalBaseline,
    SeasonalRobustDetector,
    SeasonalRobustSettings,
)

__all__ = [
    "DAY_NS",
    "WEEK_NS",
    "AlertFrequency",
    "Cusum",
    "DetectorBase",
    "DiscordDetector",
    "DiscordSettings",
    "EnsembleDetector",
    "EnsembleSettings",
    "EwmaCusumDetector",
    "EwmaCusumSettings",
    "FlatlineTracker",
    "IsolationForestDetector",
    "IsolationForestSettings",
    "NoveltyShaper",
    "ResidualModel",
    "ResidualSettings",
    "ResonanceDetector",
    "ResonanceNovelty",
    "ResonanceSettings",
    "SeasonalBaseline",
    "SeasonalRobustDetector",
    "SeasonalRobustSettings",
    "StreamDetector",
    "TailCalibrator",
    "VolatilityTracker",
    "WindowDiscord",
    "run_anomalies_cli",
    "score_csv",
]
