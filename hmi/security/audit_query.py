"""Which audit rows the Audit view shows: the period, user, action and outcome filters.

Pure functions over :class:`core.security.events.AuditRecord` (run in a worker): the rows of
the period come from :meth:`core.security.audit.AuditTrail.records`, the other filters apply
here, and the newest :data:`MAX_ROWS` matches are kept (the count of all matches is reported).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.model import NS_PER_S
from core.security.audit_export import write_export
from core.security.events import AuditAction, AuditEvent, AuditRecord, Outcome
from core.security.roles import Permission

MAX_ROWS = 5_000
PERIODS: tuple[tuple[str, float | None], ...] = (
    ("Last hour", 3600.0),
    ("Last 8 h (shift)", 8 * 3600.0),
    ("Last 24 h", 24 * 3600.0),
    ("Last 7 days", 7 * 86400.0),
    ("Last 30 days", 30 * 86400.0),
    ("Everything", None),
)
"""Period choices: label and length in seconds (None: the whole trail)."""
ABNORMAL_OUTCOMES = frozenset({Outcome.FAILED, Outcome.REFUSED, Outcome.UNCONFIRMED})
KNOWN_ACTIONS = tuple(a.value for a in AuditAction)
KNOWN_OUTCOMES = tuple(o.value for o in Outcome)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to show: a period ending now, and optionally one user, action and outcome."""

    period_s: float | None = 24 * 3600.0
    username: str = ""
    action: str = ""
    outcome: str = ""

    def start_ns(self, now_ns: int) -> int | None:
        """The start of the period (None: from the first row)."""
        return None if self.period_s is None else now_ns - int(self.period_s * NS_PER_S)

    def describe(self) -> str:
        """The filter in words (for the export's audit row)."""
        period = "everything" if self.period_s is None else f"last {self.period_s / 3600:g} h"
        parts = [period]
        for name, value in (
            ("user", self.username),
            ("action", self.action),
            ("outcome", self.outcome),
        ):
            if value:
                parts.append(f"{name} {value}")
        return ", ".join(parts)

    def accepts(self, record: AuditRecord) -> bool:
        """True when the row matches user, action and outcome (empty: any)."""
        return (
            (not self.username or record.username == self.username)
            and (not self.action or record.action == self.action)
            and (not self.outcome or record.outcome == self.outcome)
        )


@dataclass(frozen=True, slots=True)
class AuditPage:
    """The rows to show (newest :data:`MAX_ROWS` matches, oldest first) and how many matched."""

    records: list[AuditRecord]
    matched: int
    users: tuple[str, ...]
    actions: tuple[str, ...]

    @property
    def truncated(self) -> bool:
        """True when more rows matched than are shown."""
        return self.matched > len(self.records)


def select_records(
    records: Iterable[AuditRecord], wanted: AuditFilter, limit: int = MAX_ROWS
) -> AuditPage:
    """Apply the filter; also collect the users and actions seen in the period (for the menus)."""
    matches: list[AuditRecord] = []
    users: set[str] = set()
    actions: set[str] = set(KNOWN_ACTIONS)
    for record in records:
        users.add(record.username)
        actions.add(record.action)
        if wanted.accepts(record):
            matches.append(record)
    shown = matches[-limit:] if limit > 0 else []
    return AuditPage(shown, len(matches), tuple(sorted(users)), tuple(sorted(actions)))


def change_text(record: AuditRecord) -> str:
    """``old -> new`` (or the one that exists)."""
    old, new = record.old_value, record.new_value
    if old is not None and new is not None:
        return f"{old} → {new}"
    return new if new is not None else old or ""


def outcome_text(outcome: str) -> str:
    """The outcome, marked ``✖`` when abnormal (never colour alone)."""
    return f"✖ {outcome}" if outcome in ABNORMAL_OUTCOMES else outcome


def export_audit(
    security: Any, wanted: AuditFilter, now_ns: int, path: Path, username: str, station: str
) -> int:
    """Write every row matching ``wanted`` to ``path`` (CSV or JSON by suffix, device identifiers
    scrubbed) as ``username``: needs the ``export`` permission (a refusal is audited), and the
    export itself is audited. Returns the row count."""
    security.authorizer.require(username, Permission.EXPORT, target=str(path), station=station)
    records = security.audit.records(wanted.start_ns(now_ns))
    count = write_export(path, [r for r in records if wanted.accepts(r)], security.identities.scrub)
    account = security.authorizer.user(username)
    security.audit.append(
        AuditEvent(
            AuditAction.AUDIT_EXPORT,
            username,
            station,
            target=str(path),
            new_value=f"{count} rows",
            detail=wanted.describe(),
            role=account.role_text if account is not None else "",
        )
    )
    return count
