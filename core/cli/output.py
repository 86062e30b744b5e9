"""Writing tables to the terminal or as JSON/CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO


def write_json(out: TextIO, data: Any) -> None:
    """Pretty JSON and a newline."""
    json.dump(data, out, indent=2, default=str)
    out.write("\n")


def write_csv(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """CSV with a header row."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def write_table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Aligned plain-text columns."""
    text = [[str(c) for c in header]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in text) for i in range(len(header))]
    for k, row in enumerate(text):
        out.write(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
        if k == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")
