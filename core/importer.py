"""History import from CSV (``tag,timestamp,value[,quality]``) through the ingest pipeline.

Rows go through :meth:`IngestPipeline.process` like any other sample (validation, quarantine,
dedupe) and are written synchronously, so the counts printed are exact and a second import of
the same file adds nothing. A row that cannot even be parsed is quarantined with its line number.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.counters import Counters
from core.ingest import IngestPipeline
from core.model import Quality, QuarantineRecord, SampleBatch, now_ns
from core.store.backend import SampleBackend
from core.store.historian import Historian
from core.timefmt import parse_time

log = logging.getLogger(__name__)
CHUNK_ROWS = 50_000
REQUIRED = ("tag", "timestamp", "value")


class CsvImportError(ValueError):
    """The file itself is unusable (missing, wrong header)."""


@dataclass(slots=True)
class ImportResult:
    """Counts of one import."""

    rows: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


class _DirectSink:
    """Writes each processed batch at once (imports are synchronous and exact)."""

    def __init__(self, historian: Historian, counters: Counters) -> None:
        self.backend = SampleBackend(historian.engine)
        self.registry = historian.registry
        self.counters = counters
        self.rejects: list[QuarantineRecord] = []

    def put(
        self, batch: SampleBatch, rejects: list[QuarantineRecord], done: list[Callable[[], None]]
    ) -> None:
        tags = self.registry.pending()
        stats = self.backend.write(batch, tags)
        self.registry.mark_saved(tags)
        self.backend.write_quarantine(rejects)
        self.rejects.extend(rejects)
        self.counters.add_many({"stored": stats.inserted, "duplicates": stats.duplicates})
        for callback in done:
            callback()


def import_csv(historian: Historian, path: Path) -> ImportResult:
    """Import one CSV file; raises :class:`CsvImportError` when the file cannot be read at all."""
    counters = Counters()
    sink = _DirectSink(historian, counters)
    pipeline = IngestPipeline(
        historian.registry,
        sink,
        counters,
        future_tolerance_s=historian.config.ingest.future_tolerance_s,
    )
    source = f"import:{path.name}"
    result = ImportResult()
    try:
        for chunk, bad in _chunks(path, historian, source):
            result.rows += len(chunk) + len(bad)
            if bad:
                sink.put(SampleBatch.empty(), bad, [])
            pipeline.process(None, chunk, source, now_ns())
    finally:
        sink.backend.close()
    _count_rejects(result, sink.rejects)
    result.imported = counters.get("stored")
    result.duplicates = counters.get("duplicates")
    return result


def _count_rejects(result: ImportResult, records: list[QuarantineRecord]) -> None:
    for rec in records:
        result.rejected += 1
        result.reasons[rec.reason] = result.reasons.get(rec.reason, 0) + 1
        if len(result.examples) < 20:
            result.examples.append(rec.detail)


def _chunks(
    path: Path, historian: Historian, source: str
) -> Iterator[tuple[SampleBatch, list[QuarantineRecord]]]:
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise CsvImportError(f"{path}: cannot open: {exc.strerror}") from exc
    with handle:
        reader = csv.reader(handle)
        columns = _header(next(reader, None), path)
        ids: list[int] = []
        ts: list[int] = []
        values: list[float] = []
        quality: list[int] = []
        bad: list[QuarantineRecord] = []
        for line_no, row in enumerate(reader, start=2):
            error = _parse_row(row, columns, historian, ids, ts, values, quality)
            if error:
                bad.append(_bad_row(source, line_no, row, *error))
            if len(ids) >= CHUNK_ROWS:
                yield SampleBatch.from_columns(ids, ts, values, quality, historical=True), bad
                ids, ts, values, quality, bad = [], [], [], [], []
        yield SampleBatch.from_columns(ids, ts, values, quality, historical=True), bad


def _header(row: list[str] | None, path: Path) -> dict[str, int]:
    names = [c.strip().lower() for c in row or []]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise CsvImportError(
            f"{path}: line 1: header must be tag,timestamp,value[,quality]; missing {', '.join(missing)}"
        )
    return {name: i for i, name in enumerate(names)}


def _parse_row(
    row: list[str],
    columns: dict[str, int],
    historian: Historian,
    ids: list[int],
    ts: list[int],
    values: list[float],
    quality: list[int],
) -> tuple[str, str] | None:
    if len(row) < len(REQUIRED) or not any(cell.strip() for cell in row):
        return ("malformed_row", f"expected at least {len(REQUIRED)} columns")
    try:
        stamp = parse_time(row[columns["timestamp"]])
    except ValueError as exc:
        return ("bad_timestamp", str(exc))
    try:
        value = float(row[columns["value"]])
    except ValueError:
        return ("wrong_type", f"value {row[columns['value']]!r} is not a number")
    q = Quality.GOOD
    if "quality" in columns and len(row) > columns["quality"] and row[columns["quality"]].strip():
        try:
            q = Quality.from_label(row[columns["quality"]])
        except ValueError as exc:
            return ("bad_quality", str(exc))
    tag_id = historian.registry.resolve_or_discover(row[columns["tag"]].strip())
    if tag_id is None:
        return ("unknown_tag", f"unknown tag {row[columns['tag']]!r} and auto_tags is off")
    ids.append(tag_id)
    ts.append(stamp)
    values.append(value)
    quality.append(int(q))
    return None


def _bad_row(
    source: str, line_no: int, row: list[str], reason: str, message: str
) -> QuarantineRecord:
    text = QuarantineRecord.excerpt(",".join(row), 200)
    return QuarantineRecord(
        source=source,
        reason=reason,
        detail=f"line {line_no}: {message}",
        ts_ns=now_ns(),
        tag=(row[0] if row else "")[:255],
        value_text=text,
    )
