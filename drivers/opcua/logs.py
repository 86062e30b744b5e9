"""Guards on asyncua's own logging: no passwords in it, and no flood while a server is down.

asyncua logs every request it sends at DEBUG, user-token passwords included, and while a
server is unreachable it logs an ERROR with a traceback ("Publish iteration crashed") and a
WARNING ("Reconnect attempt failed") every second. The driver reports an outage once
itself; these records are demoted to DEBUG (still there for whoever debugs asyncua).
"""

from __future__ import annotations

import logging
import re

_PASSWORD_FIELD = re.compile(r"Password=.*?(?=, EncryptionAlgorithm=)", re.DOTALL)
_REQUEST_LOGGER = "asyncua.client.ua_client.UASocketProtocol"
_REPEATING = {
    "asyncua.client.ua_session.UaSession": ("Publish iteration crashed",),
    "asyncua.client.client": ("Reconnect attempt failed", "Requested session timeout"),
    "asyncuagds.validate": ("Not trusted certificate used",),  # once per retry; we warn once
}


class PasswordRedactor(logging.Filter):
    """Masks user-token passwords in asyncua's DEBUG dump of every request it sends."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "Password=" in message:
            redacted = _PASSWORD_FIELD.sub("Password=***", message)
            if redacted == message:
                redacted = message[: message.index("Password=")] + "Password=*** (rest withheld)"
            record.msg, record.args = redacted, None
        return True


class RepeatDemoter(logging.Filter):
    """Turns asyncua's once-a-second outage records into DEBUG records."""

    def __init__(self, logger: logging.Logger, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self._logger = logger
        self._prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and str(record.msg).startswith(self._prefixes):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self._logger.isEnabledFor(logging.DEBUG)
        return True


def install_log_guards() -> None:
    """Install the filters on asyncua's loggers (idempotent)."""
    request_logger = logging.getLogger(_REQUEST_LOGGER)
    if not any(isinstance(f, PasswordRedactor) for f in request_logger.filters):
        request_logger.addFilter(PasswordRedactor())
    for name, prefixes in _REPEATING.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, RepeatDemoter) for f in logger.filters):
            logger.addFilter(RepeatDemoter(logger, prefixes))
