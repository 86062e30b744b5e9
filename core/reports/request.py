"""What a report is asked for: kind, period, scope, format, options; and the query's identity.

Two requests with the same :meth:`ReportRequest.parameters` are the *same query*: a re-export
reuses the first export's generation time, so unchanged data gives byte-identical files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from core.config import ConfigError
from core.reports.model import REPORT_FORMATS, REPORT_KINDS, canonical_json
from core.timefmt import format_time

GRANULARITY_CHOICES = ("", "hour", "day", "week", "month", "shift", "total")


@dataclass(frozen=True)
class ReportRequest:
    """One report to generate over ``[start_ns, end_ns)``."""

    kind: str
    start_ns: int
    end_ns: int
    fmt: str = "pdf"
    area: str = ""
    """Restrict devices, alarms and tags to one area (empty: the whole plant)."""
    devices: tuple[str, ...] = ()
    """Energy report: only these meters (empty: every meter in scope)."""
    by: str = ""
    """Energy periods: hour, day, week, month, shift, total (empty: chosen by the period's length)."""
    notes: tuple[str, ...] = ()
    """Shift notes printed in the report."""
    table: str = ""
    """CSV only: write just this table (by key) as a plain CSV."""
    generated_by: str = "controldeck"
    generated_ns: int | None = None
    """Fixed generation time (None: the first export of this query, else now)."""
    with_signatures: bool = True
    """Append the signature block when the report has been signed."""
    source: str = field(default="command line", compare=False)

    def __post_init__(self) -> None:
        checks = (
            ("--kind", self.kind, self.kind in REPORT_KINDS, f"one of {', '.join(REPORT_KINDS)}"),
            ("--out", self.fmt, self.fmt in REPORT_FORMATS, "a .pdf or .csv file"),
            ("--from/--to", self.end_ns, self.end_ns > self.start_ns, "the period must end after it starts"),
            ("--by", self.by, self.by in GRANULARITY_CHOICES, "hour, day, week, month, shift or total"),
            ("--table", self.table, not self.table or self.fmt == "csv", "only for a CSV file"),
        )  # fmt: skip
        for key, value, ok, message in checks:
            if not ok:
                raise ConfigError(self.source, key, value, message)

    def parameters(self) -> dict[str, Any]:
        """What defines the query (stored with every report file it produces)."""
        return {
            "kind": self.kind,
            "from": format_time(self.start_ns),
            "to": format_time(self.end_ns),
            "format": self.fmt,
            "area": self.area,
            "devices": list(self.devices),
            "by": self.by,
            "notes": list(self.notes),
            "table": self.table,
            "generated_by": self.generated_by,
        }

    @property
    def query_digest(self) -> str:
        """SHA-256 of the canonical parameters."""
        return hashlib.sha256(canonical_json(self.parameters()).encode()).hexdigest()
