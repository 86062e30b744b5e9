"""``controldeck forecast`` and ``controldeck anomalies``: offline analytics of a CSV series."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

FORECAST_FORMATS = ("csv", "json")
# statsmodels and scikit-learn load in about 1.5 s: imported only when these commands run.

log = logging.getLogger(__name__)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def add_parsers(sub: Any) -> None:
    """Register the offline analytics commands."""
    p = sub.add_parser(
        "forecast",
        help="forecast a timestamp,value CSV (ensemble, intervals, backtest MASE/sMAPE)",
    )
    p.add_argument("--csv", required=True, type=Path, help="series with header timestamp,value")
    p.add_argument("--horizon", required=True, type=_positive_int, help="steps to forecast")
    p.add_argument(
        "--season", type=_positive_int, default=None, help="season in steps (default: daily)"
    )
    p.add_argument("--level", type=_level, default=0.9, help="prediction interval level")
    p.add_argument("--format", choices=list(FORECAST_FORMATS), default="csv")
    p.set_defaults(handler=cmd_forecast)
    p = sub.add_parser("anomalies", help="score a timestamp,value CSV: timestamp,value,score")
    p.add_argument("--csv", required=True, type=Path, help="series with header timestamp,value")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.set_defaults(handler=cmd_anomalies)


def cmd_forecast(args: argparse.Namespace, **_: Any) -> int:
    """Print ``timestamp,forecast,lower,upper`` (or JSON with backtest metrics and weights)."""
    from core.analytics.forecast.cli import run_forecast_cli

    return run_forecast_cli(
        args.csv, sys.stdout, args.format, args.horizon, season=args.season, level=args.level
    )


def cmd_anomalies(args: argparse.Namespace, **_: Any) -> int:
    """Print ``timestamp,value,score`` per row (or JSON)."""
    from core.analytics.anomaly.cli import run_anomalies_cli

    return run_anomalies_cli(args.csv, sys.stdout, args.format)
