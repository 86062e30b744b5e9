"""The Home Assistant ``value_template`` forms the ``homeassistant`` format reads, without Jinja.

Supported (whitespace inside the braces is free)::

    {{ value }}                                   the raw payload text
    {{ value_json.a.b[0] }}                       a key path in the JSON payload
    {{ value_json['a']["b"] }}                    the same with bracketed keys (mixable)
    ... | float   | int   | float(0)   | int(0)   | round(2)      optional filters, chained

Anything else (other variables, arithmetic, ``if``, other filters, ``{% %}`` blocks) raises
``DecodeError("unsupported_template")``. Nothing is ever evaluated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from drivers.mqtt.formats._paths import MISSING, Path, lookup
from drivers.mqtt.formats.base import DecodeError

_FILTERS = ("float", "int", "round")


def _unsupported(text: str, why: str) -> DecodeError:
    return DecodeError("unsupported_template", f"{why}: {text[:120]!r}")


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed ``value_template``: where the value is, and the filters applied to it."""

    path: Path | None
    """Key path in the JSON payload, or None for the raw payload text."""
    filters: tuple[tuple[str, float | None], ...] = ()

    def render(self, text: str, data: object) -> object:
        """The value for a payload (``data`` is the parsed JSON when ``path`` is set), or None."""
        value = text if self.path is None else lookup(data, self.path)
        if value is MISSING:
            return None
        for name, argument in self.filters:
            value = _apply(name, argument, value)
            if value is None:
                return None
        return value


RAW = Template(None)


def _apply(name: str, argument: float | None, value: object) -> object:
    if not isinstance(value, int | float | str):
        return None
    try:
        converted = float(value)
        if name == "round":
            return round(converted, int(argument or 0))
        return int(converted) if name == "int" else converted
    except (ValueError, OverflowError):
        if name == "round" or argument is None:
            return None
        return int(argument) if name == "int" else argument


def _key_path(text: str, expression: str) -> Path | None:
    if expression == "value":
        return None
    if not expression.startswith("value_json"):
        raise _unsupported(text, "only value and value_json are supported")
    rest = expression[len("value_json") :]
    parts: list[str | int] = []
    while rest:
        if rest[0] == ".":
            name = rest[1:].split(".", 1)[0].split("[", 1)[0]
            if not name or not all(char.isalnum() or char == "_" for char in name):
                raise _unsupported(text, "bad attribute name")
            parts.append(name)
            rest = rest[1 + len(name) :]
        elif rest[0] == "[":
            inner, closing, rest = rest[1:].partition("]")
            inner = inner.strip()
            if closing and len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                parts.append(inner[1:-1])
            elif closing and inner.isascii() and inner.isdigit():
                parts.append(int(inner))
            else:
                raise _unsupported(text, "bad subscript")
        else:
            raise _unsupported(text, "unexpected text after value_json")
    return tuple(parts)


def _filter(text: str, spec: str) -> tuple[str, float | None]:
    name, parenthesis, argument = spec.partition("(")
    name = name.strip()
    if name not in _FILTERS:
        raise _unsupported(text, f"filter {name!r} is not supported")
    if not parenthesis:
        return name, None
    argument = argument.strip()
    if not argument.endswith(")"):
        raise _unsupported(text, "unclosed filter argument")
    argument = argument[:-1].strip()
    if not argument:
        return name, None
    try:
        value = float(argument)
    except ValueError:
        raise _unsupported(text, "filter argument is not a number") from None
    if not math.isfinite(value):
        raise _unsupported(text, "filter argument is not finite")
    return name, value


def parse_template(text: object) -> Template:
    """Parse a ``value_template`` (None or empty: the raw payload)."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return RAW
    if not isinstance(text, str):
        raise _unsupported(str(text), "template is not text")
    body = text.strip()
    if not (body.startswith("{{") and body.endswith("}}")) or "{{" in body[2:-2]:
        raise _unsupported(text, "expected a single {{ ... }} expression")
    expression, *filters = (part.strip() for part in body[2:-2].split("|"))
    path = _key_path(text, expression)
    return Template(path, tuple(_filter(text, spec) for spec in filters))
