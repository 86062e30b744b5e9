"""``controldeck anomaly-events list``: the anomaly events the live anomaly service stored.

(The offline scorer ``controldeck anomalies --csv FILE`` lives in :mod:`core.cli.analytics_cmds`.)
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from pathlib import Path
from typing import Any

from core.analytics.live.events import AnomalyEvent, list_events
from core.cli.output import write_csv, write_json, write_table
from core.config import ConfigError, load_config
from core.model import NS_PER_S, now_ns
from core.store.historian import Historian
from core.timefmt import format_time, parse_time

COLUMNS = (
    "tag",
    "detector",
    "start",
    "end",
    "duration_s",
    "peak_score",
    "peak_time",
    "peak_value",
    "baseline_median",
    "close_reason",
)
_GLOB_CHARS = frozenset("*?[")


def add_parsers(sub: Any) -> None:
    """Register ``anomaly-events``."""
    events = sub.add_parser("anomaly-events", help="anomaly events of the live anomaly service")
    verbs = events.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = verbs.add_parser("list", help="events overlapping a period, oldest first")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--from", dest="start", help="ISO-8601 or epoch seconds (default: all)")
    p.add_argument("--to", dest="end", help="ISO-8601 or epoch seconds (default: now)")
    p.add_argument("--tag", help="tag name or glob pattern (meter1/*)")
    p.add_argument("--open", action="store_true", help="only events still open")
    p.add_argument("--limit", type=int, default=1000, help="at most this many (the newest)")
    p.add_argument("--format", choices=["text", "json", "csv"], default="text")
    p.set_defaults(handler=cmd_list)


def _period(args: argparse.Namespace) -> tuple[int, int]:
    try:
        start = parse_time(args.start) if args.start else 0
        end = parse_time(args.end) if args.end else now_ns()
    except ValueError as exc:
        raise ConfigError(
            "command line", "--from/--to", f"{args.start} .. {args.end}", str(exc)
        ) from exc
    if end < start:
        raise ConfigError("command line", "--to", args.end, "ends before --from")
    return start, end


def cmd_list(args: argparse.Namespace, **_: Any) -> int:
    """Print the events (text table, JSON or CSV); exit 0."""
    if args.limit < 1:
        raise ConfigError("command line", "--limit", args.limit, "must be >= 1")
    start, end = _period(args)
    pattern: str | None = args.tag
    is_glob = pattern is not None and bool(_GLOB_CHARS & set(pattern))
    config = load_config(args.config)
    hist = Historian.open(config)
    try:
        events = list_events(
            hist.engine,
            start,
            end,
            tag=None if is_glob else pattern,
            open_only=args.open,
            limit=None if is_glob else args.limit,
        )
    finally:
        hist.close()
    if is_glob and pattern is not None:
        events = [e for e in events if fnmatch.fnmatchcase(e.tag, pattern)][-args.limit :]
    records = [event_record(e) for e in events]
    if args.format == "json":
        write_json(sys.stdout, records)
    else:
        rows = [[_cell(r[c]) for c in COLUMNS] for r in records]
        (write_csv if args.format == "csv" else write_table)(sys.stdout, COLUMNS, rows)
    return 0


def event_record(event: AnomalyEvent) -> dict[str, Any]:
    """One event as JSON-friendly fields, times as ISO-8601 UTC and as epoch nanoseconds."""
    end = event.end_ns
    return {
        "tag": event.tag,
        "detector": event.detector,
        "start": format_time(event.start_ns),
        "end": format_time(end) if end is not None else None,
        "open": end is None,
        "duration_s": (end - event.start_ns) / NS_PER_S if end is not None else None,
        "peak_score": round(event.peak_score, 4),
        "peak_time": format_time(event.peak_ns),
        "peak_value": event.peak_value,
        "baseline_median": event.baseline_median,
        "baseline_sigma": event.baseline_sigma,
        "close_reason": event.close_reason,
        "start_ns": event.start_ns,
        "end_ns": end,
        "peak_ns": event.peak_ns,
    }


def _cell(value: object) -> object:
    if value is None:
        return "open"
    if isinstance(value, float):
        return f"{value:.6g}"
    return value
