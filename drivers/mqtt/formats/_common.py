"""Helpers shared by the payload formats: bounded JSON loading, leaf flattening, values, units.

Everything here is on the hot path (one call per MQTT message, one loop turn per value), so it
uses plain ``json.loads``, dictionary look-ups and string concatenation: no regular expression
runs per field.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import repeat
from typing import Any

import orjson

from core.model import Quality, Reading
from drivers.base import TagDeclaration
from drivers.mqtt.formats.base import MAX_PAYLOAD_BYTES, DecodeError

DECODE_REASONS: frozenset[str] = frozenset(
    {
        "too_large",  # payload over MAX_PAYLOAD_BYTES
        "invalid_encoding",  # payload is not UTF-8
        "invalid_json",  # payload is not JSON (or a number beyond Python's digit limit)
        "too_deep",  # JSON nested deeper than MAX_DEPTH
        "wrong_type",  # valid JSON of the wrong shape (e.g. a string where a number is mandatory)
        "unexpected_topic",  # topic does not match the format's pattern
        "bad_timestamp",  # a source timestamp that cannot be read
        "invalid_option",  # the subscription's options are not usable
        "unsupported_template",  # Home Assistant value_template beyond the supported forms
        "too_many_entities",  # Home Assistant session entity limit reached
    }
)
"""Every ``DecodeError.reason`` a format may raise (the driver's counter keys)."""

MAX_DEPTH = 32
"""Deepest JSON nesting a format walks; deeper payloads raise ``too_deep``."""

Value = int | float | bool
Leaf = tuple[str, str, Value]
"""(path inside the payload, nearest object key, value): ``("ENERGY.Power[0]", "Power", 10)``."""

STATE_WORDS: dict[str, int] = {
    word: number
    for words, number in ((("on", "online", "true"), 1), (("off", "offline", "false"), 0))
    for base in words
    for word in (base, base.upper(), base.capitalize())
}
"""``ON``/``OFF``/``online``/``offline``/``true``/``false`` (any usual casing) as 1/0."""

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
_orjson_loads = orjson.loads
_loads = json.JSONDecoder().decode  # what json.loads(text) calls, minus its argument checks
_new = object.__new__
_consume: Callable[[Iterable[None]], None] = deque[None](maxlen=0).extend
_FIELDS = ("tag", "value", "ts_ns", "quality")
_FILL_SLOTS = tuple(getattr(Reading, "__slots__", ())) == _FIELDS and not hasattr(
    Reading, "__post_init__"
)
_SLOT_SETTERS: tuple[Callable[[Reading, Any], None], ...] = (
    tuple(vars(Reading)[name].__set__ for name in _FIELDS) if _FILL_SLOTS else ()
)


def payload_text(payload: bytes) -> str:
    """The payload as text: ``too_large`` / ``invalid_encoding`` when it cannot be."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise DecodeError("too_large", f"{len(payload)} bytes > {MAX_PAYLOAD_BYTES}")
    try:
        return (payload if type(payload) is bytes else bytes(payload)).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError("invalid_encoding", f"not UTF-8 at byte {exc.start}") from None


def load_json(payload: bytes) -> Any:
    """Parse a JSON payload (NaN/Infinity literals are accepted and passed on as floats)."""
    return parse_json_text(payload_text(payload))


def parse_json_text(text: str) -> Any:
    """Parse JSON text (``too_deep`` / ``invalid_json`` when it cannot be)."""
    try:
        return _loads(text) if not text.startswith("\ufeff") else json.loads(text)  # BOM: its error
    except RecursionError:
        raise DecodeError("too_deep", "JSON nested too deeply to parse") from None
    except ValueError as exc:  # JSONDecodeError, and ints beyond the digit limit
        raise DecodeError("invalid_json", str(exc)[:200]) from None


def load_object_fast(payload: bytes) -> dict[str, Any]:
    """:func:`load_object` through orjson (about 3x faster), with the same result.

    orjson refuses some inputs the standard parser takes (NaN/Infinity literals, numbers
    beyond a double, lone surrogates) and reports its own errors: anything orjson does not
    parse into an object goes through :func:`load_object`, which decides as before. orjson
    reads integers beyond 64 bits as floats where the standard parser keeps an int, so use
    this only where such integers become floats anyway (leaf values, see :func:`number`).
    """
    if len(payload) <= MAX_PAYLOAD_BYTES:
        try:
            data = _orjson_loads(payload)
        except (ValueError, TypeError):  # orjson.JSONDecodeError is a ValueError
            data = None
        if type(data) is dict:
            return data
    return load_object(payload)


def json_type(value: object) -> str:
    """JSON's name for a parsed value's type, for error details."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def load_object(payload: bytes) -> dict[str, Any]:
    """Parse a payload that must be a JSON object (``wrong_type`` otherwise)."""
    data = load_json(payload)
    if not isinstance(data, dict):
        raise DecodeError("wrong_type", f"JSON {json_type(data)} where an object is expected")
    return data


def number(value: int | float) -> int | float:
    """A JSON number as a reading value; integers beyond int64 become (possibly infinite) floats."""
    if isinstance(value, float) or _INT64_MIN <= value <= _INT64_MAX:
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def scalar(value: object, states: Mapping[str, int] | None) -> Value | None:
    """A JSON leaf as a reading value, or None when it is not one.

    Numbers and booleans are kept; a string is looked up in ``states`` (e.g. ``ON`` -> 1) when
    the format treats its strings as states, and skipped otherwise.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return number(value)
    if states is not None and isinstance(value, str):
        return states.get(value)
    return None


def flatten(
    node: object,
    out: list[Leaf],
    *,
    states: Mapping[str, int] | None = STATE_WORDS,
    skip: frozenset[str] = frozenset(),
    path: str = "",
    key: str = "",
) -> list[Leaf]:
    """Append every numeric/boolean (or state-word) leaf under ``node`` to ``out``.

    Nested keys are joined with ``.`` and array elements written ``[n]``; keys in ``skip`` (and
    empty keys) are left out at every level. Raises ``too_deep`` beyond :data:`MAX_DEPTH` levels. ``node`` is
    parsed JSON (exact ``dict``/``list``/``str``/``int``/``float``/``bool`` types).
    """
    if type(node) is dict:
        _walk_object(node, out, states, skip, f"{path}." if path else "", 0)
    elif type(node) is list:
        _walk_array(node, out, states, skip, path, key, 0)
    else:
        value = scalar(node, states)
        if value is not None:
            out.append((path, key, value))
    return out


def _walk_object(
    node: dict[str, Any],
    out: list[Leaf],
    states: Mapping[str, int] | None,
    skip: frozenset[str],
    prefix: str,
    depth: int,
) -> None:
    if depth >= MAX_DEPTH:
        raise DecodeError("too_deep", f"more than {MAX_DEPTH} levels at {prefix[:64]!r}")
    for key, child in node.items():
        if not key or key in skip:
            continue
        kind = type(child)
        if kind is float or kind is bool:
            out.append((prefix + key, key, child))
        elif kind is int:
            out.append(
                (prefix + key, key, child if _INT64_MIN <= child <= _INT64_MAX else number(child))
            )
        elif kind is str:
            if states is not None and child in states:
                out.append((prefix + key, key, states[child]))
        elif kind is dict:
            _walk_object(child, out, states, skip, prefix + key + ".", depth + 1)
        elif kind is list:
            _walk_array(child, out, states, skip, prefix + key, key, depth + 1)


def _walk_array(
    node: list[Any],
    out: list[Leaf],
    states: Mapping[str, int] | None,
    skip: frozenset[str],
    path: str,
    key: str,
    depth: int,
) -> None:
    if depth >= MAX_DEPTH:
        raise DecodeError("too_deep", f"more than {MAX_DEPTH} levels at {path[:64]!r}")
    for index, child in enumerate(node):
        kind = type(child)
        if kind is dict:
            _walk_object(child, out, states, skip, f"{path}[{index}].", depth + 1)
        elif kind is list:
            _walk_array(child, out, states, skip, f"{path}[{index}]", key, depth + 1)
        else:
            value = scalar(child, states)
            if value is not None:
                out.append((f"{path}[{index}]", key, value))


def number_text(text: str) -> int | float | None:
    """A plain-text payload (``"12.5"``, ``"3"``) as a number, or None."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def declaration(
    tag: str, unit: str, device: str, device_class: str = "", description: str = ""
) -> TagDeclaration:
    """A (cached, shared) tag declaration; formats repeat them on every message."""
    return TagDeclaration(
        name=tag, unit=unit, description=description, device=device, device_class=device_class
    )


