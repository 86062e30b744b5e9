"""Flattening plans: the leaf layout of one payload shape, reused for the next message.

A device sends the same JSON shape over and over; only the values change. :func:`flatten`
builds a path string and a tuple per leaf on every message. A :class:`Plan` records the shape
of a payload once (every object's keys in order, every array's length, what each leaf was) and
:meth:`Plan.extract` then walks the next payload along it, appending the leaf values only.

``extract`` returns exactly ``[leaf[2] for leaf in flatten(data, ...)]`` when the payload has
the recorded shape, and None as soon as anything differs (a key added, removed, renamed or
reordered, an array of another length, a leaf that changed kind, a text that became a state
word or the other way round); the caller then flattens the payload the general way and records
its new shape. So a plan never changes what a payload decodes to, only what it costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drivers.mqtt.formats._common import Leaf, Value, number

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

SKIP, NUM, STATE, TEXT, NULL, OBJECT, ARRAY = range(7)
"""Kinds of plan steps: a skipped key (any value), a number/bool leaf, a state word, a text
that is not one, a null, a nested object, a nested array."""

Step = tuple[Any, int, Any]
"""(key or None in arrays, kind, nested steps for OBJECT/ARRAY else None)."""


def _kind(value: object, states: Mapping[str, int] | None) -> int:
    kind = type(value)
    if kind is float or kind is bool or kind is int:
        return NUM
    if kind is str:
        return STATE if states is not None and value in states else TEXT
    if kind is dict:
        return OBJECT
    if kind is list:
        return ARRAY
    return NULL


def _steps(node: object, states: Mapping[str, int] | None, skip: frozenset[str]) -> Any:
    if type(node) is dict:
        return tuple(
            (key, SKIP, None) if not key or key in skip else _step(key, child, states, skip)
            for key, child in node.items()
        )
    return tuple(_step(None, child, states, skip) for child in node)  # type: ignore[attr-defined]


def _step(
    key: str | None, child: object, states: Mapping[str, int] | None, skip: frozenset[str]
) -> Step:
    kind = _kind(child, states)
    return (key, kind, _steps(child, states, skip) if kind in (OBJECT, ARRAY) else None)


class Plan:
    """The recorded shape of one parsed JSON object (see the module docstring)."""

    __slots__ = ("_states", "_steps", "keys", "paths")

    def __init__(
        self,
        data: dict[str, Any],
        leaves: list[Leaf],
        states: Mapping[str, int] | None,
        skip: frozenset[str] = frozenset(),
    ) -> None:
        """Record ``data``'s shape; ``leaves`` is ``flatten(data, [], states=..., skip=...)``."""
        self._states = states
        self._steps: tuple[Step, ...] = _steps(data, states, skip)
        self.paths: tuple[str, ...] = tuple(leaf[0] for leaf in leaves)
        self.keys: tuple[str, ...] = tuple(leaf[1] for leaf in leaves)

    def extract(self, data: dict[str, Any]) -> list[Value] | None:
        """The leaf values of ``data`` in ``paths`` order, or None when its shape differs."""
        out: list[Value] = []
        if type(data) is dict and _object(data, self._steps, self._states, out):
            return out
        return None


def _object(
    node: dict[str, Any],
    steps: tuple[Step, ...],
    states: Mapping[str, int] | None,
    out: list[Value],
) -> bool:
    if len(node) != len(steps):
        return False
    append = out.append
    # Lengths checked above. No strict= keyword: on CPython 3.11 any keyword sends zip() down
    # its slow constructor path, a fifth of this walk's time over a payload's seven objects.
    for key, (expected, kind, nested) in zip(node, steps):  # noqa: B905
        if key != expected:
            return False
        if kind == NUM:  # the common case, inline
            child = node[key]
            child_type = type(child)
            if child_type is float or child_type is bool:
                append(child)
            elif child_type is int:
                append(child if _INT64_MIN <= child <= _INT64_MAX else number(child))
            else:
                return False
        elif kind == OBJECT:  # inline too: a nested object per sensor
            child = node[key]
            if type(child) is not dict or not _object(child, nested, states, out):
                return False
        elif kind == TEXT:
            child = node[key]
            if type(child) is not str or (states is not None and child in states):
                return False
        elif kind != SKIP and not _other(node[key], kind, nested, states, out):
            return False
    return True


def _array(
    node: list[Any], steps: tuple[Step, ...], states: Mapping[str, int] | None, out: list[Value]
) -> bool:
    if len(node) != len(steps):
        return False
    for child, (_, kind, nested) in zip(node, steps):  # noqa: B905 (lengths checked above)
        if kind == NUM:
            child_type = type(child)
            if child_type is not float and child_type is not bool and child_type is not int:
                return False
            out.append(number(child))  # what flatten's scalar() gives an array element
        elif not _other(child, kind, nested, states, out):
            return False
    return True


def _other(
    child: object, kind: int, nested: Any, states: Mapping[str, int] | None, out: list[Value]
) -> bool:
    """Match a non-numeric step, appending its value when it is a leaf."""
    if kind == OBJECT:
        return type(child) is dict and _object(child, nested, states, out)
    if kind == ARRAY:
        return type(child) is list and _array(child, nested, states, out)
    if kind == STATE:
        if type(child) is not str or states is None or child not in states:
            return False
        out.append(states[child])
        return True
    if kind == TEXT:
        return type(child) is str and (states is None or child not in states)
    return _kind(child, states) == NULL
