"""The historian: schema, migrations, writers, queries, rollups, retention and the spool."""
