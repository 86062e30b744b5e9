"""Time on the command line: ISO-8601 or epoch seconds in, ISO-8601 UTC with milliseconds out."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from core.model import NS_PER_S

EPOCH_MS_THRESHOLD = 10**11
MAX_NS = 2**63 - 1
MIN_NS = -(2**63)
"""Epoch numbers above this are taken as milliseconds (year 5138 in seconds)."""


def parse_time(text: str) -> int:
    """ISO-8601 (``Z``/offset; no zone = UTC) or epoch seconds (or ms) -> epoch nanoseconds."""
    value = text.strip()
    if not value:
        raise ValueError("empty timestamp")
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if not math.isfinite(number):
            raise ValueError(f"not a timestamp: {text!r}")
        seconds = number / 1000 if abs(number) >= EPOCH_MS_THRESHOLD else number
        whole = int(seconds)
        return _in_range(whole * NS_PER_S + round((seconds - whole) * NS_PER_S), text)
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise ValueError(f"not an ISO-8601 timestamp: {text!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return _in_range(
        (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000, text
    )


def _in_range(ts_ns: int, text: str) -> int:
    if not MIN_NS <= ts_ns <= MAX_NS:
        raise ValueError(f"timestamp out of range (1677..2262): {text!r}")
    return ts_ns


def format_time(ts_ns: int) -> str:
    """``2026-11-23T08:00:00.123Z`` (UTC, milliseconds)."""
    ms = ts_ns // 1_000_000
    moment = datetime.fromtimestamp(ms // 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"
