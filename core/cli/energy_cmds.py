"""``controldeck energy``: kWh and CO2e per device, area and site, per period.

``--device D`` prints that device's object (device, kwh, co2e_kg, factor, factor_source,
method, periods...) with the report context; without it the whole plant (``devices``, ``areas``,
``sites``, ``total``). ``--format csv`` prints one row per device and period.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, cast

from core.analytics.energy import GRANULARITIES, EnergyService, Granularity
from core.analytics.energy.export import CSV_COLUMNS, context, csv_rows, meter_dict, report_dict
from core.cli.output import write_csv, write_json
from core.config import ConfigError, load_config
from core.store.historian import Historian
from core.timefmt import parse_time

log = logging.getLogger(__name__)


def add_parsers(sub: Any) -> None:
    """Register ``energy``."""
    p = sub.add_parser("energy", help="energy (kWh) and CO2e per device and period")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--device", help="one device (default: every metered device)")
    p.add_argument("--from", required=True, dest="start", help="ISO-8601 or epoch seconds")
    p.add_argument("--to", required=True, dest="end", help="ISO-8601 or epoch seconds")
    p.add_argument(
        "--by",
        choices=[g for g in GRANULARITIES if g != "total"],
        default="day",
        help="period (in the plant's time zone)",
    )
    p.add_argument("--format", choices=["json", "csv"], default="json")
    p.set_defaults(handler=cmd_energy)


def _window(start: str, end: str) -> tuple[int, int]:
    try:
        lo, hi = parse_time(start), parse_time(end)
    except ValueError as exc:
        raise ConfigError("command line", "--from/--to", f"{start} .. {end}", str(exc)) from exc
    if hi <= lo:
        raise ConfigError("command line", "--to", end, "must be after --from")
    return lo, hi


def energy_data(
    config_path: Path, start: str, end: str, by: str, device: str | None
) -> tuple[dict[str, Any], list[list[Any]]]:
    """The report as JSON data and as CSV rows."""
    config = load_config(config_path)
    lo, hi = _window(start, end)
    historian = Historian.open(config)
    try:
        service = EnergyService.for_historian(historian)
        devices = [device] if device is not None else None
        report = service.report(lo, hi, cast(Granularity, by), devices)
        service.cache.save()
        for line in report.warnings:
            log.warning("energy: %s", line)
    finally:
        historian.close()
    if device is not None:
        return {**meter_dict(report.meters[0]), **context(report)}, csv_rows(report)
    return report_dict(report), csv_rows(report)


def cmd_energy(args: argparse.Namespace, **_: Any) -> int:
    """Print energy and CO2e as JSON or CSV."""
    data, rows = energy_data(args.config, args.start, args.end, args.by, args.device)
    if args.format == "csv":
        write_csv(sys.stdout, CSV_COLUMNS, rows)
    else:
        write_json(sys.stdout, data)
    return 0
