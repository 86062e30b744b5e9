"""The CSV renderer: every table of a report in one UTF-8 file, one section after another.

Layout (RFC 4180 rows, UTF-8 with a byte-order mark so spreadsheets read the accents)::

    # ControlDeck report,compliance          <- metadata rows: "# <item>",<value>
    # plant,Demo plant
    ...
                                             <- an empty line between sections
    ## table,energy_devices,Energy and CO2e per device
    device,area,site,...                     <- the table's header row
    meter1,utilities,...                     <- its rows (numbers unformatted, full precision)

:func:`read_tables` parses such a file back into ``{key: [row dicts]}``. With a table key
(``controldeck report ... --out x.csv --table energy_devices``) the file is that one table as a
plain CSV (header + rows) for any tool. A signed copy has a ``## signatures`` section appended.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Iterable, Sequence
from typing import Any

from core.config import ConfigError
from core.reports.model import Cell, ReportDocument, Table, canonical_json
from core.timefmt import format_time

log = logging.getLogger(__name__)

BOM = "\ufeff"
TABLE_MARK = "## table"
SIGNATURE_MARK = "## signatures"


def csv_value(value: Cell) -> str:
    """A cell as CSV text: floats at full useful precision, None empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(round(value, 9))
    return str(value)


def _write(rows: Iterable[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def metadata_rows(doc: ReportDocument) -> list[list[str]]:
    """The ``# item,value`` rows at the top of a sectioned file."""
    return [
        ["# ControlDeck report", doc.kind],
        ["# title", doc.title],
        ["# plant", doc.plant],
        ["# period_from_utc", format_time(doc.start_ns)],
        ["# period_to_utc", format_time(doc.end_ns)],
        ["# timezone", doc.timezone],
        ["# generated_by", doc.generated_by],
        ["# generated_at_utc", format_time(doc.generated_ns)],
        ["# parameters", canonical_json(doc.parameters)],
        *[[f"# figure: {name}", value] for name, value in doc.summary],
    ]


def table_rows(t: Table) -> list[list[str]]:
    """Header and rows of one table."""
    return [list(t.columns), *[[csv_value(v) for v in row] for row in t.rows]]


def render_csv(doc: ReportDocument, only: str = "") -> bytes:
    """The report as CSV bytes: every table in sections, or just the table named ``only``."""
    tables = doc.tables()
    if only:
        chosen = [t for t in tables if t.key == only]
        if not chosen:
            known = ", ".join(sorted({t.key for t in tables}))
            raise ConfigError("command line", "--table", only, f"no such table (tables: {known})")
        return (BOM + _write(table_rows(chosen[0]))).encode("utf-8")
    parts = [_write(metadata_rows(doc))]
    seen: set[str] = set()
    for t in tables:
        key = t.key if t.key not in seen else f"{t.key}_{len(seen)}"
        seen.add(key)
        parts.append("\r\n" + _write([[TABLE_MARK, key, t.title], *table_rows(t)]))
    return (BOM + "".join(parts)).encode("utf-8")


def signature_block(
    record_hash: str, rows: Sequence[Sequence[Cell]], columns: Sequence[str]
) -> bytes:
    """The ``## signatures`` section appended to a signed CSV copy."""
    text = "\r\n" + _write(
        [[SIGNATURE_MARK, record_hash, "Electronic signatures"], list(columns),
         *[[csv_value(v) for v in r] for r in rows]]
    )  # fmt: skip
    return text.encode("utf-8")


def read_tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Parse a sectioned report CSV: ``{"metadata": [...], key: rows, "signatures": rows}``."""
    text = data.decode("utf-8-sig")
    out: dict[str, list[dict[str, str]]] = {"metadata": []}
    current: str | None = None
    header: list[str] | None = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current, header = None, None
        elif row[0] in (TABLE_MARK, SIGNATURE_MARK):
            current = row[1] if row[0] == TABLE_MARK else "signatures"
            out[current], header = [], None
        elif current is None and row[0].startswith("# "):
            out["metadata"].append({"item": row[0][2:], "value": row[1] if len(row) > 1 else ""})
        elif current is not None and header is None:
            header = row
        elif current is not None and header is not None:
            out[current].append(dict(zip(header, row, strict=False)))
    return out
