"""``controldeck import`` and ``controldeck export``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any, TextIO

from core.cli.output import write_csv, write_json
from core.config import ConfigError, load_config
from core.importer import import_csv
from core.model import Quality
from core.store.historian import Historian
from core.timefmt import format_time, parse_time


def add_parsers(sub: Any) -> None:
    """Register the data commands."""
    p = sub.add_parser("import", help="import history from CSV (tag,timestamp,value[,quality])")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--csv", required=True, type=Path)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=cmd_import)
    p = sub.add_parser("export", help="export history as CSV or JSON")
    p.add_argument("--config", required=True, type=Path)
    p.add_argument("--tag", required=True, action="append", dest="tags")
    p.add_argument("--from", required=True, dest="start")
    p.add_argument("--to", required=True, dest="end")
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--max-points", type=int, default=0, help="decimate (min/max) to about N points")
    p.add_argument("--out", type=Path, help="write to a file instead of standard output")
    p.set_defaults(handler=cmd_export)


def cmd_import(args: argparse.Namespace, **_: Any) -> int:
    """Import a CSV file and print the counts with reasons."""
    config = load_config(args.config)
    historian = Historian.open(config)
    try:
        result = import_csv(historian, args.csv)
    finally:
        historian.close()
    if args.format == "json":
        write_json(sys.stdout, dataclasses.asdict(result))
        return 0
    out = sys.stdout
    out.write(f"rows: {result.rows}\nimported: {result.imported}\n")
    out.write(f"duplicate: {result.duplicates}\nrejected: {result.rejected}\n")
    for reason, count in sorted(result.reasons.items()):
        out.write(f"  {reason}: {count}\n")
    for example in result.examples:
        out.write(f"  - {example}\n")
    return 0


def _window(args: argparse.Namespace, source: str) -> tuple[int, int]:
    try:
        start, end = parse_time(args.start), parse_time(args.end)
    except ValueError as exc:
        raise ConfigError(source, "--from/--to", f"{args.start} .. {args.end}", str(exc)) from exc
    if end < start:
        raise ConfigError(source, "--to", args.end, "is before --from")
    return start, end


def cmd_export(args: argparse.Namespace, **_: Any) -> int:
    """Write history of one or more tags."""
    config = load_config(args.config)
    start, end = _window(args, "command line")
    historian = Historian.open(config)
    try:
        rows = _export_rows(historian, args.tags, start, end, args.max_points)
    finally:
        historian.close()
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as fh:
            _write_export(fh, args.format, rows)
    else:
        _write_export(sys.stdout, args.format, rows)
    return 0


def _write_export(out: TextIO, fmt: str, rows: list[tuple[str, str, float, str]]) -> None:
    header = ("tag", "timestamp", "value", "quality")
    if fmt == "json":
        write_json(out, [dict(zip(header, r, strict=True)) for r in rows])
    else:
        write_csv(out, header, rows)


def _export_rows(
    historian: Historian, tags: list[str], start: int, end: int, max_points: int
) -> list[tuple[str, str, float, str]]:
    rows: list[tuple[str, str, float, str]] = []
    for tag in tags:
        if historian.registry.get(tag) is None:
            raise ConfigError("command line", "--tag", tag, "unknown tag")
        if max_points > 0:
            series = historian.history(tag, start, end, max_points)
        else:
            series = historian.raw(tag, start, end)
        labels = {int(q): Quality(int(q)).label for q in set(series.quality.tolist())}
        rows.extend(
            (tag, format_time(ts), value, labels[q])
            for ts, value, q in zip(
                series.ts_ns.tolist(), series.values.tolist(), series.quality.tolist(), strict=True
            )
        )
    return rows
