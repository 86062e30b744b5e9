"""Operator actions: acknowledge one/selected/all visible, shelve, comment, out of service, permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from core.alarms.actions import ALL_VISIBLE, UnknownAlarm
from core.alarms.permissions import Action, PermissionDenied, RoleTable
from core.alarms.states import AlarmState, Event

from .conftest import T0, FakeClock, S, batch

Build = Callable[..., Any]
ROLES = RoleTable(
    user_roles={"ann": ["operator"], "bob": ["viewer"], "eve": ["engineer"]},
    role_actions={
        "operator": [Action.ACKNOWLEDGE, Action.SHELVE, Action.UNSHELVE, Action.COMMENT],
        "engineer": ["*"],
    },
    role_areas={"operator": ["boiler"]},
)
DEFS = [
    {"tag": "b1", "type": "high", "limit": 1, "area": "boiler"},
    {"tag": "b2", "type": "high", "limit": 1, "area": "boiler"},
    {"tag": "p1", "type": "high", "limit": 1, "area": "press"},
]


def activate_all(engine: Any, resolver: Any, at_s: float = 1) -> None:
    rows = [(resolver(name), at_s, 5.0) for name in ("b1", "b2", "p1")]
    engine.evaluate(batch(rows), T0 + int(at_s * S))


def test_acknowledge_one_selected_and_all_visible(make_engine: Build) -> None:
    engine, journal, resolver = make_engine(*DEFS)
    activate_all(engine, resolver)
    done = engine.acknowledge(["b1:high"], "ann", "seen")
    assert [(t.alarm, t.user, t.comment) for t in done] == [("b1:high", "ann", "seen")]
    engine.acknowledge(["b1:high", "b2:high"], "eve")  # b1 already acked: skipped
    assert engine.needs_ack() == ["p1:high"]
    engine.acknowledge(ALL_VISIBLE, "eve")
    assert engine.needs_ack() == []
    assert [t.event for t in journal.transitions].count(Event.ACK) == 3


def test_all_visible_takes_only_the_areas_the_user_may_acknowledge(make_engine: Build) -> None:
    engine, _, resolver = make_engine(*DEFS, permissions=ROLES)
    activate_all(engine, resolver)
    acked = engine.acknowledge(ALL_VISIBLE, "ann")
    assert sorted(t.alarm for t in acked) == ["b1:high", "b2:high"]
    assert engine.needs_ack() == ["p1:high"]


@pytest.mark.parametrize(
    ("user", "call"),
    [
        ("bob", lambda e: e.acknowledge(["b1:high"], "bob")),
        ("ann", lambda e: e.acknowledge(["b1:high", "p1:high"], "ann")),
        ("ann", lambda e: e.shelve("p1:high", 60, "noisy", "ann")),
        ("ann", lambda e: e.remove_from_service("b1:high", "WO-1", "ann")),
        ("bob", lambda e: e.comment("b1:high", "bob", "hello")),
        ("bob", lambda e: e.unshelve("b1:high", "bob")),
    ],
)
def test_refusals_change_nothing_and_are_journaled(
    make_engine: Build, user: str, call: Any
) -> None:
    engine, journal, resolver = make_engine(*DEFS, permissions=ROLES)
    activate_all(engine, resolver)
    before = engine.snapshot()
    mark = len(journal.transitions)
    with pytest.raises(PermissionDenied) as info:
        call(engine)
    assert info.value.user == user
    assert engine.snapshot() == before
    refusals = journal.transitions[mark:]
    assert refusals and all(t.event is Event.REFUSED and t.user == user for t in refusals)
    assert all(t.from_state is t.to_state for t in refusals)
    assert all("refused" in t.comment for t in refusals)


def test_shelve_expires_automatically(make_engine: Build, clock: FakeClock) -> None:
    engine, _journal, resolver = make_engine(*DEFS)
    activate_all(engine, resolver)
    clock.at(10)
    [shelved] = engine.shelve("b1:high", 300, "sensor being replaced", "ann")
    assert shelved.after is not None and shelved.after.shelved_until_ns == T0 + 310 * S
    assert shelved.comment == "sensor being replaced"
    assert engine.tick(T0 + 309 * S) == []
    [expired] = engine.tick(T0 + 311 * S)
    assert (expired.event, expired.to_state, expired.ts_ns) == (
        Event.SHELVE_EXPIRED,
        AlarmState.UNACK,
        T0 + 310 * S,
    )


@pytest.mark.parametrize(
    ("duration", "reason"), [(0, "x"), (-5, "x"), (25 * 3600, "x"), (60, "  ")]
)
def test_shelve_needs_a_reason_and_a_bounded_duration(
    make_engine: Build, duration: float, reason: str
) -> None:
    engine, journal, _ = make_engine(*DEFS)
    with pytest.raises(ValueError, match="shelv"):
        engine.shelve("b1:high", duration, reason, "ann")
    assert journal.transitions == []


def test_out_of_service_needs_a_reference_and_hides_activations(make_engine: Build) -> None:
    engine, _journal, resolver = make_engine(*DEFS)
    with pytest.raises(ValueError, match="reference"):
        engine.remove_from_service("b1:high", " ", "eve")
    [removed] = engine.remove_from_service("b1:high", "PTW-42", "eve")
    assert removed.after is not None and removed.after.oos_reference == "PTW-42"
    activate_all(engine, resolver)
    assert "b1:high" not in engine.needs_ack()
    [back] = engine.return_to_service("b1:high", "eve", "work done")
    assert back.to_state is AlarmState.UNACK and back.comment == "work done"


def test_comments_and_unknown_alarms(make_engine: Build) -> None:
    engine, _journal, _ = make_engine(*DEFS)
    [note] = engine.comment("b1:high", "ann", "checked locally, reading plausible")
    assert (note.event, note.user) == (Event.COMMENT, "ann")
    with pytest.raises(ValueError):
        engine.comment("b1:high", "ann", "")
    with pytest.raises(UnknownAlarm):
        engine.acknowledge(["nope"], "ann")


def test_alarm_list_queries(make_engine: Build) -> None:
    engine, _, resolver = make_engine(*DEFS)
    activate_all(engine, resolver)
    engine.shelve("p1:high", 60, "noisy", "eve")
    assert [r.name for r in engine.alarms()] == ["b1:high", "b2:high", "p1:high"]
    assert [r.name for r in engine.alarms([AlarmState.SHELVED])] == ["p1:high"]
    assert engine.is_shelved("p1:high")
    assert engine.definition("b1:high").area == "boiler"
