"""What a report is made of, independent of PDF or CSV: a header, sections, tables, charts, text.

The data builders (:mod:`.shift`, :mod:`.energy`, :mod:`.alarms`, :mod:`.compliance`) return
plain dataclasses of figures; the layouts (``layout_*``) turn them into a
:class:`ReportDocument`; the renderers (:mod:`.pdf`, :mod:`.csvout`) draw it. Cells keep their
raw values (numbers stay numbers for CSV); each table column has a display format for the PDF.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

ReportKind = Literal["shift", "energy", "alarms", "compliance"]
REPORT_KINDS: tuple[str, ...] = get_args(ReportKind)
ReportFormat = Literal["pdf", "csv"]
REPORT_FORMATS: tuple[str, ...] = get_args(ReportFormat)
TITLES = {
    "shift": "Shift report",
    "energy": "Energy and emissions report",
    "alarms": "Alarm-management report",
    "compliance": "Compliance report",
}

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Table:
    """A data table; ``key`` names it in CSV exports (``--table KEY``)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    formats: tuple[str, ...] = ()
    """Python format spec per column for the PDF (``",.1f"``); empty = ``str``."""
    widths: tuple[float, ...] = ()
    """Relative column widths for the PDF; empty = equal."""
    note: str = ""

    def display(self, row: int, column: int) -> str:
        """One cell as the PDF shows it."""
        return format_cell(self.rows[row][column], self.formats[column] if self.formats else "")


@dataclass(frozen=True, slots=True)
class Series:
    """One line or one set of bars of a chart (None = no value)."""

    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A vector chart of report data: vertical bars, horizontal bars or lines over categories."""

    kind: Literal["bar", "hbar", "line"]
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph of plain text (``note``: small print)."""

    text: str
    style: Literal["body", "note"] = "body"


Block = Table | Chart | Text


@dataclass(frozen=True, slots=True)
class Section:
    """A chapter (level 0) or sub-section (level 1) of the contents."""

    title: str
    blocks: tuple[Block, ...] = ()
    level: int = 0


@dataclass(frozen=True)
class ReportDocument:
    """A whole report, ready to render."""

    kind: str
    title: str
    plant: str
    timezone: str
    start_ns: int
    end_ns: int
    generated_by: str
    generated_ns: int
    parameters: dict[str, Any]
    sections: tuple[Section, ...] = ()
    summary: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """Key figures shown on the title page."""

    def tables(self) -> list[Table]:
        """Every table, in document order."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def map_text(self, change: Callable[[str], str]) -> ReportDocument:
        """The document with ``change`` applied to every piece of text (identifier scrubbing)."""
        return replace(
            self,
            title=change(self.title),
            plant=change(self.plant),
            generated_by=change(self.generated_by),
            parameters={k: _map_value(v, change) for k, v in self.parameters.items()},
            summary=tuple((change(k), change(v)) for k, v in self.summary),
            sections=tuple(_map_section(s, change) for s in self.sections),
        )


def _map_value(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list | tuple):
        return [_map_value(v, change) for v in value]
    return value


def _map_section(section: Section, change: Callable[[str], str]) -> Section:
    return replace(
        section,
        title=change(section.title),
        blocks=tuple(_map_block(b, change) for b in section.blocks),
    )


def _map_block(block: Block, change: Callable[[str], str]) -> Block:
    if isinstance(block, Text):
        return replace(block, text=change(block.text))
    if isinstance(block, Chart):
        return replace(
            block,
            title=change(block.title),
            categories=tuple(change(c) for c in block.categories),
            series=tuple(replace(s, name=change(s.name)) for s in block.series),
        )
    return replace(
        block,
        title=change(block.title),
        note=change(block.note),
        rows=tuple(tuple(change(c) if isinstance(c, str) else c for c in r) for r in block.rows),
    )


def format_cell(value: Cell, spec: str = "") -> str:
    """A cell as text: None is empty; numbers use ``spec`` (NaN shows as ``-``)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if spec and isinstance(value, int | float) and not isinstance(value, bool):
        return format(value, spec)
    return str(value)


def table(
    key: str,
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    formats: Sequence[str] = (),
    widths: Sequence[float] = (),
    note: str = "",
) -> Table:
    """A :class:`Table` from lists (checks that every row has one cell per column)."""
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"table {key}: row {row!r} does not match columns {columns!r}")
    return Table(
        key,
        title,
        tuple(columns),
        tuple(tuple(r) for r in rows),
        tuple(formats),
        tuple(widths),
        note,
    )


def canonical_json(data: Any) -> str:
    """Sorted, compact JSON (the stored form of parameters; its digest names a query)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_hex(data: bytes) -> str:
    """SHA-256 of bytes, hex."""
    return hashlib.sha256(data).hexdigest()
