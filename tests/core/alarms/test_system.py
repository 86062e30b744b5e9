"""The wired alarm system on a migrated store: a restart through build_alarm_system."""

from __future__ import annotations

from pathlib import Path

from core.alarms.config import parse_alarm_sections
from core.alarms.states import AlarmState
from core.alarms.system import build_alarm_system
from core.store.database import make_engine, resolve_url, upgrade

from .conftest import T0, FakeClock, Resolver, S, batch
from .servers import WebhookServer


def test_restart_through_the_wired_system(tmp_path: Path) -> None:
    db = make_engine(resolve_url("sqlite:///alarms.db", tmp_path))
    upgrade(db, "0002")
    with WebhookServer() as hook:
        config = parse_alarm_sections(
            [
                {
                    "tag": "a",
                    "type": "high",
                    "limit": 1,
                    "priority": "critical",
                    "max_response_s": 60,
                },
                {"tag": "b", "type": "high", "limit": 1},
            ],
            [{"webhook": {"url": hook.url}, "events": ["activate", "escalate"]}],
            {"auto_ticket_priority": "high"},
            "plant.toml",
        )
        clock, resolver = FakeClock(), Resolver()
        system = build_alarm_system(config, db, resolver, clock=clock)
        system.engine.evaluate(batch([(resolver("a"), 1, 5.0), (resolver("b"), 1, 5.0)]), T0 + S)
        system.engine.shelve("b:high", 3600, "known issue", "ann")
        assert system.notifications.process_once(T0 + 2 * S) == 2
        system.stop()

        clock.at(30)
        again = build_alarm_system(config, db, resolver, clock=clock)
        assert again.engine.state("a:high").state is AlarmState.UNACK
        assert again.engine.state("b:high").state is AlarmState.SHELVED
        assert again.notifications.process_once(T0 + 59 * S) == 0
        assert again.notifications.process_once(T0 + 61 * S) == 1  # escalation survives too
        assert [t.source for t in again.tickets.tickets()] == ["a:high"]
        again.stop()
    assert len(hook.bodies) == 3
    db.dispose()
