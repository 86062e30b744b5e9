"""What goes into the audit trail: actions, outcomes, the event to append and the stored record."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from core.model import NS_PER_S


class AuditAction(StrEnum):
    """The actions ControlDeck records (other packages may use their own dotted names)."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    ACKNOWLEDGE = "acknowledge"
    SHELVE = "shelve"
    WRITE = "write"
    WRITE_RESULT = "write_result"
    CONFIG_CHANGE = "config_change"
    USER_ADD = "user_add"
    USER_PASSWORD = "user_password"
    USER_DISABLE = "user_disable"
    USER_ROLES = "user_roles"
    REPORT_GENERATED = "report_generated"
    REPORT_SIGNED = "report_signed"
    REPORT_EXPORTED = "report_exported"
    SIGNATURE = "signature"
    SIGNATURE_FAILED = "signature_failed"
    MODEL_PROMOTED = "model_promoted"
    PERMISSION_REFUSED = "permission_refused"
    AUDIT_EXPORT = "audit_export"
    AUDIT_REANCHOR = "audit_reanchor"


class Outcome(StrEnum):
    """How an action ended. A ``PENDING`` write is completed by a row whose ``ref_seq`` names it."""

    OK = "OK"
    FAILED = "FAILED"
    REFUSED = "REFUSED"
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    UNCONFIRMED = "UNCONFIRMED"


def format_value(value: Any) -> str | None:
    """A value as audit text: None stays None, floats keep full precision, bools are words."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One thing to record: who (username, role, station), what (action, target, values), why."""

    action: str
    username: str
    station: str = ""
    target: str = ""
    old_value: str | None = None
    new_value: str | None = None
    reason: str = ""
    outcome: str = Outcome.OK
    detail: str = ""
    role: str = ""
    ref_seq: int | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A stored audit row: the event plus seq, time (UTC ns and the local offset) and its links."""

    seq: int
    ts_ns: int
    utc_offset_s: int
    username: str
    role: str
    station: str
    action: str
    target: str
    old_value: str | None
    new_value: str | None
    reason: str
    outcome: str
    detail: str
    ref_seq: int | None
    prev_hash: str
    hash: str

    def content(self) -> tuple[Any, ...]:
        """The hashed fields, in chain order."""
        return (
            self.seq,
            self.ts_ns,
            self.utc_offset_s,
            self.username,
            self.role,
            self.station,
            self.action,
            self.target,
            self.old_value,
            self.new_value,
            self.reason,
            self.outcome,
            self.detail,
            self.ref_seq,
        )

    def stored(self) -> tuple[Any, ...]:
        """Every column, in :data:`core.security.chain.STORED_FIELDS` order."""
        return (*self.content(), self.prev_hash, self.hash)


def utc_offset_s(ts_ns: int, zone: tzinfo) -> int:
    """The offset of local time in ``zone`` from UTC at that instant, in seconds."""
    local = datetime.fromtimestamp(ts_ns // NS_PER_S, zone)
    offset = local.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0
