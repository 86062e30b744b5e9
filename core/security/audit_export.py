"""Writing the audit trail of a period as CSV or JSON.

Each row keeps its seq, exact time (UTC ns and local offset, plus readable UTC and local
times), every field and its ``prev_hash``/``hash``, so a holder of the installation key can
re-verify the export. Free-text fields pass through a scrubber (device identifiers become plant
names); a row the scrubber changed says so in ``scrubbed`` (its hash then no longer matches).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from core.model import NS_PER_S
from core.security.events import AuditRecord
from core.timefmt import format_time

EXPORT_FIELDS = (
    "seq",
    "ts_ns",
    "time_utc",
    "utc_offset_s",
    "time_local",
    "username",
    "role",
    "station",
    "action",
    "target",
    "old_value",
    "new_value",
    "reason",
    "outcome",
    "detail",
    "ref_seq",
    "prev_hash",
    "hash",
    "scrubbed",
)
FREE_TEXT = ("target", "old_value", "new_value", "reason", "detail")
FORMATS = (".csv", ".json")


def local_time(ts_ns: int, offset_s: int) -> str:
    """ISO-8601 local time with its offset, milliseconds."""
    zone = timezone(timedelta(seconds=offset_s))
    moment = datetime.fromtimestamp(ts_ns // NS_PER_S, UTC).astimezone(zone)
    moment += timedelta(microseconds=(ts_ns % NS_PER_S) // 1000)
    return moment.isoformat(timespec="milliseconds")


def export_row(record: AuditRecord, scrub: Callable[[str], str] | None = None) -> dict[str, Any]:
    """One record as an export row."""
    row: dict[str, Any] = {
        "seq": record.seq,
        "ts_ns": record.ts_ns,
        "time_utc": format_time(record.ts_ns),
        "utc_offset_s": record.utc_offset_s,
        "time_local": local_time(record.ts_ns, record.utc_offset_s),
        "username": record.username,
        "role": record.role,
        "station": record.station,
        "action": record.action,
        "target": record.target,
        "old_value": record.old_value,
        "new_value": record.new_value,
        "reason": record.reason,
        "outcome": record.outcome,
        "detail": record.detail,
        "ref_seq": record.ref_seq,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "scrubbed": False,
    }
    if scrub is not None:
        for name in FREE_TEXT:
            value = row[name]
            if isinstance(value, str):
                cleaned = scrub(value)
                if cleaned != value:
                    row[name], row["scrubbed"] = cleaned, True
    return row


def write_export(
    path: Path, records: Iterable[AuditRecord], scrub: Callable[[str], str] | None = None
) -> int:
    """Write records to ``path`` (``.csv`` or ``.json`` by suffix); returns the row count."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"unknown export format {suffix!r}: use .csv or .json")
    rows = [export_row(r, scrub) for r in records]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        if suffix == ".json":
            json.dump(rows, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        else:
            writer = csv.DictWriter(fh, fieldnames=EXPORT_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return len(rows)
