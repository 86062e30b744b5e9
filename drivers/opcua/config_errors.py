"""Turn pydantic validation errors into (key path, value, message) for :class:`DriverConfigError`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

SECRET_KEY = re.compile(r"pass|secret|token|credential", re.IGNORECASE)
SECRET_SOURCES = frozenset({"password_env", "password_keyring"})
"""Keys that name where a secret lives (not secrets themselves)."""


class _Unset:
    """Marks a key the file does not set (shown as ``(not set)`` in errors)."""

    def __repr__(self) -> str:
        return "(not set)"


UNSET = _Unset()


class KeyedError(ValueError):
    """A cross-field problem that belongs to a specific key below the validated model."""

    def __init__(self, loc: tuple[int | str, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _key_path(index: int, loc: Sequence[int | str]) -> str:
    path = f"opcua[{index}]"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _value_at(raw: Any, loc: Sequence[int | str]) -> object:
    """The raw value at ``loc``; :data:`UNSET` when the key is not set."""
    value = raw
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return UNSET
    return value


def _error_loc(error: Any) -> tuple[int | str, ...]:
    """The error's key path, extended by the key a cross-field check names."""
    loc = tuple(error["loc"])
    cause = (error.get("ctx") or {}).get("error")
    return loc + cause.loc if isinstance(cause, KeyedError) else loc


def _redacted(loc: Sequence[int | str], value: object) -> object:
    """Never echo what may be a secret: values under a key that looks like one are masked."""
    if any(
        isinstance(part, str) and SECRET_KEY.search(part) and part not in SECRET_SOURCES
        for part in loc
    ):
        return "***"
    return value


def describe_validation_error(
    exc: ValidationError, index: int, table: dict[str, Any]
) -> tuple[str, object, str]:
    """Key path (``opcua[0].nodes[3].node``), offending value (secrets masked) and message."""
    error = exc.errors(include_url=False)[0]
    loc = _error_loc(error)
    message = str(error["msg"]).removeprefix("Value error, ")
    return _key_path(index, loc), _redacted(loc, _value_at(table, loc)), message
