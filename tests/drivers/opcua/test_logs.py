"""asyncua's logging is guarded: passwords masked, once-a-second outage noise demoted."""

from __future__ import annotations

import logging

import pytest

from drivers.opcua.logs import PasswordRedactor, RepeatDemoter, install_log_guards

TOKEN = "UserNameIdentityToken(PolicyId='username', UserName='alice', Password={pw}, EncryptionAlgorithm=None)"


@pytest.mark.parametrize(
    "password", ["b'hunter2'", "b'hun\\\\'ter2'", "b'ends-with-backslash\\\\'", 'b"q\'uote"']
)
def test_password_is_masked(password: str) -> None:
    record = logging.LogRecord(
        "asyncua", logging.DEBUG, "f", 1, "Sending: %s", (TOKEN.format(pw=password),), None
    )
    PasswordRedactor().filter(record)
    message = record.getMessage()
    assert "Password=***" in message and "hunter" not in message and "uote" not in message
    assert "UserName='alice'" in message and "EncryptionAlgorithm=None" in message


def test_password_without_the_next_field_hides_the_rest() -> None:
    record = logging.LogRecord(
        "asyncua", logging.DEBUG, "f", 1, "x Password=b'secret' and more", None, None
    )
    PasswordRedactor().filter(record)
    assert record.getMessage() == "x Password=*** (rest withheld)"


@pytest.mark.parametrize(("logger_level", "kept"), [(logging.INFO, False), (logging.DEBUG, True)])
def test_repeating_outage_records_become_debug(logger_level: int, kept: bool) -> None:
    logger = logging.getLogger("tests.opcua.demoter")
    logger.setLevel(logger_level)
    demoter = RepeatDemoter(logger, ("Publish iteration crashed",))
    noisy = logging.LogRecord(
        logger.name, logging.ERROR, "f", 1, "Publish iteration crashed; retrying in 1s", None, None
    )
    other = logging.LogRecord(logger.name, logging.WARNING, "f", 1, "something else", None, None)
    assert demoter.filter(noisy) is kept and noisy.levelno == logging.DEBUG
    assert demoter.filter(other) is True and other.levelno == logging.WARNING


def test_guards_are_installed_once() -> None:
    install_log_guards()
    install_log_guards()
    request_logger = logging.getLogger("asyncua.client.ua_client.UASocketProtocol")
    assert sum(isinstance(f, PasswordRedactor) for f in request_logger.filters) == 1
    session_logger = logging.getLogger("asyncua.client.ua_session.UaSession")
    assert sum(isinstance(f, RepeatDemoter) for f in session_logger.filters) == 1
