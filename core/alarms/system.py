"""The alarm system of a station, wired: engine, SQL journal and states, notifications, tickets.

:func:`build_alarm_system` is what the collector and the HMI call at start-up: it restores the
stored alarm states (so unacknowledged, shelved and out-of-service alarms survive a restart),
feeds every transition to the journal first, then to the notifier and the ticket manager.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.alarms.config import AlarmConfig
from core.alarms.engine import AlarmEngine
from core.alarms.journal import FanoutJournal, SqlJournal
from core.alarms.notify import NotificationService
from core.alarms.outbox import Outbox
from core.alarms.permissions import AllowAll, PermissionChecker
from core.alarms.state_store import AlarmStateStore
from core.alarms.tickets import TicketManager
from core.model import now_ns

log = logging.getLogger(__name__)


@dataclass(slots=True)
class AlarmSystem:
    """Everything alarm-related of one station."""

    engine: AlarmEngine
    journal: SqlJournal
    states: AlarmStateStore
    outbox: Outbox
    notifications: NotificationService
    tickets: TicketManager

    def start(self) -> None:
        """Start the notification worker thread."""
        self.notifications.start()

    def stop(self) -> None:
        """Stop the worker, write what the journal still holds, save every alarm state."""
        self.notifications.stop()
        if not self.journal.flush():
            log.warning("alarm journal: %d transitions not yet stored", self.journal.pending)
            return
        try:
            self.states.save(self.engine.snapshot())
        except SQLAlchemyError as exc:
            log.warning("alarm states not saved at stop: %s", exc)


def build_alarm_system(
    config: AlarmConfig,
    db: Engine,
    resolve_tag: Callable[[str], int | None],
    permissions: PermissionChecker | None = None,
    *,
    clock: Callable[[], int] = now_ns,
) -> AlarmSystem:
    """Wire the alarm system on a migrated database and restore the stored alarm states."""
    journal = SqlJournal(db)
    states = AlarmStateStore(db)
    outbox = Outbox(db)
    notifications = NotificationService(config.notifications, config.alarms, outbox, clock=clock)
    tickets = TicketManager(db, config.alarms, config.maintenance.auto_ticket_priority, clock=clock)
    engine = AlarmEngine(
        config.alarms,
        resolve_tag,
        FanoutJournal([journal, notifications, tickets]),
        permissions or AllowAll(),
        clock=clock,
    )
    stored = states.load()
    restored = engine.restore(stored)
    notifications.track_unacknowledged(stored)
    log.info("alarm system: %d definitions, %d states restored", len(config.alarms), restored)
    return AlarmSystem(engine, journal, states, outbox, notifications, tickets)
