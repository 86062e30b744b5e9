"""Key paths into parsed JSON: ``"data.values[0].v"`` <-> ``("data", "values", 0, "v")``."""

from __future__ import annotations

from drivers.mqtt.formats.base import DecodeError

Path = tuple[str | int, ...]
MISSING = object()
"""What :func:`lookup` returns when the path leads nowhere."""


def parse_path(text: str) -> Path:
    """``"data.values[0].v"`` -> ``("data", "values", 0, "v")`` (``invalid_option`` if malformed)."""
    parts: list[str | int] = []
    for position, segment in enumerate(text.split(".")):
        name, bracket, rest = segment.partition("[")
        if name:
            parts.append(name)
        elif position or not bracket:
            raise DecodeError("invalid_option", f"malformed key path {text!r}")
        while bracket:
            index, closing, rest = rest.partition("]")
            if (
                not closing
                or not (index.isascii() and index.isdigit())
                or (rest and not rest.startswith("["))
            ):
                raise DecodeError("invalid_option", f"malformed key path {text!r}")
            parts.append(int(index))
            bracket, rest = rest[:1], rest[1:]
    return tuple(parts)


def lookup(data: object, path: Path) -> object:
    """The value at ``path`` inside parsed JSON, or ``MISSING``."""
    node = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return MISSING
            node = node[part]
        elif isinstance(node, dict):
            node = node.get(part, MISSING)
            if node is MISSING:
                return MISSING
        else:
            return MISSING
    return node
