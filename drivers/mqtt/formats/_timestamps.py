"""Source timestamps in payloads -> UTC epoch nanoseconds (``bad_timestamp`` when unreadable).

Accepted: ISO-8601 text (``2024-05-14T09:30:00.250Z``, ``+01:00`` offsets; a time without a zone
is read in the given time zone, UTC by default) and epoch numbers (also as numeric text) in
seconds, milliseconds, microseconds or nanoseconds. With unit ``auto`` the unit is guessed from
the magnitude: below 1e11 seconds (up to year 5138), below 1e14 milliseconds, below 1e17
microseconds, above that nanoseconds. Float epochs keep microsecond resolution.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from drivers.mqtt.formats.base import DecodeError

TIMESTAMP_UNITS = ("auto", "iso", "s", "ms", "us", "ns")
"""Values of the ``timestamp_unit`` option."""

_NS_PER_UNIT = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_MAX_MICROSECONDS = 9.2e15


def _bad(value: object, why: str) -> DecodeError:
    return DecodeError("bad_timestamp", f"{why}: {str(value)[:64]!r}")


def _guess_unit(magnitude: float) -> str:
    if magnitude < 1e11:
        return "s"
    if magnitude < 1e14:
        return "ms"
    if magnitude < 1e17:
        return "us"
    return "ns"


def _checked(ns: int, value: object) -> int:
    if not _INT64_MIN <= ns <= _INT64_MAX:
        raise _bad(value, "outside the int64 nanosecond range")
    return ns


def from_number(value: int | float, unit: str = "auto") -> int:
    """An epoch number in ``unit`` (or guessed by magnitude) as nanoseconds."""
    if unit == "iso":
        raise _bad(value, "a number where ISO-8601 text is expected")
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(value, "not finite")
    if unit == "auto":
        unit = _guess_unit(abs(value))
    scale = _NS_PER_UNIT[unit]
    if isinstance(value, int):
        return _checked(value * scale, value)
    microseconds = value * scale / 1000
    if abs(microseconds) > _MAX_MICROSECONDS:
        raise _bad(value, "outside the int64 nanosecond range")
    return _checked(round(microseconds) * 1000, value)


def from_datetime(moment: datetime, zone: tzinfo = UTC) -> int:
    """A datetime as nanoseconds; a naive one is taken to be in ``zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return _checked((moment - _EPOCH) // _MICROSECOND * 1000, moment)
    except OverflowError:
        raise _bad(moment, "outside the supported date range") from None


def from_text(text: str, unit: str = "auto", zone: tzinfo = UTC) -> int:
    """ISO-8601 text, or an epoch number written as text, as nanoseconds."""
    if unit in ("auto", "iso"):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            if unit == "iso":
                raise _bad(text, "not ISO-8601") from None
        else:
            return from_datetime(moment, zone)
    try:
        value = float(text)
    except ValueError:
        raise _bad(text, "neither ISO-8601 nor an epoch number") from None
    return from_number(int(value) if value.is_integer() else value, unit)


def timestamp_ns(value: object, unit: str = "auto", zone: tzinfo = UTC) -> int:
    """A timestamp found in a payload (number or text) as UTC epoch nanoseconds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad(value, "not a number or text")
    if isinstance(value, str):
        return from_text(value, unit, zone)
    return from_number(value, unit)


def zone_named(name: object) -> tzinfo:
    """The IANA time zone ``name`` (``invalid_option`` when unknown)."""
    if name in ("UTC", "utc", "Z"):
        return UTC
    if not isinstance(name, str) or not name:
        raise DecodeError("invalid_option", f"time zone must be a name, not {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise DecodeError("invalid_option", f"unknown time zone {name!r}") from None
