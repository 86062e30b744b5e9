"""ISA-18.2 alarm management: engine, states, shelving, journal, KPIs, notifications, tickets.

The public entry points:

- :func:`~core.alarms.config.parse_alarm_sections` -> :class:`~core.alarms.config.AlarmConfig`
- :class:`~core.alarms.engine.AlarmEngine` (``evaluate(batch, now_ns)``, ``tick(now_ns)``,
  operator actions, ``snapshot()``/``restore(rows)``)
- :class:`~core.alarms.journal.SqlJournal`, :class:`~core.alarms.state_store.AlarmStateStore`,
  :func:`~core.alarms.journal.read_journal`
- :func:`~core.alarms.kpi.compute_kpis`
- :class:`~core.alarms.notify.NotificationService`, :class:`~core.alarms.tickets.TicketManager`
- :func:`~core.alarms.system.build_alarm_system`: all of the above wired on one database, with the
  stored states restored
- tables (on :data:`core.store.schema.metadata`, alembic revision ``0002``):
  :mod:`core.alarms.tables`
"""