def leaf_readings(device: str, leaves: list[Leaf], ts_ns: int | None) -> list[Reading]:
    """One reading per leaf, named ``<device>/<path>``."""
    prefix = device + "/"
    return readings_at(
        [prefix + path for path, _, _ in leaves], [leaf[2] for leaf in leaves], ts_ns
    )


def readings_at(tags: Sequence[str], values: Sequence[Value], ts_ns: int | None) -> list[Reading]:
    """``[Reading(tag, value, ts_ns) ...]`` (quality GOOD) built column-wise, at half the cost.

    ``Reading`` is a frozen slots dataclass without ``__post_init__``: filling its slots
    directly gives objects equal in every respect to the ones its ``__init__`` makes (should
    that ever change, the plain constructor is used). ``values`` must match ``tags`` in length.
    """
    if not _FILL_SLOTS:
        return [Reading(tag, value, ts_ns) for tag, value in zip(tags, values, strict=True)]
    made = [_new(Reading) for _ in tags]
    columns: tuple[Iterable[Any], ...] = (tags, values, repeat(ts_ns), repeat(Quality.GOOD))
    for setter, column in zip(_SLOT_SETTERS, columns, strict=True):
        _consume(map(setter, made, column))
    return made


def leaf_declarations(
    device: str, leaves: list[Leaf], units: Mapping[str, str]
) -> list[TagDeclaration]:
    """Declarations for the leaves whose nearest key has a known unit."""
    prefix = device + "/"
    found = []
    for path, key, _value in leaves:
        unit = units.get(key)
        if unit:
            found.append(declaration(prefix + path, unit, device))
    return found
