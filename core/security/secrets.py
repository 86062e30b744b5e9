"""Secrets come only from the environment or the OS keyring, and never reach a log line.

:func:`get_secret` looks a secret up and registers its value with the process-wide
:class:`SecretRedactor`; :func:`install_redaction` makes every log record pass through it (a
filter on the root logger and its handlers, plus a record factory, so handlers added later
are covered too). Logging is process-wide, so the redactor is too: one instance,
:data:`REDACTOR`, holds the values of every plant opened in the process.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

MASK = "********"
MIN_SECRET_LENGTH = 4
"""Shorter values are not masked (masking ``abc`` everywhere would garble every log line)."""


class SecretNotFound(LookupError):
    """A required secret is in neither the environment nor the keyring (names, never values)."""


class SecretRedactor(logging.Filter):
    """Masks every registered secret value in log records (message, arguments, traceback)."""

    def __init__(self) -> None:
        super().__init__()
        self._values: Counter[str] = Counter()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def register(self, value: str) -> None:
        """Mask ``value`` from now on (until as many :meth:`unregister` calls)."""
        if len(value) < MIN_SECRET_LENGTH:
            return
        with self._lock:
            self._values[value] += 1
            self._rebuild()

    def unregister(self, value: str) -> None:
        """Undo one :meth:`register`."""
        with self._lock:
            if self._values[value] <= 1:
                self._values.pop(value, None)
            else:
                self._values[value] -= 1
            self._rebuild()

    def _rebuild(self) -> None:
        values = sorted(self._values, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``********``."""
        pattern = self._pattern
        return pattern.sub(MASK, text) if pattern is not None else text

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        if self._pattern is None:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


REDACTOR = SecretRedactor()
"""The process-wide redactor (see the module docstring)."""


def register_secret(value: str) -> None:
    """Mask ``value`` in every log record from now on."""
    REDACTOR.register(value)


@contextmanager
def temporary_secret(value: str) -> Iterator[None]:
    """Mask ``value`` while the block runs (a password being checked)."""
    REDACTOR.register(value)
    try:
        yield
    finally:
        REDACTOR.unregister(value)


def install_redaction(redactor: SecretRedactor = REDACTOR) -> SecretRedactor:
    """Make every log record pass through ``redactor`` (idempotent)."""
    root = logging.getLogger()
    if redactor not in root.filters:
        root.addFilter(redactor)
    for handler in root.handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
    factory = logging.getLogRecordFactory()
    if getattr(factory, "redactor", None) is not redactor:
        logging.setLogRecordFactory(_redacting_factory(factory, redactor))
    return redactor


def _redacting_factory(
    inner: Callable[..., logging.LogRecord], redactor: SecretRedactor
) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = inner(*args, **kwargs)
        redactor.filter(record)
        return record

    factory.redactor = redactor  # type: ignore[attr-defined]
    return factory


def get_secret(
    env_name: str | None = None,
    keyring_service: str | None = None,
    keyring_user: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The secret from ``env_name`` if set, else from the OS keyring; None when in neither.

    A found value is registered with the redactor. Keyring failures are logged by name only.
    """
    env = os.environ if environ is None else environ
    if env_name and env.get(env_name):
        value = env[env_name]
        register_secret(value)
        return value
    if keyring_service and keyring_user:
        stored = _from_keyring(keyring_service, keyring_user)
        if stored:
            register_secret(stored)
            return stored
    return None


def require_secret(
    env_name: str | None = None,
    keyring_service: str | None = None,
    keyring_user: str | None = None,
) -> str:
    """Like :func:`get_secret` but raises :class:`SecretNotFound` naming where it looked."""
    value = get_secret(env_name, keyring_service, keyring_user)
    if value is None:
        places = []
        if env_name:
            places.append(f"environment variable {env_name}")
        if keyring_service and keyring_user:
            places.append(f"keyring {keyring_service}/{keyring_user}")
        raise SecretNotFound("secret not found in " + (" or ".join(places) or "any source"))
    return value


def _from_keyring(service: str, user: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(service, user)
    except KeyringError as exc:
        log.warning("keyring %s/%s unavailable: %s", service, user, type(exc).__name__)
        return None


def store_in_keyring(service: str, user: str, value: str) -> None:
    """Save a secret in the OS keyring (raises keyring's error when there is none)."""
    import keyring

    register_secret(value)
    keyring.set_password(service, user, value)
