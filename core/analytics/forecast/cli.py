"""Offline forecasting of a NAB-format CSV (header ``timestamp,value``).

Backs ``controldeck forecast --csv FILE --horizon N [--season S] [--format csv|json]``:
:func:`run_forecast_cli` writes ``timestamp,forecast,lower,upper`` lines (``csv``; the backtest
figures go to the log) or one JSON object with the points, the backtest MASE/sMAPE of the
ensemble, of each member and of seasonal naive, and the member weights (``json``).
"""

from __future__ import annotations

import json
import logging
import math
import sys
from pathlib import Path
from typing import Any, Literal, TextIO

import numpy as np
import numpy.typing as npt

from core.analytics.forecast.ensemble import ForecastSettings, forecast
from core.analytics.forecast.result import Forecast
from core.analytics.forecast.series import FloatArray, IntArray
from core.analytics.nab.corpus import parse_timestamps, read_columns

log = logging.getLogger(__name__)

FORMATS = ("csv", "json")


def read_csv_series(path: Path) -> tuple[IntArray, FloatArray]:
    """``(ts_ns, values)`` of a ``timestamp,value`` CSV; empty or non-numeric values are NaN."""
    columns = read_columns(path)
    if "timestamp" not in columns or "value" not in columns:
        raise ValueError(f"{path}: expected a 'timestamp,value' header, got {sorted(columns)}")
    stamps = [stamp.strip().removesuffix("Z") for stamp in columns["timestamp"]]
    values = np.array([_number(cell) for cell in columns["value"]], dtype=np.float64)
    return parse_timestamps(stamps), values


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def format_stamps(ts_ns: IntArray, step_ns: int) -> list[str]:
    """NAB-style ``YYYY-MM-DD HH:MM:SS`` (UTC), with milliseconds when the step needs them."""
    unit: Literal["s", "ms"] = "s" if step_ns % 1_000_000_000 == 0 else "ms"
    stamps: npt.NDArray[np.datetime64] = ts_ns.astype("datetime64[ns]")
    texts = np.datetime_as_string(stamps, unit=unit)
    return [str(text).replace("T", " ") for text in texts]


def forecast_records(result: Forecast) -> list[dict[str, Any]]:
    """One ``{timestamp, forecast, lower, upper}`` dict per step."""
    stamps = format_stamps(result.ts_ns, result.step_ns)
    return [
        {"timestamp": stamp, "forecast": float(m), "lower": float(lo), "upper": float(hi)}
        for stamp, m, lo, hi in zip(stamps, result.mean, result.lower, result.upper, strict=True)
    ]


def run_forecast_cli(
    csv_path: Path,
    out: TextIO,
    fmt: str,
    horizon: int,
    season: int | None = None,
    level: float = 0.9,
) -> int:
    """Forecast ``csv_path`` ``horizon`` steps ahead and write the result to ``out``;
    0 on success, 2 on bad input (one ``error:`` line on stderr)."""
    if fmt not in FORMATS:
        return _bad(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if horizon < 1 or (season is not None and season < 1) or not 0.0 < level < 1.0:
        return _bad("horizon and season must be >= 1 and the level in (0, 1)")
    try:
        ts_ns, values = read_csv_series(csv_path)
        result = forecast(
            ts_ns, values, horizon, season=season, settings=ForecastSettings(level=level)
        )
    except (OSError, ValueError, StopIteration) as exc:
        return _bad(f"cannot forecast {csv_path}: {exc}")
    write_forecast(out, result, fmt)
    return 0


def write_forecast(out: TextIO, result: Forecast, fmt: str) -> None:
    """``csv`` lines ``timestamp,forecast,lower,upper`` or one JSON object."""
    records = forecast_records(result)
    summary = result.summary()
    log.info(
        "backtest MASE %.3f sMAPE %.2f %% (seasonal naive MASE %.3f), weights %s",
        result.metrics.mase,
        result.metrics.smape,
        result.naive_metrics.mase,
        summary["weights"],
    )
    if fmt == "json":
        json.dump({"forecast": records, **summary}, out, indent=1)
        out.write("\n")
        return
    out.write("timestamp,forecast,lower,upper\n")
    out.writelines(
        f"{r['timestamp']},{r['forecast']:.10g},{r['lower']:.10g},{r['upper']:.10g}\n"
        for r in records
    )


def _bad(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return 2
