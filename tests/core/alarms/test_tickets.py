"""Maintenance tickets opened from alarms: one open ticket per source, repeats, lifecycle."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, insert
from sqlalchemy.exc import IntegrityError

from core.alarms.config import parse_alarm_sections
from core.alarms.engine import AlarmEngine
from core.alarms.permissions import AllowAll
from core.alarms.priority import Priority
from core.alarms.tables import tickets
from core.alarms.tickets import TicketError, TicketManager, TicketStatus

from .conftest import T0, FakeClock, Resolver, S, batch

ALARMS = [
    {
        "tag": "pump1/vibration",
        "type": "high",
        "limit": 7.1,
        "priority": "high",
        "area": "utilities",
        "message": "Pump 1 vibration high",
        "cause": "Bearing wear or misalignment",
        "corrective_action": "Check bearing temperature, schedule alignment",
    },
    {"tag": "pump1/vibration", "type": "high_high", "limit": 11, "priority": "critical"},
    {"tag": "pump1/flow", "type": "low", "limit": 1, "priority": "medium"},
]


def rig(
    db: Engine, threshold: str | None = "high"
) -> tuple[AlarmEngine, TicketManager, Resolver, FakeClock]:
    config = parse_alarm_sections(ALARMS, [], {"auto_ticket_priority": threshold}, "plant.toml")
    clock = FakeClock()
    manager = TicketManager(db, config.alarms, config.maintenance.auto_ticket_priority, clock=clock)
    resolver = Resolver()
    engine = AlarmEngine(config.alarms, resolver, manager, AllowAll(), clock=clock)
    return engine, manager, resolver, clock


def vibrate(engine: AlarmEngine, resolver: Resolver, seconds: float, value: float) -> None:
    engine.evaluate(batch([(resolver("pump1/vibration"), seconds, value)]), T0 + int(seconds * S))


def test_opened_automatically_at_or_above_the_priority_with_cause_and_action(db: Engine) -> None:
    engine, manager, resolver, _ = rig(db)
    vibrate(engine, resolver, 1, 12.0)  # high and high-high at once
    engine.evaluate(batch([(resolver("pump1/flow"), 1, 0.0)]), T0 + S)  # medium: no ticket
    opened = sorted(manager.tickets(), key=lambda t: t.source)
    assert [(t.source, t.priority, t.status) for t in opened] == [
        ("pump1/vibration:high", "high", "open"),
        ("pump1/vibration:high_high", "critical", "open"),
    ]
    high = opened[0]
    assert high.title == "Pump 1 vibration high"
    assert high.cause == "Bearing wear or misalignment"
    assert high.corrective_action.startswith("Check bearing temperature")
    assert (high.opened_ns, high.occurrences) == (T0 + S, 1)


def test_repeats_are_added_to_the_open_ticket(db: Engine) -> None:
    engine, manager, resolver, _ = rig(db, "critical")
    for second, value in [(1, 12.0), (2, 0.0), (3, 12.0), (4, 0.0), (5, 12.5)]:
        vibrate(engine, resolver, second, value)
    [ticket] = manager.tickets()
    assert (ticket.occurrences, ticket.last_occurrence_ns) == (3, T0 + 5 * S)
    notes = manager.get(ticket.id).notes
    assert [n.text for n in notes] == ["repeated: value 12.0", "repeated: value 12.5"]


def test_lifecycle_with_assignee_notes_and_times(db: Engine) -> None:
    engine, manager, resolver, clock = rig(db, "critical")
    vibrate(engine, resolver, 1, 12.0)
    [ticket] = manager.tickets()
    clock.at(10)
    manager.assign(ticket.id, "tech.mueller", "supervisor")
    clock.at(20)
    manager.advance(ticket.id, TicketStatus.IN_PROGRESS, "tech.mueller", "on site")
    manager.add_note(ticket.id, "tech.mueller", "bearing DE hot, 85 C")
    with pytest.raises(TicketError):
        manager.advance(ticket.id, TicketStatus.CLOSED, "tech.mueller")  # must resolve first
    clock.at(30)
    manager.advance(ticket.id, "resolved", "tech.mueller", "bearing replaced")
    clock.at(40)
    done = manager.advance(ticket.id, TicketStatus.CLOSED, "supervisor")
    assert (done.status, done.assignee) == ("closed", "tech.mueller")
    assert (done.started_ns, done.resolved_ns, done.closed_ns) == (
        T0 + 20 * S,
        T0 + 30 * S,
        T0 + 40 * S,
    )
    assert [n.text for n in done.notes] == [
        "assigned to tech.mueller",
        "open -> in_progress: on site",
        "bearing DE hot, 85 C",
        "in_progress -> resolved: bearing replaced",
        "resolved -> closed",
    ]
    with pytest.raises(TicketError):
        manager.assign(ticket.id, "someone", "supervisor")
    # after closing, a new activation opens a new ticket
    vibrate(engine, resolver, 50, 0.0)
    vibrate(engine, resolver, 51, 12.0)
    assert [t.status for t in manager.tickets()] == ["open", "closed"]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], TicketStatus.RESOLVED),
        ([], TicketStatus.CLOSED),
        ([], TicketStatus.OPEN),
        ([TicketStatus.IN_PROGRESS], TicketStatus.OPEN),
        ([TicketStatus.IN_PROGRESS], TicketStatus.IN_PROGRESS),
        ([TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED], TicketStatus.IN_PROGRESS),
        ([TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED], TicketStatus.OPEN),
    ],
)
def test_invalid_lifecycle_steps_are_refused(
    db: Engine, path: list[TicketStatus], refused: TicketStatus
) -> None:
    engine, manager, resolver, _ = rig(db, "critical")
    vibrate(engine, resolver, 1, 12.0)
    [ticket] = manager.tickets()
    for step in path:
        manager.advance(ticket.id, step, "tech")
    with pytest.raises(TicketError):
        manager.advance(ticket.id, refused, "tech")
    assert manager.get(ticket.id).status == (path[-1].value if path else "open")


def test_the_database_allows_one_open_ticket_per_source(db: Engine) -> None:
    engine, _manager, resolver, _ = rig(db, "critical")
    vibrate(engine, resolver, 1, 12.0)
    row = {
        "source": "pump1/vibration:high_high",
        "priority": "critical",
        "status": "in_progress",
        "title": "x",
        "opened_ns": 0,
        "updated_ns": 0,
        "last_occurrence_ns": 0,
    }
    with pytest.raises(IntegrityError), db.begin() as conn:
        conn.execute(insert(tickets).values(**row))
    with db.begin() as conn:
        conn.execute(insert(tickets).values(**{**row, "status": "closed"}))


def test_no_tickets_without_a_configured_priority_and_unknown_ids(db: Engine) -> None:
    engine, manager, resolver, _ = rig(db, None)
    vibrate(engine, resolver, 1, 12.0)
    assert manager.tickets() == []
    with pytest.raises(TicketError):
        manager.get(42)
    with pytest.raises(TicketError):
        manager.add_note(42, "x", "y")
    assert Priority("critical").rank > Priority("high").rank
