"""The ISA-18.2 transition table, pure and through a real engine, one row per transition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.alarms.engine import AlarmEngine
from core.alarms.journal import MemoryJournal
from core.alarms.permissions import AllowAll
from core.alarms.states import (
    TRANSITIONS,
    AlarmState,
    Event,
    InvalidTransition,
    TransitionContext,
    next_state,
)

from .conftest import T0, FakeClock, Resolver, batch, definitions

S, E = AlarmState, Event
LATCH = TransitionContext(latched=True)
ACTIVE = TransitionContext(condition_active=True)

# (from, event, context, expected) — the specification, written out independently of the table.
PURE_CASES: list[tuple[AlarmState, Event, TransitionContext, AlarmState]] = [
    (S.NORMAL, E.ACTIVATE, TransitionContext(), S.UNACK),
    (S.UNACK, E.ACK, ACTIVE, S.ACKED),
    (S.UNACK, E.CLEAR, TransitionContext(), S.RTN_UNACK),
    (S.UNACK, E.CLEAR, LATCH, S.LATCHED),
    (S.ACKED, E.CLEAR, TransitionContext(), S.NORMAL),
    (S.ACKED, E.CLEAR, LATCH, S.LATCHED),
    (S.RTN_UNACK, E.ACK, TransitionContext(), S.NORMAL),
    (S.RTN_UNACK, E.ACTIVATE, ACTIVE, S.UNACK),
    (S.LATCHED, E.ACK, LATCH, S.NORMAL),
    (S.LATCHED, E.ACTIVATE, LATCH, S.UNACK),
    (S.SHELVED, E.ACTIVATE, ACTIVE, S.SHELVED),
    (S.SHELVED, E.CLEAR, TransitionContext(), S.SHELVED),
    (S.SHELVED, E.SUPPRESS, TransitionContext(shelved=True, suppressed=True), S.SHELVED),
    (S.SHELVED, E.UNSUPPRESS, TransitionContext(shelved=True), S.SHELVED),
    (S.SHELVED, E.UNSHELVE, TransitionContext(), S.NORMAL),
    (S.SHELVED, E.UNSHELVE, ACTIVE, S.UNACK),
    (S.SHELVED, E.UNSHELVE, TransitionContext(suppressed=True), S.SUPPRESSED),
    (S.SHELVED, E.SHELVE_EXPIRED, TransitionContext(), S.NORMAL),
    (S.SHELVED, E.SHELVE_EXPIRED, ACTIVE, S.UNACK),
    (S.SHELVED, E.REMOVE_FROM_SERVICE, TransitionContext(out_of_service=True), S.OUT_OF_SERVICE),
    (S.SUPPRESSED, E.ACTIVATE, ACTIVE, S.SUPPRESSED),
    (S.SUPPRESSED, E.CLEAR, TransitionContext(), S.SUPPRESSED),
    (S.SUPPRESSED, E.UNSUPPRESS, TransitionContext(), S.NORMAL),
    (S.SUPPRESSED, E.UNSUPPRESS, ACTIVE, S.UNACK),
    (S.SUPPRESSED, E.REMOVE_FROM_SERVICE, TransitionContext(), S.OUT_OF_SERVICE),
    (S.OUT_OF_SERVICE, E.ACTIVATE, ACTIVE, S.OUT_OF_SERVICE),
    (S.OUT_OF_SERVICE, E.CLEAR, TransitionContext(), S.OUT_OF_SERVICE),
    (S.OUT_OF_SERVICE, E.SUPPRESS, TransitionContext(), S.OUT_OF_SERVICE),
    (S.OUT_OF_SERVICE, E.UNSUPPRESS, TransitionContext(), S.OUT_OF_SERVICE),
    (S.OUT_OF_SERVICE, E.RETURN_TO_SERVICE, TransitionContext(), S.NORMAL),
    (S.OUT_OF_SERVICE, E.RETURN_TO_SERVICE, ACTIVE, S.UNACK),
    (S.OUT_OF_SERVICE, E.RETURN_TO_SERVICE, TransitionContext(suppressed=True), S.SUPPRESSED),
]
for _state in (S.NORMAL, S.UNACK, S.ACKED, S.RTN_UNACK, S.LATCHED):
    PURE_CASES += [
        (_state, E.SHELVE, TransitionContext(shelved=True), S.SHELVED),
        (_state, E.SUPPRESS, TransitionContext(suppressed=True), S.SUPPRESSED),
        (_state, E.REMOVE_FROM_SERVICE, TransitionContext(out_of_service=True), S.OUT_OF_SERVICE),
    ]
for _state in AlarmState:
    PURE_CASES += [
        (_state, E.COMMENT, TransitionContext(), _state),
        (_state, E.REFUSED, TransitionContext(), _state),
    ]


@pytest.mark.parametrize(("state", "event", "ctx", "expected"), PURE_CASES)
def test_transition_table(
    state: AlarmState, event: Event, ctx: TransitionContext, expected: AlarmState
) -> None:
    assert next_state(state, event, ctx) is expected


def test_every_table_entry_is_specified() -> None:
    specified = {(state, event) for state, event, _, _ in PURE_CASES}
    assert specified == set(TRANSITIONS)


UNDEFINED = [
    (state, event)
    for state in AlarmState
    for event in Event
    if (state, event) not in TRANSITIONS and event not in (E.FLOOD_START, E.FLOOD_END)
]


@pytest.mark.parametrize(("state", "event"), UNDEFINED)
def test_undefined_pairs_are_refused(state: AlarmState, event: Event) -> None:
    with pytest.raises(InvalidTransition):
        next_state(state, event, TransitionContext())


# ---------------------------------------------------------------- through a real engine

NAME = "t:high"


class Driver:
    """Drives one high alarm (limit 10 on tag ``t``, suppressed while tag ``s`` > 0)."""

    def __init__(self, latched: bool) -> None:
        self.clock = FakeClock()
        self.journal = MemoryJournal()
        self.resolver = Resolver()
        raw: dict[str, Any] = {
            "tag": "t",
            "type": "high",
            "limit": 10,
            "latched": latched,
            "suppress_when": 'tag("s") > 0',
        }
        self.engine = AlarmEngine(
            definitions(raw), self.resolver, self.journal, AllowAll(), clock=self.clock
        )
        self.steps: dict[str, Callable[[], object]] = {
            "active": lambda: self._sample("t", 20.0),
            "clear": lambda: self._sample("t", 0.0),
            "suppress": lambda: self._sample("s", 1.0),
            "unsuppress": lambda: self._sample("s", 0.0),
            "ack": lambda: self.engine.acknowledge([NAME], "op"),
            "shelve": lambda: self.engine.shelve(NAME, 60, "noisy", "op"),
            "unshelve": lambda: self.engine.unshelve(NAME, "op"),
            "expire": lambda: self.engine.tick(self.clock.advance(61)),
            "oos": lambda: self.engine.remove_from_service(NAME, "WO-7", "op"),
            "rts": lambda: self.engine.return_to_service(NAME, "op"),
            "comment": lambda: self.engine.comment(NAME, "op", "looked at it"),
        }

    def _sample(self, tag: str, value: float) -> object:
        tag_id = self.resolver(tag)
        assert tag_id is not None
        seconds = (self.clock.now - T0) / 1e9
        return self.engine.evaluate(batch([(tag_id, seconds, value)]), self.clock.now)

    def do(self, step: str) -> None:
        self.clock.advance(1)
        self.steps[step]()


ENGINE_CASES: list[tuple[str, list[str], str, AlarmState, AlarmState]] = [
    ("normal", [], "active", S.NORMAL, S.UNACK),
    ("normal", [], "shelve", S.NORMAL, S.SHELVED),
    ("normal", [], "suppress", S.NORMAL, S.SUPPRESSED),
    ("normal", [], "oos", S.NORMAL, S.OUT_OF_SERVICE),
    ("normal", [], "comment", S.NORMAL, S.NORMAL),
    ("normal", ["active"], "ack", S.UNACK, S.ACKED),
    ("normal", ["active"], "clear", S.UNACK, S.RTN_UNACK),
    ("latched", ["active"], "clear", S.UNACK, S.LATCHED),
    ("normal", ["active"], "shelve", S.UNACK, S.SHELVED),
    ("normal", ["active"], "suppress", S.UNACK, S.SUPPRESSED),
    ("normal", ["active"], "oos", S.UNACK, S.OUT_OF_SERVICE),
    ("normal", ["active"], "comment", S.UNACK, S.UNACK),
    ("normal", ["active", "ack"], "clear", S.ACKED, S.NORMAL),
    ("latched", ["active", "ack"], "clear", S.ACKED, S.LATCHED),
    ("normal", ["active", "ack"], "shelve", S.ACKED, S.SHELVED),
    ("normal", ["active", "ack"], "suppress", S.ACKED, S.SUPPRESSED),
    ("normal", ["active", "ack"], "oos", S.ACKED, S.OUT_OF_SERVICE),
    ("normal", ["active", "clear"], "ack", S.RTN_UNACK, S.NORMAL),
    ("normal", ["active", "clear"], "active", S.RTN_UNACK, S.UNACK),
    ("normal", ["active", "clear"], "shelve", S.RTN_UNACK, S.SHELVED),
    ("normal", ["active", "clear"], "suppress", S.RTN_UNACK, S.SUPPRESSED),
    ("normal", ["active", "clear"], "oos", S.RTN_UNACK, S.OUT_OF_SERVICE),
    ("latched", ["active", "ack", "clear"], "ack", S.LATCHED, S.NORMAL),
    ("latched", ["active", "ack", "clear"], "active", S.LATCHED, S.UNACK),
    ("latched", ["active", "clear"], "shelve", S.LATCHED, S.SHELVED),
    ("latched", ["active", "clear"], "suppress", S.LATCHED, S.SUPPRESSED),
    ("latched", ["active", "clear"], "oos", S.LATCHED, S.OUT_OF_SERVICE),
    ("normal", ["shelve"], "active", S.SHELVED, S.SHELVED),
    ("normal", ["shelve", "active"], "clear", S.SHELVED, S.SHELVED),
    ("normal", ["shelve"], "suppress", S.SHELVED, S.SHELVED),
    ("normal", ["shelve", "suppress"], "unsuppress", S.SHELVED, S.SHELVED),
    ("normal", ["shelve"], "unshelve", S.SHELVED, S.NORMAL),
    ("normal", ["shelve", "active"], "unshelve", S.SHELVED, S.UNACK),
    ("normal", ["shelve", "suppress"], "unshelve", S.SHELVED, S.SUPPRESSED),
    ("normal", ["shelve"], "expire", S.SHELVED, S.NORMAL),
    ("normal", ["active", "shelve"], "expire", S.SHELVED, S.UNACK),
    ("normal", ["shelve"], "oos", S.SHELVED, S.OUT_OF_SERVICE),
    ("normal", ["suppress"], "active", S.SUPPRESSED, S.SUPPRESSED),
    ("normal", ["suppress", "active"], "clear", S.SUPPRESSED, S.SUPPRESSED),
    ("normal", ["suppress"], "unsuppress", S.SUPPRESSED, S.NORMAL),
    ("normal", ["suppress", "active"], "unsuppress", S.SUPPRESSED, S.UNACK),
    ("normal", ["suppress"], "oos", S.SUPPRESSED, S.OUT_OF_SERVICE),
    ("normal", ["suppress"], "comment", S.SUPPRESSED, S.SUPPRESSED),
    ("normal", ["oos"], "active", S.OUT_OF_SERVICE, S.OUT_OF_SERVICE),
    ("normal", ["oos", "active"], "clear", S.OUT_OF_SERVICE, S.OUT_OF_SERVICE),
    ("normal", ["oos"], "suppress", S.OUT_OF_SERVICE, S.OUT_OF_SERVICE),
    ("normal", ["oos", "suppress"], "unsuppress", S.OUT_OF_SERVICE, S.OUT_OF_SERVICE),
    ("normal", ["oos"], "rts", S.OUT_OF_SERVICE, S.NORMAL),
    ("normal", ["oos", "active"], "rts", S.OUT_OF_SERVICE, S.UNACK),
    ("normal", ["oos", "suppress"], "rts", S.OUT_OF_SERVICE, S.SUPPRESSED),
    ("normal", ["active", "shelve"], "oos", S.SHELVED, S.OUT_OF_SERVICE),
]
STEP_EVENTS = {
    "active": E.ACTIVATE,
    "clear": E.CLEAR,
    "ack": E.ACK,
    "shelve": E.SHELVE,
    "unshelve": E.UNSHELVE,
    "expire": E.SHELVE_EXPIRED,
    "suppress": E.SUPPRESS,
    "unsuppress": E.UNSUPPRESS,
    "oos": E.REMOVE_FROM_SERVICE,
    "rts": E.RETURN_TO_SERVICE,
    "comment": E.COMMENT,
}


@pytest.mark.parametrize(("kind", "setup", "step", "before", "after"), ENGINE_CASES)
def test_engine_transition(
    kind: str, setup: list[str], step: str, before: AlarmState, after: AlarmState
) -> None:
    driver = Driver(latched=kind == "latched")
    for s in setup:
        driver.do(s)
    assert driver.engine.state(NAME).state is before
    mark = len(driver.journal.transitions)
    driver.do(step)
    entries = [t for t in driver.journal.transitions[mark:] if t.alarm == NAME]
    assert entries, "the transition must be journaled"
    last = entries[-1]
    assert (last.event, last.from_state, last.to_state) == (STEP_EVENTS[step], before, after)
    assert driver.engine.state(NAME).state is after


@pytest.mark.parametrize(
    ("setup", "step"),
    [([], "unshelve"), ([], "rts"), (["suppress"], "shelve"), (["oos"], "shelve")],
)
def test_engine_refuses_undefined_actions_without_journaling(setup: list[str], step: str) -> None:
    driver = Driver(latched=False)
    for s in setup:
        driver.do(s)
    before = driver.engine.state(NAME)
    mark = len(driver.journal.transitions)
    with pytest.raises(InvalidTransition):
        driver.do(step)
    assert driver.journal.transitions[mark:] == []
    assert driver.engine.state(NAME).state is before.state


def test_acknowledging_an_alarm_that_waits_for_nothing_is_a_no_op() -> None:
    driver = Driver(latched=False)
    assert driver.engine.acknowledge([NAME], "op") == []
    assert driver.journal.transitions == []
