"""``[[notifications]]`` rules and ``[maintenance]`` settings of the plant file.

A rule sends a message for alarm events (``activate``, ``clear``, ``escalate``) of at least
``min_priority`` in its ``areas`` (all when empty) during its ``schedule``, by e-mail or webhook.
Secrets never live in the file: ``password_env`` names the environment variable holding the
SMTP password.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.alarms.priority import Priority

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NotifyEvent = Literal["activate", "clear", "escalate"]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Schedule(_Strict):
    """When a rule is on: weekdays and a daily window ``start``-``end`` (may wrap midnight)."""

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS), min_length=1)
    start: str = "00:00"
    end: str = "24:00"
    timezone: str = "UTC"

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("expected HH:MM (00:00 to 24:00)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def contains(self, ts_ns: int) -> bool:
        """True when the instant lies inside the schedule (in the schedule's time zone)."""
        local = datetime.fromtimestamp(ts_ns / 1e9, ZoneInfo(self.timezone))
        if WEEKDAYS[local.weekday()] not in self.days:
            return False
        now = local.time()
        start, end = _parse(self.start), _parse(self.end)
        if start <= end:
            return start <= now < end
        return now >= start or now < end


def _parse(hhmm: str) -> time:
    if hhmm == "24:00":
        return time.max
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


class EmailTarget(_Strict):
    """SMTP delivery (STARTTLS and login by default on port 587)."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username: str = ""
    password_env: str = ""
    """Environment variable holding the password (never the password itself)."""
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    ca_file: str = ""
    """CA bundle to trust for the server certificate (default: the system store)."""
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="after")
    def _login_needs_password(self) -> EmailTarget:
        if self.username and not self.password_env:
            raise ValueError("username needs password_env (the variable holding the password)")
        return self


class WebhookTarget(_Strict):
    """HTTP POST of Slack-compatible JSON (``{"text": ...}``)."""

    url: str = Field(pattern=r"^https?://[^\s/]+")
    timeout_s: float = Field(default=10.0, gt=0, le=120)


def _activation_only() -> list[NotifyEvent]:
    return ["activate"]


class NotificationRule(_Strict):
    """One ``[[notifications]]`` table."""

    name: str = ""
    min_priority: Priority = Priority.LOW
    areas: list[str] = Field(default_factory=list)
    events: list[NotifyEvent] = Field(default_factory=_activation_only, min_length=1)
    schedule: Schedule | None = None
    email: EmailTarget | None = None
    webhook: WebhookTarget | None = None
    rate_limit_per_min: int = Field(default=30, ge=1, le=10_000)
    dedup_s: float = Field(default=300.0, ge=0)
    """The same alarm and event is sent at most once in this many seconds."""
    max_attempts: int = Field(default=5, ge=1, le=100)
    retry_base_s: float = Field(default=10.0, gt=0)
    """First retry delay; doubles on each attempt, capped at 30 minutes."""

    @model_validator(mode="after")
    def _one_channel(self) -> NotificationRule:
        if (self.email is None) == (self.webhook is None):
            raise ValueError("a rule needs exactly one of email or webhook")
        return self

    @property
    def channel(self) -> str:
        """``email`` or ``webhook``."""
        return "email" if self.email is not None else "webhook"

    def matches(self, priority: str, area: str, event: str, ts_ns: int) -> bool:
        """True when an event of this priority/area at ``ts_ns`` should go through this rule."""
        if event not in self.events or Priority.rank_of(priority) < self.min_priority.rank:
            return False
        if self.areas and area not in self.areas:
            return False
        return self.schedule is None or self.schedule.contains(ts_ns)


class MaintenanceSettings(_Strict):
    """``[maintenance]``: automatic work orders."""

    auto_ticket_priority: Priority | None = None
    """Open a ticket for every activation at or above this priority (none when unset)."""
