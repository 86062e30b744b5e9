"""E-mailing report files (SMTP, STARTTLS and login as for alarm notifications).

The target is the ``[[notifications]]`` e-mail table (:class:`EmailTarget`): host, port,
``starttls``, ``username`` with ``password_env`` naming the environment variable that holds the
password (never the password itself), ``from``, ``to``, ``ca_file``, ``timeout_s``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path

from core.alarms.notify_config import EmailTarget

log = logging.getLogger(__name__)

SUBTYPES = {".pdf": ("application", "pdf"), ".csv": ("text", "csv")}


class MailError(Exception):
    """The message could not be delivered (the reason is the message)."""


def report_message(
    target: EmailTarget, subject: str, body: str, files: Sequence[Path]
) -> EmailMessage:
    """A message with the report files attached."""
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = subject, target.sender, ", ".join(target.to)
    mail.set_content(body)
    for path in files:
        maintype, subtype = SUBTYPES.get(path.suffix.lower(), ("application", "octet-stream"))
        mail.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return mail


def send_report(
    target: EmailTarget,
    subject: str,
    body: str,
    files: Sequence[Path],
    env: Mapping[str, str] | None = None,
) -> None:
    """Deliver by SMTP; raises :class:`MailError`."""
    mail = report_message(target, subject, body, files)
    environ = env if env is not None else os.environ
    try:
        with smtplib.SMTP(target.host, target.port, timeout=target.timeout_s) as smtp:
            smtp.ehlo()
            if target.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=target.ca_file or None))
                smtp.ehlo()
            if target.username:
                password = environ.get(target.password_env)
                if password is None:
                    raise MailError(f"environment variable {target.password_env} is not set")
                smtp.login(target.username, password)
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"smtp {target.host}:{target.port}: {exc}") from exc
    log.info("report mail %r sent to %d recipient(s)", subject, len(target.to))
