"""Forecast benchmark: ``python -m bench.forecast_bench [--nab-root DIR] [--horizon N]``.

For each NAB series with a daily cycle: resampled to 30 minutes (hourly data stays hourly),
the last four weeks, a day-ahead forecast with a three-fold rolling-origin backtest. Reports
the fit time per series (backtest + final fit, wall clock) and the backtest MASE and sMAPE of
the ensemble beside the seasonal-naive forecast's (the "raw limit" column; MASE is shown x 100,
so below 100 beats the in-sample seasonal-naive error), the leave-one-fold-out coverage of the
90 % interval in the backtest, and the empirical coverage of the 80 % and 90 % intervals on
held-out data: the ensemble is refitted at ``--origins`` forecast origins one horizon apart at
the end of the series, each fit seeing only the data before its origin, and the share of the
following ``horizon`` actual values inside each band is counted (``--origins 0`` skips it).
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.common import Row, print_table
from core.analytics.forecast import Forecaster, ForecastSettings, RegularSeries, resample_mean
from core.analytics.nab import read_series_csv
from core.model import NS_PER_S

log = logging.getLogger(__name__)

DEFAULT_NAB_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nab"
HALF_HOUR_NS = 1800 * NS_PER_S
HOUR_NS = 3600 * NS_PER_S
WEEKS = 4
LEVELS = (0.8, 0.9)


@dataclass(frozen=True)
class Series:
    """A NAB file, the step it is resampled to and its daily season in steps."""

    name: str
    step_ns: int

    @property
    def season(self) -> int:
        """Steps per day."""
        return int(86_400 * NS_PER_S // self.step_ns)


SERIES = (
    Series("realKnownCause/nyc_taxi.csv", HALF_HOUR_NS),
    Series("realKnownCause/ambient_temperature_system_failure.csv", HOUR_NS),
    Series("realKnownCause/machine_temperature_system_failure.csv", HALF_HOUR_NS),
    Series("realKnownCause/ec2_request_latency_system_failure.csv", HALF_HOUR_NS),
    Series("artificialNoAnomaly/art_daily_small_noise.csv", HALF_HOUR_NS),
    Series("artificialWithAnomaly/art_daily_jumpsup.csv", HALF_HOUR_NS),
)


def bench_series(root: Path, series: Series, horizon_days: float) -> list[Row]:
    """Fit time and backtest metrics of one series (no rows when the file is absent)."""
    path = root / "data" / series.name
    if not path.is_file():
        log.warning("skipping %s: not found", path)
        return []
    ts_ns, values = read_series_csv(path)
    regular = resample_mean(ts_ns, values, series.step_ns).tail(WEEKS * 7 * series.season)
    horizon = round(horizon_days * series.season)
    settings = _settings(series, horizon, len(regular))
    started = time.perf_counter()
    fitted = Forecaster(settings).fit(regular.ts_ns, regular.values)
    elapsed = time.perf_counter() - started
    short = Path(series.name).stem
    naive = fitted.naive_metrics
    return [
        Row(f"{short}: fit ({len(regular)} steps)", elapsed, "s"),
        Row(f"{short}: MASE x 100", 100 * fitted.metrics.mase, "", 100 * naive.mase, "< 100"),
        Row(f"{short}: sMAPE", fitted.metrics.smape, "%", naive.smape, "< naive"),
        Row(
            f"{short}: 90 % coverage, backtest", 100 * fitted.calibration.coverage, "%", None, "~90"
        ),
    ]


def _settings(series: Series, horizon: int, history: int) -> ForecastSettings:
    return ForecastSettings(horizon=horizon, season=series.season, max_history=history)


def held_out_coverage(
    full: RegularSeries, series: Series, horizon: int, origins: int
) -> dict[float, float]:
    """Share of the actual values inside the 80 % / 90 % bands of forecasts made at ``origins``
    origins one horizon apart at the end of ``full`` (each fit on the weeks before it)."""
    history = WEEKS * 7 * series.season
    hits: dict[float, list[float]] = {level: [] for level in LEVELS}
    for k in range(origins, 0, -1):
        end = len(full) - k * horizon
        past = full.head(end).tail(history)
        fitted = Forecaster(_settings(series, horizon, len(past))).fit(past.ts_ns, past.values)
        actual = full.values[end : end + horizon]
        for level in LEVELS:
            result = fitted.predict(horizon, level)
            hits[level] += list((actual >= result.lower) & (actual <= result.upper))
    return {level: float(np.mean(found)) for level, found in hits.items()}


def coverage_rows(root: Path, series: Series, horizon_days: float, origins: int) -> list[Row]:
    """Held-out coverage rows of one series (none when the file is absent or ``origins`` is 0)."""
    path = root / "data" / series.name
    if origins < 1 or not path.is_file():
        return []
    full = resample_mean(*read_series_csv(path), series.step_ns)
    horizon = round(horizon_days * series.season)
    found = held_out_coverage(full, series, horizon, origins)
    short = Path(series.name).stem
    return [
        Row(
            f"{short}: {level:.0%} coverage, {origins} held-out origins",
            100 * share,
            "%",
            None,
            f"~{level:.0%}",
        )
        for level, share in found.items()
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the benchmark, print its table and return the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab-root", type=Path, default=DEFAULT_NAB_ROOT)
    parser.add_argument("--horizon-days", type=float, default=1.0)
    parser.add_argument("--origins", type=int, default=5, help="held-out forecast origins")
    args = parser.parse_args(argv)
    root = args.nab_root.resolve()
    rows: list[Row] = []
    for series in SERIES:
        rows += bench_series(root, series, args.horizon_days)
        rows += coverage_rows(root, series, args.horizon_days, args.origins)
    print_table(f"Forecast ensemble on NAB (last {WEEKS} weeks, day-ahead backtest)", rows)
    return rows


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    main()
