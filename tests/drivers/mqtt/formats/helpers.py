"""Small helpers for the payload-format tests: decode by name, index the result, expected times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from drivers.mqtt.formats import get_format
from drivers.mqtt.formats.base import Decoded, DecodeError, PayloadFormat, Subscription


def decode(
    name: str, topic: str, payload: bytes | str, /, fmt: PayloadFormat | None = None, **options: Any
) -> Decoded:
    """Decode one message with format ``name`` (or the given decoder) and these options."""
    data = payload.encode() if isinstance(payload, str) else payload
    decoder = fmt if fmt is not None else get_format(name)
    return decoder.decode(topic, data, Subscription(topic="#", format=name, options=options), 0)


def reject(name: str, topic: str, payload: bytes | str, /, **options: Any) -> DecodeError:
    """The DecodeError a message raises (fails the test when it decodes)."""
    with pytest.raises(DecodeError) as caught:
        decode(name, topic, payload, **options)
    return caught.value


def values(decoded: Decoded) -> dict[str, object]:
    """tag -> value of every reading (tags must be unique)."""
    found = {reading.tag: reading.value for reading in decoded.readings}
    assert len(found) == len(decoded.readings), "duplicate tags"
    return found


def units(decoded: Decoded) -> dict[str, str]:
    """tag -> unit of every declaration."""
    return {declaration.name: declaration.unit for declaration in decoded.declarations}


def timestamps(decoded: Decoded) -> set[int | None]:
    """The distinct ``ts_ns`` of the readings."""
    return {reading.ts_ns for reading in decoded.readings}


def ns(*fields: int, zone: str = "UTC", micro: int = 0) -> int:
    """Epoch nanoseconds of a wall-clock time in ``zone``: ``ns(2019, 9, 14, 16, 24, 49)``."""
    tz = UTC if zone == "UTC" else ZoneInfo(zone)
    moment = datetime(*fields, microsecond=micro, tzinfo=tz)  # type: ignore[misc]
    return int(moment.timestamp()) * 1_000_000_000 + micro * 1000
