"""Hypothesis: random event sequences never reach an undefined state and every transition is journaled."""

from __future__ import annotations

from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from core.alarms.actions import ALL_VISIBLE
from core.alarms.engine import AlarmEngine
from core.alarms.journal import MemoryJournal
from core.alarms.permissions import AllowAll
from core.alarms.states import (
    CONDITION_ACTIVE_STATES,
    CONDITION_CLEAR_STATES,
    AlarmState,
    InvalidTransition,
)

from .conftest import T0, FakeClock, Resolver, S, batch, definitions

NAMES = ["plain", "latched", "delayed"]
RAW = [
    {
        "tag": "t",
        "type": "high",
        "limit": 10,
        "deadband": 1,
        "name": "plain",
        "suppress_when": 'tag("s") > 0',
    },
    {"tag": "t", "type": "high", "limit": 12, "latched": True, "name": "latched"},
    {
        "tag": "t",
        "type": "high",
        "limit": 8,
        "on_delay_s": 3,
        "off_delay_s": 2,
        "name": "delayed",
        "suppress_when": 'tag("s") > 0',
    },
]
names = st.sampled_from(NAMES)


class AlarmMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.journal = MemoryJournal()
        self.resolver = Resolver()
        self.engine = AlarmEngine(
            definitions(*RAW),
            self.resolver,
            self.journal,
            AllowAll(),
            clock=self.clock,
            max_shelve_s=600,
        )
        self.seen = 0

    def _run(self, call: Any) -> None:
        """Run an engine call; what it returns must be exactly what reached the journal."""
        before = len(self.journal.transitions)
        try:
            returned = call()
        except InvalidTransition:
            assert len(self.journal.transitions) == before, "a refused event must not journal"
            return
        assert self.journal.transitions[before:] == returned

    def _sample(self, tag: str, value: float) -> None:
        tag_id = self.resolver(tag)
        seconds = (self.clock.now - T0) / S
        self._run(lambda: self.engine.evaluate(batch([(tag_id, seconds, value)]), self.clock.now))

    @rule(value=st.floats(min_value=0, max_value=20, allow_nan=False), dt=st.floats(0, 5))
    def process_value(self, value: float, dt: float) -> None:
        self.clock.advance(dt)
        self._sample("t", value)

    @rule(on=st.booleans())
    def suppression_tag(self, on: bool) -> None:
        self.clock.advance(0.5)
        self._sample("s", 1.0 if on else 0.0)

    @rule(dt=st.floats(0, 700))
    def time_passes(self, dt: float) -> None:
        self._run(lambda: self.engine.tick(self.clock.advance(dt)))

    @rule(name=names)
    def acknowledge_one(self, name: str) -> None:
        self._run(lambda: self.engine.acknowledge([name], "op"))

    @rule()
    def acknowledge_all(self) -> None:
        self._run(lambda: self.engine.acknowledge(ALL_VISIBLE, "op"))

    @rule(name=names, duration=st.integers(1, 600))
    def shelve(self, name: str, duration: int) -> None:
        self._run(lambda: self.engine.shelve(name, duration, "test", "op"))

    @rule(name=names)
    def unshelve(self, name: str) -> None:
        self._run(lambda: self.engine.unshelve(name, "op"))

    @rule(name=names)
    def remove_from_service(self, name: str) -> None:
        self._run(lambda: self.engine.remove_from_service(name, "WO-1", "op"))

    @rule(name=names)
    def return_to_service(self, name: str) -> None:
        self._run(lambda: self.engine.return_to_service(name, "op"))

    @rule(name=names)
    def comment(self, name: str) -> None:
        self._run(lambda: self.engine.comment(name, "op", "note"))

    @precondition(lambda self: len(self.journal.transitions) > self.seen)
    @rule()
    def restart(self) -> None:
        """A new engine restored from the snapshot behaves as the old one."""
        snapshot = self.engine.snapshot()
        self.engine = AlarmEngine(
            definitions(*RAW),
            self.resolver,
            self.journal,
            AllowAll(),
            clock=self.clock,
            max_shelve_s=600,
        )
        self.engine.restore(snapshot)
        assert self.engine.snapshot() == snapshot
        self.seen = len(self.journal.transitions)

    @invariant()
    def states_are_defined_and_consistent(self) -> None:
        for row in self.engine.snapshot():
            assert row.state in AlarmState
            if row.state in CONDITION_ACTIVE_STATES:
                assert row.condition_active
            if row.state in CONDITION_CLEAR_STATES:
                assert not row.condition_active
            if row.state is AlarmState.LATCHED:
                assert row.name == "latched"
            assert (row.state is AlarmState.SHELVED) == (row.shelved_until_ns is not None)
            assert (row.state is AlarmState.OUT_OF_SERVICE) == bool(row.oos_reference)
            if row.state is AlarmState.SUPPRESSED:
                assert row.suppressed

    @invariant()
    def every_transition_is_journaled(self) -> None:
        last: dict[str, AlarmState] = {}
        for t in self.journal.transitions:
            if t.alarm.startswith("flood:"):
                continue
            assert t.from_state is last.get(t.alarm, AlarmState.NORMAL), "a gap in the journal"
            last[t.alarm] = t.to_state
        for row in self.engine.snapshot():
            assert row.state is last.get(row.name, AlarmState.NORMAL)


AlarmMachine.TestCase.settings = settings(max_examples=120, stateful_step_count=40, deadline=None)
TestAlarmStateMachine = AlarmMachine.TestCase
