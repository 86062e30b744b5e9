"""Runs events through the transition table and turns them into journal entries.

Shared by the engine's evaluation and the operator actions: it applies an event's effects to
the alarm's flags, resolves the new state, stamps the flood flag, keeps the entries of the
current call in order and hands them to the journal sink in one batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from core.alarms.flood import FloodDetector
from core.alarms.journal import JournalSink
from core.alarms.runtime import AlarmRuntime
from core.alarms.states import AlarmState, Event, InvalidTransition, Transition, next_state

log = logging.getLogger(__name__)

JOURNAL_ONLY = frozenset({Event.COMMENT, Event.REFUSED})
"""Events that are recorded but change nothing in the alarm's state row."""


def entry(
    rt: AlarmRuntime,
    event: Event,
    ts: int,
    previous: AlarmState,
    value: float | None,
    flood: bool,
) -> Transition:
    """The journal entry of an alarm that just went from ``previous`` to its current state."""
    d = rt.definition
    return Transition(
        ts_ns=ts,
        alarm=rt.name,
        tag=d.tag,
        event=event,
        from_state=previous,
        to_state=rt.state,
        value=value if value is not None else rt.last_value,
        priority=d.priority.value,
        area=d.area,
        position=d.operator_position,
        flood=flood,
        after=rt.row(),
    )


class TransitionRecorder:
    """Applies events to alarms and collects the resulting transitions."""

    def __init__(
        self,
        journal: JournalSink,
        flood: FloodDetector,
        current_value: Callable[[int], float | None],
    ) -> None:
        self._journal = journal
        self.flood = flood
        self._current_value = current_value
        self._out: list[Transition] = []

    def apply(
        self,
        rt: AlarmRuntime,
        event: Event,
        ts: int,
        *,
        value: float | None = None,
        user: str = "",
        comment: str = "",
        detail: str = "",
        until_ns: int = 0,
    ) -> Transition:
        """Run one event through the table (raises InvalidTransition before any change)."""
        previous = rt.state
        next_state(previous, event, rt.context())
        rt.take_effects(event, ts, user, detail, until_ns)
        rt.state = next_state(previous, event, rt.context())
        value = value if value is not None else self._current_value(rt.index)
        if event not in JOURNAL_ONLY:
            rt.updated_ns = ts
            rt.last_value = value if value is not None else rt.last_value
        position = rt.definition.operator_position
        if rt.state is AlarmState.UNACK and previous is not AlarmState.UNACK:
            rt.activated_ns, rt.acked_ns = ts, None
            if event is Event.ACTIVATE:
                self._count_activation(position, ts)
        transition = entry(rt, event, ts, previous, value, self.flood.in_flood(position))
        transition = replace(transition, user=user, comment=comment or detail)
        self._out.append(transition)
        return transition

    def apply_internal(self, rt: AlarmRuntime, event: Event, ts: int, value: float | None) -> None:
        """Apply a process-driven event; an impossible one is logged, never raised into ingest."""
        try:
            self.apply(rt, event, ts, value=value)
        except InvalidTransition:
            log.exception("alarm %s: inconsistent state, event ignored", rt.name)

    def _count_activation(self, position: str, ts: int) -> None:
        change = self.flood.register(position, ts)
        if change is not None:
            self.flood_marker(position, Event.FLOOD_START if change else Event.FLOOD_END, ts)

    def flood_marker(self, position: str, event: Event, ts: int) -> None:
        """Journal the start or end of a flood period of an operator position."""
        count = self.flood.count(position)
        self._out.append(
            Transition(
                ts_ns=ts,
                alarm=f"flood:{position}",
                tag="",
                event=event,
                from_state=AlarmState.NORMAL,
                to_state=AlarmState.NORMAL,
                value=float(count),
                priority="",
                area="",
                position=position,
                comment=f"{count} alarms in the flood window",
                flood=event is Event.FLOOD_START,
            )
        )

    def flush(self) -> list[Transition]:
        """Hand the collected transitions to the journal sink; return them."""
        out, self._out = self._out, []
        if out:
            try:
                self._journal.record(out)
            except Exception:
                log.exception("alarm journal sink failed for %d transitions", len(out))
        return out
