"""Offline anomaly scoring of a NAB-format CSV (header ``timestamp,value``).

Backs ``controldeck anomalies --csv FILE``: :func:`run_anomalies_cli` writes one
``timestamp,value,score`` line per row (``csv``) or a JSON array (``json``).
"""

from __future__ import annotations

import json
import logging
import math
import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from core.analytics.anomaly.base import StreamDetector
from core.analytics.anomaly.ensemble import EnsembleDetector
from core.analytics.nab.corpus import parse_timestamps, read_columns

log = logging.getLogger(__name__)

FORMATS = ("csv", "json")


def score_csv(path: Path, detector: StreamDetector | None = None) -> list[tuple[str, float, float]]:
    """``(timestamp, value, score)`` per row of a ``timestamp,value`` CSV, in file order.

    Timestamps are ISO-like (``2014-07-01 00:30:00``, a trailing ``Z`` is accepted), taken as UTC.
    An empty or non-numeric value is NaN and scores 0. The default detector is the ensemble.
    """
    columns = read_columns(path)
    if "timestamp" not in columns or "value" not in columns:
        raise ValueError(f"{path}: expected a 'timestamp,value' header, got {sorted(columns)}")
    stamps = columns["timestamp"]
    ts_ns = parse_timestamps([stamp.strip().removesuffix("Z") for stamp in stamps])
    values = np.array([_number(cell) for cell in columns["value"]], dtype=np.float64)
    scores = (detector or EnsembleDetector()).score_series(ts_ns, values)
    log.debug("scored %d rows of %s", len(stamps), path)
    return [
        (stamp, float(value), float(score))
        for stamp, value, score in zip(stamps, values, scores, strict=True)
    ]


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def run_anomalies_cli(csv_path: Path, out: TextIO, fmt: str) -> int:
    """Score ``csv_path`` and write the rows to ``out`` as ``csv`` (header
    ``timestamp,value,score``) or ``json``; 0 on success, 2 on bad input (message on stderr)."""
    if fmt not in FORMATS:
        sys.stderr.write(f"error: unknown format {fmt!r} (choose from {', '.join(FORMATS)})\n")
        return 2
    try:
        rows = score_csv(csv_path)
    except (OSError, ValueError, StopIteration) as exc:
        sys.stderr.write(f"error: cannot score {csv_path}: {exc}\n")
        return 2
    if fmt == "json":
        records = [{"timestamp": t, "value": _json_number(v), "score": s} for t, v, s in rows]
        json.dump(records, out, indent=1)
        out.write("\n")
    else:
        out.write("timestamp,value,score\n")
        out.writelines(f"{t},{_csv_number(v)},{s:.6f}\n" for t, v, s in rows)
    return 0


def _csv_number(value: float) -> str:
    return "" if math.isnan(value) else repr(value)


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value
