"""Forecast benchmark: ``python -m bench.forecast_bench [--nab-root DIR] [--horizon N]``.

For each NAB series with a daily cycle: resampled to 30 minutes (hourly data stays hourly),
the last four weeks, a day-ahead forecast with a three-fold rolling-origin backtest. Reports
the fit time per series (backtest + final fit, wall clock) and the backtest MASE and sMAPE of
the ensemble beside the seasonal-naive forecast's (the "raw limit" column; MASE is shown x 100,
so below 100 beats the in-sample seasonal-naive error), and the held-out coverage of the 90 %
interval.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import Row, print_table
from core.analytics.forecast import Forecaster, ForecastSettings, resample_mean
from core.analytics.nab import read_series_csv
from core.model import NS_PER_S

log = logging.getLogger(__name__)

DEFAULT_NAB_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nab"
HALF_HOUR_NS = 1800 * NS_PER_S
HOUR_NS = 3600 * NS_PER_S
WEEKS = 4


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
    settings = ForecastSettings(horizon=horizon, season=series.season, max_history=len(regular))
    started = time.perf_counter()
    fitted = Forecaster(settings).fit(regular.ts_ns, regular.values)
    elapsed = time.perf_counter() - started
    short = Path(series.name).stem
    naive = fitted.naive_metrics
    return [
        Row(f"{short}: fit ({len(regular)} steps)", elapsed, "s"),
        Row(f"{short}: MASE x 100", 100 * fitted.metrics.mase, "", 100 * naive.mase, "< 100"),
        Row(f"{short}: sMAPE", fitted.metrics.smape, "%", naive.smape, "< naive"),
        Row(f"{short}: 90 % coverage", 100 * fitted.calibration.coverage, "%", None, "~90"),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the benchmark, print its table and return the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nab-root", type=Path, default=DEFAULT_NAB_ROOT)
    parser.add_argument("--horizon-days", type=float, default=1.0)
    args = parser.parse_args(argv)
    root = args.nab_root.resolve()
    rows: list[Row] = []
    for series in SERIES:
        rows += bench_series(root, series, args.horizon_days)
    print_table(f"Forecast ensemble on NAB (last {WEEKS} weeks, day-ahead backtest)", rows)
    return rows


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    main()
