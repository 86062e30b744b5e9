"""Telling a database outage (retry later, spool meanwhile) from bad data (poison)."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import exc as sa_exc

_OUTAGE_TYPES: tuple[type[BaseException], ...] = (
    sqlite3.OperationalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_outage(exc: BaseException) -> bool:
    """True when the error says the database is away, locked, full or unreachable."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, psycopg.errors.QueryCanceled):
        return True
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.IntegrityError):
        return "malformed" not in str(exc)
    return isinstance(exc, _OUTAGE_TYPES)
