"""Secrets from the environment or the keyring only; the redactor masks them in every log record."""

from __future__ import annotations

import logging

import keyring.core
import pytest

from core.security.secrets import (
    MASK,
    REDACTOR,
    SecretNotFound,
    SecretRedactor,
    get_secret,
    install_redaction,
    register_secret,
    require_secret,
    temporary_secret,
)
from tests.core.security.conftest import MemoryKeyring

SECRET = "s3cr3t-Value-For-Tests-91"
log = logging.getLogger("tests.security.secrets")


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    backend = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", backend)
    return backend


def test_secret_from_environment_first(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.items[("svc", "user")] = "from-the-keyring-1"
    assert get_secret("CD_TEST_SECRET", "svc", "user", environ={"CD_TEST_SECRET": SECRET}) == SECRET
    assert get_secret("CD_TEST_SECRET", "svc", "user", environ={}) == "from-the-keyring-1"
    assert get_secret("CD_TEST_SECRET", "svc", "other", environ={}) is None
    assert REDACTOR.redact(f"x {SECRET} y from-the-keyring-1") == f"x {MASK} y {MASK}"


def test_locked_keyring_is_named_not_dumped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", MemoryKeyring(locked=True))
    assert get_secret(keyring_service="svc", keyring_user="user") is None
    assert "keyring svc/user unavailable: KeyringLocked" in caplog.text


def test_require_secret_names_places_not_values(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(SecretNotFound, match="environment variable CD_NOPE or keyring svc/user"):
        require_secret("CD_NOPE", "svc", "user")


@pytest.fixture
def redactor() -> SecretRedactor:
    fresh = SecretRedactor()
    fresh.register(SECRET)
    return fresh


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        (f"password is {SECRET}", ()),
        ("password is %s", (SECRET,)),
        ("%(pw)s leaked", ({"pw": SECRET},)),
        ("100% sure %d", (3,)),
    ],
)
def test_filter_masks_message_and_arguments(
    redactor: SecretRedactor, msg: str, args: tuple[object, ...]
) -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, msg, args, None)
    assert redactor.filter(record)
    assert SECRET not in record.getMessage()


def test_filter_masks_tracebacks_and_stacks(redactor: SecretRedactor) -> None:
    try:
        raise ValueError(f"connect failed with {SECRET}")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    record.stack_info = f"stack with {SECRET}"
    redactor.filter(record)
    text = logging.Formatter().format(record)
    assert SECRET not in text and "ValueError" in text and MASK in text


def test_short_values_and_unregister(redactor: SecretRedactor) -> None:
    redactor.register("ab")
    assert redactor.redact("abc") == "abc"
    redactor.register(SECRET)
    redactor.unregister(SECRET)
    assert redactor.redact(SECRET) == MASK
    redactor.unregister(SECRET)
    assert redactor.redact(SECRET) == SECRET


def test_installed_redaction_covers_every_logger_and_later_handlers(
    caplog: pytest.LogCaptureFixture, redactor_restored: None
) -> None:
    """caplog's handler is added after install_redaction: the record factory covers it."""
    install_redaction()
    install_redaction()
    register_secret(SECRET)
    with temporary_secret("typed-password-123"):
        log.warning("user typed %s and %s", "typed-password-123", SECRET)
    try:
        raise RuntimeError(SECRET)
    except RuntimeError:
        log.exception("failure")
    assert "typed-password-123" not in caplog.text and SECRET not in caplog.text
    assert caplog.text.count(MASK) >= 3
    assert (
        sum(getattr(f, "redactor", None) is REDACTOR for f in [logging.getLogRecordFactory()]) == 1
    )
