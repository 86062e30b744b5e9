"""Alarm notifications: rules, escalation, de-duplication, rate limits, retries, a worker thread.

:class:`NotificationService` is a :class:`~core.alarms.journal.JournalSink`: ``record`` only
queues the transitions, so the engine never waits on a mail server. The worker thread
(:meth:`NotificationService.start`) calls :meth:`NotificationService.process_once`, which

1. routes queued transitions through the rules into the outbox (``activate`` and ``clear``),
   skipping repeats of the same alarm and event within the rule's ``dedup_s`` and marking rows
   ``rate_limited`` beyond the rule's messages per minute;
2. escalates alarms still unacknowledged ``max_response_s`` after their activation (once per
   activation, through rules listening to ``escalate``);
3. delivers due outbox rows; a failure is kept on the row (``attempts``, ``last_error``) and
   retried with exponential backoff until the rule's ``max_attempts``.

Tests drive :meth:`process_once` with an injected clock instead of the thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from core.alarms.config import AlarmDefinition
from core.alarms.notify_config import NotificationRule
from core.alarms.outbox import Outbox, OutboxItem, OutboxStatus
from core.alarms.senders import DeliveryError, Message, Sender, format_message, sender_for
from core.alarms.states import NEEDS_ACK, AlarmStateRow, Event, Transition
from core.model import NS_PER_S, now_ns

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 1800.0
RATE_WINDOW_NS = 60 * NS_PER_S


def retry_delay_s(rule: NotificationRule, attempts: int) -> float:
    """Delay before the next attempt after ``attempts`` failures (doubling, capped)."""
    return float(min(rule.retry_base_s * 2 ** max(attempts - 1, 0), MAX_BACKOFF_S))


class NotificationService:
    """Routes alarm transitions to e-mail and webhooks (see the module docstring)."""

    def __init__(
        self,
        rules: Sequence[NotificationRule],
        definitions: Iterable[AlarmDefinition],
        outbox: Outbox,
        *,
        clock: Callable[[], int] = now_ns,
        senders: Mapping[str, Sender] | None = None,
        poll_s: float = 1.0,
    ) -> None:
        self.rules = {rule.name or f"rule{i}": rule for i, rule in enumerate(rules)}
        self._definitions = {d.alarm_name: d for d in definitions}
        self._outbox = outbox
        self._clock = clock
        self._senders = dict(senders or {n: sender_for(r) for n, r in self.rules.items()})
        self._poll_s = poll_s
        self._queue: queue.SimpleQueue[tuple[Transition, bool]] = queue.SimpleQueue()
        """(transition, restored at start-up)."""
        self._waiting: dict[str, Transition] = {}
        """Unacknowledged activations of alarms with a max response time, by alarm."""
        self._last_sent: dict[tuple[str, str, str], int] = {}
        self._recent: dict[str, deque[int]] = {name: deque() for name in self.rules}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.deduplicated = 0
        self.rate_limited = 0
        self.sent = 0
        self.failed_attempts = 0

    # --------------------------------------------------------------- intake (any thread)

    def record(self, transitions: Sequence[Transition]) -> None:
        """Queue transitions for the worker (never blocks)."""
        for t in transitions:
            self._queue.put((t, False))
        self._wake.set()

    def track_unacknowledged(self, states: Iterable[AlarmStateRow]) -> None:
        """After a restart: watch restored unacknowledged alarms for escalation."""
        for row in states:
            d = self._definitions.get(row.name)
            if d is None or row.state not in NEEDS_ACK or row.activated_ns is None:
                continue
            self._queue.put((_restored_activation(d, row), True))

    # --------------------------------------------------------------- worker

    def process_once(self, now: int | None = None) -> int:
        """Route, escalate and deliver what is due at ``now``; returns the rows sent."""
        now = self._clock() if now is None else now
        self._route_queued(now)
        self._escalate(now)
        return self._deliver(now)

    def _route_queued(self, now: int) -> None:
        rows: list[dict[str, Any]] = []
        while True:
            try:
                t, restored = self._queue.get_nowait()
            except queue.Empty:
                break
            self._follow(t, restored)
            if restored:
                continue
            if t.is_annunciation:
                rows += self._route(t, "activate", now)
            elif t.event is Event.CLEAR and t.from_state is not t.to_state:
                rows += self._route(t, "clear", now)
        self._outbox.add(rows)

    def _follow(self, t: Transition, restored: bool) -> None:
        d = self._definitions.get(t.alarm)
        if (t.is_annunciation or restored) and d is not None and d.max_response_s:
            self._waiting[t.alarm] = t
        elif t.to_state not in NEEDS_ACK:
            self._waiting.pop(t.alarm, None)

    def _escalate(self, now: int) -> None:
        rows: list[dict[str, Any]] = []
        for name, t in list(self._waiting.items()):
            d = self._definitions[name]
            if d.max_response_s and now - t.ts_ns >= d.max_response_s * NS_PER_S:
                del self._waiting[name]
                rows += self._route(t, "escalate", now)
        self._outbox.add(rows)

    def _route(self, t: Transition, event: str, now: int) -> list[dict[str, Any]]:
        rows = []
        for name, rule in self.rules.items():
            if not rule.matches(t.priority, t.area, event, now if event == "escalate" else t.ts_ns):
                continue
            key = (name, t.alarm, event)
            last = self._last_sent.get(key)
            if last is not None and now - last < rule.dedup_s * NS_PER_S:
                self.deduplicated += 1
                continue
            self._last_sent[key] = now
            status = OutboxStatus.PENDING if self._within_rate(name, rule, now) else None
            if status is None:
                self.rate_limited += 1
            message = format_message(t, self._definitions.get(t.alarm), event, now)
            rows.append(
                {
                    "created_ns": now,
                    "rule": name,
                    "channel": rule.channel,
                    "alarm": t.alarm,
                    "event": event,
                    "priority": t.priority,
                    "subject": message.subject,
                    "body": message.body,
                    "status": (status or OutboxStatus.RATE_LIMITED).value,
                    "next_attempt_ns": now,
                }
            )
        return rows

    def _within_rate(self, name: str, rule: NotificationRule, now: int) -> bool:
        recent = self._recent[name]
        while recent and recent[0] <= now - RATE_WINDOW_NS:
            recent.popleft()
        if len(recent) >= rule.rate_limit_per_min:
            return False
        recent.append(now)
        return True

    def _deliver(self, now: int) -> int:
        sent = 0
        for item in self._outbox.due(now):
            rule = self.rules.get(item.rule)
            sender = self._senders.get(item.rule)
            if rule is None or sender is None:
                self._outbox.mark_failed(item.id, "rule no longer configured", item.attempts, None)
                continue
            if self._send(item, rule, sender, now):
                sent += 1
        return sent

    def _send(self, item: OutboxItem, rule: NotificationRule, sender: Sender, now: int) -> bool:
        try:
            sender.send(Message(item.subject, item.body))
        except DeliveryError as exc:
            attempts = item.attempts + 1
            self.failed_attempts += 1
            retry_at = None
            if attempts < rule.max_attempts:
                retry_at = now + int(retry_delay_s(rule, attempts) * NS_PER_S)
            log.warning(
                "notification %d (%s) attempt %d failed: %s", item.id, item.rule, attempts, exc
            )
            self._outbox.mark_failed(item.id, str(exc), attempts, retry_at)
            return False
        self._outbox.mark_sent(item.id, now)
        self.sent += 1
        return True

    # --------------------------------------------------------------- thread

    def start(self) -> None:
        """Run :meth:`process_once` in a worker thread until :meth:`stop`."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="alarm-notify", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the worker thread (after its current pass)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.process_once()
            except Exception:
                log.exception("notification pass failed")
            self._wake.wait(self._poll_s)


def _restored_activation(d: AlarmDefinition, row: AlarmStateRow) -> Transition:
    return Transition(
        ts_ns=row.activated_ns or row.updated_ns,
        alarm=row.name,
        tag=d.tag,
        event=Event.ACTIVATE,
        from_state=row.state,
        to_state=row.state,
        value=row.last_value,
        priority=d.priority.value,
        area=d.area,
        position=d.operator_position,
        comment="restored",
    )
