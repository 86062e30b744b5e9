"""Multi-row ``INSERT ... VALUES (...), (...)`` statements for the SQLite sample writer.

Python's sqlite3 gives up the interpreter lock around every statement step, and taking it back
waits for whichever thread holds it (up to the 5 ms switch interval while the MQTT and ingest
threads decode). ``executemany`` of one row per step paid that per row; here a step writes up
to :data:`ROWS_PER_STATEMENT` rows, with values bound exactly as before.

A statement may bind at most ``SQLITE_MAX_VARIABLE_NUMBER`` values: 32,766 by default since
SQLite 3.32, but a build may be compiled with less (999 was the default before) and a
connection may lower it with ``setlimit``. The rows per statement are therefore derived from
the connection's own limit and the column count, never more than :data:`ROWS_PER_STATEMENT`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

ROWS_PER_STATEMENT = 500
"""Rows per statement at most (13 rollup columns x 500 = 6,500 variables)."""
MIN_VARIABLE_LIMIT = 999
"""The limit assumed when the connection cannot tell (the default before SQLite 3.32)."""


def variable_limit(cur: Any) -> int:
    """The variable limit of the cursor's connection (``Connection.getlimit``, Python 3.11+)."""
    getlimit = getattr(getattr(cur, "connection", None), "getlimit", None)
    if getlimit is None:
        return MIN_VARIABLE_LIMIT
    return int(getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))


def rows_per_statement(width: int, limit: int) -> int:
    """Rows of ``width`` columns per statement under a limit of ``limit`` variables (>= 1)."""
    return max(1, min(ROWS_PER_STATEMENT, limit // max(width, 1)))


def many_rows(cur: Any, head: str, tail: str, columns: list[list[Any]]) -> int:
    """``head VALUES (...), (...), ... tail`` over equally long ``columns``; rows changed.

    The rows changed are SQLite's ``changes()`` summed over the statements: rows inserted by
    ``INSERT OR IGNORE`` (an ignored duplicate counts 0), inserted or updated by an upsert.
    """
    width, count = len(columns), len(columns[0]) if columns else 0
    if count == 0:
        return 0
    flat: list[Any] = [None] * (width * count)
    for index, column in enumerate(columns):
        flat[index::width] = column
    per = rows_per_statement(width, variable_limit(cur))
    marks = "(" + ", ".join("?" * width) + ")"
    changed = 0
    for start in range(0, count, per):
        rows = min(per, count - start)
        sql = f"{head} VALUES {', '.join([marks] * rows)}{tail}"
        cur.execute(sql, flat[start * width : (start + rows) * width])
        changed += max(int(cur.rowcount), 0)
    return changed
