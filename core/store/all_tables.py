"""Every table of the store, registered on :data:`core.store.schema.metadata` by importing the
modules that define them. Migrations compare against this (``env.py``, the migration tests)."""

from __future__ import annotations

from sqlalchemy import MetaData

import core.alarms.tables
import core.analytics.live.tables
import core.analytics.registry.tables
import core.commands
import core.reports.tables
import core.security.tables
import core.store.schema

MODULES = (
    core.store.schema,
    core.alarms.tables,
    core.security.tables,
    core.commands,
    core.analytics.registry.tables,
    core.analytics.live.tables,
    core.reports.tables,
)


def full_metadata() -> MetaData:
    """The metadata with every table of every package."""
    return core.store.schema.metadata
