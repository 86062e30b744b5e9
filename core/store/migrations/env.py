"""Alembic environment: migrations run in-process on a connection the store hands over."""

from __future__ import annotations

from alembic import context

from core.store.all_tables import full_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("ControlDeck runs migrations through core.store.migrate.upgrade()")

context.configure(
    connection=connection,
    target_metadata=full_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
