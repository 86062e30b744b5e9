"""Delivery channels for alarm notifications: e-mail (SMTP + STARTTLS + login) and webhook.

Senders raise :class:`DeliveryError` with a short reason on any failure; the notification
service records it on the outbox row and retries later.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Protocol

from core.alarms.config import AlarmDefinition
from core.alarms.notify_config import EmailTarget, NotificationRule, WebhookTarget
from core.alarms.states import Transition
from core.model import NS_PER_S


class DeliveryError(Exception):
    """A notification could not be delivered (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Message:
    """What is sent: a subject line and a plain-text body."""

    subject: str
    body: str


class Sender(Protocol):
    """Delivers one message or raises :class:`DeliveryError`."""

    def send(self, message: Message) -> None:
        """Deliver the message."""
        ...


def _iso(ts_ns: int) -> str:
    return datetime.fromtimestamp(ts_ns / NS_PER_S, UTC).isoformat(timespec="seconds")


def format_message(
    t: Transition, definition: AlarmDefinition | None, event: str, now_ns: int
) -> Message:
    """Subject and body for an ``activate``, ``clear`` or ``escalate`` notification."""
    text = definition.text if definition is not None else t.alarm
    words = {"activate": "ALARM", "clear": "cleared", "escalate": "ESCALATION"}
    subject = f"[{t.priority.upper()}] {words.get(event, event)}: {t.alarm} - {text}"
    lines = [
        f"Alarm: {t.alarm}",
        f"Tag: {t.tag}",
        f"Value: {t.value if t.value is not None else '-'}",
        f"Priority: {t.priority}",
        f"Area: {t.area or '-'}",
        f"Time (UTC): {_iso(t.ts_ns)}",
    ]
    if event == "escalate" and definition is not None and definition.max_response_s:
        waited = (now_ns - t.ts_ns) / NS_PER_S
        lines.append(
            f"Unacknowledged for {waited:.0f} s (max response {definition.max_response_s:g} s)"
        )
    if definition is not None:
        for label, value in (
            ("Cause", definition.cause),
            ("Consequence", definition.consequence),
            ("Corrective action", definition.corrective_action),
        ):
            if value:
                lines.append(f"{label}: {value}")
    return Message(subject, "\n".join(lines))


class EmailSender:
    """Sends through an SMTP server, with STARTTLS and login when configured."""

    def __init__(self, target: EmailTarget, env: Mapping[str, str] | None = None) -> None:
        self.target = target
        self._env = env if env is not None else os.environ

    def _password(self) -> str:
        password = self._env.get(self.target.password_env)
        if password is None:
            raise DeliveryError(f"environment variable {self.target.password_env} is not set")
        return password

    def send(self, message: Message) -> None:
        """Deliver by SMTP; raises :class:`DeliveryError`."""
        t = self.target
        mail = EmailMessage()
        mail["Subject"], mail["From"], mail["To"] = message.subject, t.sender, ", ".join(t.to)
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(t.host, t.port, timeout=t.timeout_s) as smtp:
                smtp.ehlo()
                if t.starttls:
                    smtp.starttls(context=ssl.create_default_context(cafile=t.ca_file or None))
                    smtp.ehlo()
                if t.username:
                    smtp.login(t.username, self._password())
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp {t.host}:{t.port}: {exc}") from exc


class WebhookSender:
    """POSTs Slack-compatible JSON (``{"text": ...}``) to a URL."""

    def __init__(self, target: WebhookTarget) -> None:
        self.target = target

    def send(self, message: Message) -> None:
        """Deliver by HTTP POST; any non-2xx answer raises :class:`DeliveryError`."""
        payload = json.dumps({"text": f"{message.subject}\n{message.body}"}).encode()
        request = urllib.request.Request(
            self.target.url,
            data=payload,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.target.timeout_s) as response:
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            exc.close()
            raise DeliveryError(f"webhook answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"webhook unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook answered HTTP {status}")


def sender_for(rule: NotificationRule, env: Mapping[str, str] | None = None) -> Sender:
    """The sender of a rule's channel."""
    if rule.email is not None:
        return EmailSender(rule.email, env)
    if rule.webhook is not None:
        return WebhookSender(rule.webhook)
    raise ValueError(f"rule {rule.name!r} has no channel")
