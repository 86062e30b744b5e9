"""Notifications through a real SMTP server (plain, and STARTTLS + AUTH) and a local webhook."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from core.alarms.config import parse_alarm_sections
from core.alarms.engine import AlarmEngine
from core.alarms.journal import FanoutJournal, MemoryJournal
from core.alarms.notify import NotificationService, retry_delay_s
from core.alarms.outbox import Outbox, OutboxStatus
from core.alarms.permissions import AllowAll

from .conftest import T0, FakeClock, Resolver, S, batch
from .servers import SMTP_PASSWORD, SMTP_USER, WebhookServer, smtp_server

ALARMS = [
    {
        "tag": "boiler/temp",
        "type": "high",
        "limit": 90,
        "priority": "high",
        "area": "boiler",
        "message": "Boiler hot",
        "cause": "Burner stuck on",
        "corrective_action": "Trip the burner",
        "max_response_s": 120,
    },
    {"tag": "press/oil", "type": "low", "limit": 1, "priority": "low", "area": "press"},
    {"tag": "press/temp", "type": "high", "limit": 50, "priority": "high", "area": "press"},
]


class Rig:
    """Engine -> notification service -> outbox, with the injected clock."""

    def __init__(self, db: Engine, rules: list[dict[str, Any]]) -> None:
        config = parse_alarm_sections(ALARMS, rules, {}, "plant.toml")
        self.clock = FakeClock()
        self.outbox = Outbox(db)
        self.service = NotificationService(
            config.notifications, config.alarms, self.outbox, clock=self.clock
        )
        self.resolver = Resolver()
        self.engine = AlarmEngine(
            config.alarms,
            self.resolver,
            FanoutJournal([MemoryJournal(), self.service]),
            AllowAll(),
            clock=self.clock,
        )

    def sample(self, seconds: float, tag: str, value: float) -> None:
        self.clock.at(seconds)
        tag_id = self.resolver(tag)
        self.engine.evaluate(batch([(tag_id, seconds, value)]), self.clock.now)

    def process(self, seconds: float) -> int:
        return self.service.process_once(self.clock.at(seconds))


def mail_rule(port: int, **extra: Any) -> dict[str, Any]:
    email_target = {
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
        "from": "scada@plant",
        "to": ["shift@plant"],
        **extra,
    }
    return {"name": "mail", "min_priority": "high", "email": email_target}


def test_email_through_a_real_smtp_server(sqlite_engine: Engine) -> None:
    with smtp_server() as (inbox, port):
        rig = Rig(sqlite_engine, [mail_rule(port)])
        rig.sample(1, "boiler/temp", 95.0)
        rig.sample(2, "press/oil", 0.0)  # low priority: below the rule's minimum
        assert rig.process(3) == 1
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["shift@plant"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert "[HIGH] ALARM: boiler/temp:high - Boiler hot" in message["Subject"]
    body = message.get_content()
    assert "Value: 95.0" in body and "Corrective action: Trip the burner" in body
    [item] = rig.outbox.items()
    assert (item.status, item.attempts, item.last_error) == ("sent", 1, "")


def test_email_with_starttls_and_authentication(
    sqlite_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(tls_dir=tmp_path) as (inbox, port):
        rule = mail_rule(
            port,
            starttls=True,
            username=SMTP_USER,
            password_env="CD_TEST_SMTP_PW",
            ca_file=str(tmp_path / "smtp.crt"),
        )
        monkeypatch.setenv("CD_TEST_SMTP_PW", "wrong")
        rig = Rig(sqlite_engine, [rule])
        rig.sample(1, "boiler/temp", 95.0)
        assert rig.process(1) == 0
        [failed] = rig.outbox.items()
        assert failed.status == "pending" and failed.attempts == 1
        assert "535" in failed.last_error or "uthentication" in failed.last_error
        monkeypatch.setenv("CD_TEST_SMTP_PW", SMTP_PASSWORD)
        assert rig.process(1 + retry_delay_s(rig.service.rules["mail"], 1)) == 1
    assert len(inbox.messages) == 1
    [sent] = rig.outbox.items()
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_plain_smtp_refused_when_the_server_requires_starttls(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    with smtp_server(tls_dir=tmp_path) as (inbox, port):
        rig = Rig(sqlite_engine, [mail_rule(port)])
        rig.sample(1, "boiler/temp", 95.0)
        assert rig.process(1) == 0
    assert inbox.messages == []
    assert rig.outbox.items()[0].last_error.startswith("smtp 127.0.0.1")


def hook_rule(url: str, **extra: Any) -> dict[str, Any]:
    return {"name": "hook", "webhook": {"url": url}, **extra}


def test_webhook_retried_after_a_500_with_backoff(sqlite_engine: Engine) -> None:
    with WebhookServer([500]) as hook:
        rig = Rig(sqlite_engine, [hook_rule(hook.url, retry_base_s=10)])
        rig.sample(1, "press/temp", 60.0)
        assert rig.process(1) == 0
        [item] = rig.outbox.items()
        assert (item.status, item.attempts, item.last_error) == (
            "pending",
            1,
            "webhook answered HTTP 500",
        )
        assert item.next_attempt_ns == T0 + 11 * S
        assert rig.process(10) == 0 and hook.hits == 1  # not due yet
        assert rig.process(11) == 1 and hook.hits == 2
    [body] = hook.bodies
    assert body["text"].startswith("[HIGH] ALARM: press/temp:high")
    assert rig.outbox.counts() == {"sent": 1}


def test_failed_sends_give_up_after_max_attempts_and_stay_visible(sqlite_engine: Engine) -> None:
    with WebhookServer([500, 503, 502]) as hook:
        rig = Rig(sqlite_engine, [hook_rule(hook.url, max_attempts=3, retry_base_s=1)])
        rig.sample(1, "press/temp", 60.0)
        for seconds in (1, 2, 4, 100):
            rig.process(seconds)
        assert hook.hits == 3
    [item] = rig.outbox.items(status=OutboxStatus.FAILED)
    assert (item.attempts, item.last_error) == (3, "webhook answered HTTP 502")
    assert rig.service.failed_attempts == 3


def test_unreachable_webhook_is_an_error_on_the_row(sqlite_engine: Engine) -> None:
    from tests.conftest import free_port

    rig = Rig(sqlite_engine, [hook_rule(f"http://127.0.0.1:{free_port()}/x")])
    rig.sample(1, "press/temp", 60.0)
    rig.process(1)
    assert rig.outbox.items()[0].last_error.startswith("webhook unreachable")


@pytest.mark.parametrize(("ack_at", "escalations_at"), [(None, [121]), (100, [])])
def test_escalation_fires_when_it_should_and_not_before(
    sqlite_engine: Engine, ack_at: float | None, escalations_at: list[float]
) -> None:
    with WebhookServer() as hook:
        rig = Rig(sqlite_engine, [hook_rule(hook.url, events=["escalate"], min_priority="high")])
        rig.sample(1, "boiler/temp", 95.0)  # max_response_s = 120
        seen = []
        for second in range(2, 200):
            if second == ack_at:
                rig.clock.at(second)
                rig.engine.acknowledge(["boiler/temp:high"], "ann")
            if rig.process(second):
                seen.append(second)
    assert seen == escalations_at
    assert all("ESCALATION" in body["text"] for body in hook.bodies)
    if escalations_at:
        assert "Unacknowledged for 120 s (max response 120 s)" in hook.bodies[0]["text"]


def test_escalation_is_tracked_across_a_restart(sqlite_engine: Engine) -> None:
    with WebhookServer() as hook:
        rig = Rig(sqlite_engine, [hook_rule(hook.url, events=["escalate"])])
        rig.sample(1, "boiler/temp", 95.0)
        snapshot = rig.engine.snapshot()
        fresh = Rig(sqlite_engine, [hook_rule(hook.url, events=["escalate"])])
        fresh.engine.restore(snapshot)
        fresh.service.track_unacknowledged(snapshot)
        assert fresh.process(100) == 0
        assert fresh.process(121) == 1


def test_duplicates_and_rate_limit(sqlite_engine: Engine) -> None:
    with WebhookServer() as hook:
        rule = hook_rule(hook.url, dedup_s=60, rate_limit_per_min=2)
        rig = Rig(sqlite_engine, [rule])
        for second in (1, 3, 5):  # chattering: activate, clear, activate...
            rig.sample(second, "press/temp", 60.0)
            rig.sample(second + 1, "press/temp", 0.0)
        rig.sample(7, "boiler/temp", 95.0)
        rig.sample(8, "press/oil", 0.0)  # third distinct alarm in the minute: rate-limited
        rig.process(9)
        rig.sample(70, "press/temp", 60.0)  # the dedup window is over
        rig.process(71)
    statuses = [(i.alarm, i.status) for i in reversed(rig.outbox.items())]
    assert statuses == [
        ("press/temp:high", "sent"),
        ("boiler/temp:high", "sent"),
        ("press/oil:low", "rate_limited"),
        ("press/temp:high", "sent"),
    ]
    assert (rig.service.deduplicated, rig.service.rate_limited) == (2, 1)
    assert len(hook.bodies) == 3


def test_rules_filter_by_area_schedule_and_event(sqlite_engine: Engine) -> None:
    rules = [
        hook_rule("http://127.0.0.1:9/a", areas=["boiler"]),
        {**hook_rule("http://127.0.0.1:9/b", events=["clear"]), "name": "clears"},
        {
            **hook_rule("http://127.0.0.1:9/c"),
            "name": "weekends",
            "schedule": {"days": ["sat", "sun"]},
        },
    ]
    rig = Rig(sqlite_engine, rules)
    rig.sample(1, "press/temp", 60.0)  # Tuesday, press: no rule takes the activation
    rig.sample(2, "press/temp", 0.0)  # the clear goes to "clears"
    rig.service.process_once(rig.clock.at(2.5))
    assert [(i.rule, i.event) for i in rig.outbox.items()] == [("clears", "clear")]


def test_worker_thread_delivers_without_blocking_evaluate(sqlite_engine: Engine) -> None:
    with smtp_server() as (inbox, port):
        config = parse_alarm_sections(ALARMS, [mail_rule(port)], {}, "plant.toml")
        service = NotificationService(
            config.notifications, config.alarms, Outbox(sqlite_engine), poll_s=0.05
        )
        resolver = Resolver()
        engine = AlarmEngine(config.alarms, resolver, service, AllowAll())
        service.start()
        try:
            engine.evaluate(batch([(resolver("boiler/temp"), 0, 99.0)]), T0)
            assert inbox.received.wait(10)
        finally:
            service.stop()
    assert len(inbox.messages) == 1 and service.sent == 1
