"""ISA-18.2 alarm states, the events that move an alarm between them, and the transition table.

The table is the single source of truth: :func:`next_state` looks an (state, event) pair up and
either returns the new state or raises :class:`InvalidTransition`. A few targets depend on the
alarm's context (latched or not; whether the process condition is still active when it leaves
shelving, suppression or out-of-service); they are symbolic :class:`Rule` values resolved by
:func:`next_state` from a :class:`TransitionContext`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


class AlarmState(StrEnum):
    """The states of ISA-18.2 (figure 5), as stored in the journal and the state table."""

    NORMAL = "normal"
    UNACK = "unack"
    """Active, unacknowledged."""
    ACKED = "acked"
    """Active, acknowledged."""
    RTN_UNACK = "rtn_unack"
    """Returned to normal, unacknowledged."""
    LATCHED = "latched"
    """Latched alarm: returned to normal, waiting for the operator's reset (acknowledge)."""
    SHELVED = "shelved"
    SUPPRESSED = "suppressed"
    """Suppressed by design (a condition over other tags)."""
    OUT_OF_SERVICE = "out_of_service"


class Event(StrEnum):
    """What happened to an alarm; every journal row names one."""

    ACTIVATE = "activate"
    CLEAR = "clear"
    ACK = "ack"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    SHELVE_EXPIRED = "shelve_expired"
    SUPPRESS = "suppress"
    UNSUPPRESS = "unsuppress"
    REMOVE_FROM_SERVICE = "remove_from_service"
    RETURN_TO_SERVICE = "return_to_service"
    COMMENT = "comment"
    REFUSED = "refused"
    """An operator action refused for lack of permission (journal only, no state change)."""
    FLOOD_START = "flood_start"
    FLOOD_END = "flood_end"


class Rule(Enum):
    """Context-dependent transition targets."""

    STAY = "stay"
    CLEARED_UNACKED = "cleared_unacked"
    """Latched alarms go to LATCHED, others to RTN_UNACK."""
    CLEARED_ACKED = "cleared_acked"
    """Latched alarms go to LATCHED, others to NORMAL."""
    RESOLVE = "resolve"
    """Leaving an overlay state: out of service > suppressed > shelved > active > normal."""


Target = AlarmState | Rule

S = AlarmState
E = Event

_ANNUNCIATED_EXITS: dict[Event, Target] = {
    E.SHELVE: S.SHELVED,
    E.SUPPRESS: S.SUPPRESSED,
    E.REMOVE_FROM_SERVICE: S.OUT_OF_SERVICE,
    E.COMMENT: Rule.STAY,
}

TRANSITIONS: dict[tuple[AlarmState, Event], Target] = {
    **{(S.NORMAL, e): t for e, t in _ANNUNCIATED_EXITS.items()},
    (S.NORMAL, E.ACTIVATE): S.UNACK,
    **{(S.UNACK, e): t for e, t in _ANNUNCIATED_EXITS.items()},
    (S.UNACK, E.ACK): S.ACKED,
    (S.UNACK, E.CLEAR): Rule.CLEARED_UNACKED,
    **{(S.ACKED, e): t for e, t in _ANNUNCIATED_EXITS.items()},
    (S.ACKED, E.CLEAR): Rule.CLEARED_ACKED,
    **{(S.RTN_UNACK, e): t for e, t in _ANNUNCIATED_EXITS.items()},
    (S.RTN_UNACK, E.ACK): S.NORMAL,
    (S.RTN_UNACK, E.ACTIVATE): S.UNACK,
    **{(S.LATCHED, e): t for e, t in _ANNUNCIATED_EXITS.items()},
    (S.LATCHED, E.ACK): S.NORMAL,
    (S.LATCHED, E.ACTIVATE): S.UNACK,
    (S.SHELVED, E.ACTIVATE): Rule.STAY,
    (S.SHELVED, E.CLEAR): Rule.STAY,
    (S.SHELVED, E.SUPPRESS): Rule.STAY,
    (S.SHELVED, E.UNSUPPRESS): Rule.STAY,
    (S.SHELVED, E.UNSHELVE): Rule.RESOLVE,
    (S.SHELVED, E.SHELVE_EXPIRED): Rule.RESOLVE,
    (S.SHELVED, E.REMOVE_FROM_SERVICE): S.OUT_OF_SERVICE,
    (S.SHELVED, E.COMMENT): Rule.STAY,
    (S.SUPPRESSED, E.ACTIVATE): Rule.STAY,
    (S.SUPPRESSED, E.CLEAR): Rule.STAY,
    (S.SUPPRESSED, E.UNSUPPRESS): Rule.RESOLVE,
    (S.SUPPRESSED, E.REMOVE_FROM_SERVICE): S.OUT_OF_SERVICE,
    (S.SUPPRESSED, E.COMMENT): Rule.STAY,
    (S.OUT_OF_SERVICE, E.ACTIVATE): Rule.STAY,
    (S.OUT_OF_SERVICE, E.CLEAR): Rule.STAY,
    (S.OUT_OF_SERVICE, E.SUPPRESS): Rule.STAY,
    (S.OUT_OF_SERVICE, E.UNSUPPRESS): Rule.STAY,
    (S.OUT_OF_SERVICE, E.RETURN_TO_SERVICE): Rule.RESOLVE,
    (S.OUT_OF_SERVICE, E.COMMENT): Rule.STAY,
    **{(state, E.REFUSED): Rule.STAY for state in AlarmState},
}
"""Every defined (state, event) pair; anything else is an invalid transition."""

NEEDS_ACK = frozenset({S.UNACK, S.RTN_UNACK, S.LATCHED})
"""States an operator sees as waiting for acknowledgement (or reset, for latched alarms)."""

CONDITION_ACTIVE_STATES = frozenset({S.UNACK, S.ACKED})
CONDITION_CLEAR_STATES = frozenset({S.NORMAL, S.RTN_UNACK, S.LATCHED})
OVERLAY_STATES = frozenset({S.SHELVED, S.SUPPRESSED, S.OUT_OF_SERVICE})


class InvalidTransition(ValueError):
    """An event that is not defined for the alarm's current state."""

    def __init__(self, state: AlarmState, event: Event) -> None:
        super().__init__(f"event {event.value!r} is not valid in state {state.value!r}")
        self.state = state
        self.event = event


@dataclass(frozen=True, slots=True)
class TransitionContext:
    """What a context-dependent target needs to know, *after* the event's own effect."""

    latched: bool = False
    condition_active: bool = False
    shelved: bool = False
    suppressed: bool = False
    out_of_service: bool = False


def resolve_overlay(ctx: TransitionContext) -> AlarmState:
    """The state of an alarm given its flags: out of service > suppressed > shelved > process."""
    if ctx.out_of_service:
        return S.OUT_OF_SERVICE
    if ctx.suppressed:
        return S.SUPPRESSED
    if ctx.shelved:
        return S.SHELVED
    return S.UNACK if ctx.condition_active else S.NORMAL


def next_state(state: AlarmState, event: Event, ctx: TransitionContext) -> AlarmState:
    """The state after ``event``; raises :class:`InvalidTransition` if the pair is undefined."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidTransition(state, event)
    if isinstance(target, AlarmState):
        return target
    if target is Rule.STAY:
        return state
    if target is Rule.CLEARED_UNACKED:
        return S.LATCHED if ctx.latched else S.RTN_UNACK
    if target is Rule.CLEARED_ACKED:
        return S.LATCHED if ctx.latched else S.NORMAL
    return resolve_overlay(ctx)


@dataclass(frozen=True, slots=True)
class AlarmStateRow:
    """The persistent state of one alarm (one row of ``alarm_state``)."""

    name: str
    state: AlarmState
    condition_active: bool
    updated_ns: int
    activated_ns: int | None = None
    acked_ns: int | None = None
    shelved_until_ns: int | None = None
    shelve_reason: str = ""
    shelved_by: str = ""
    suppressed: bool = False
    oos_reference: str = ""
    oos_by: str = ""
    last_value: float | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """One journal entry: an alarm moved (or an event was recorded) at ``ts_ns``."""

    ts_ns: int
    alarm: str
    tag: str
    event: Event
    from_state: AlarmState
    to_state: AlarmState
    value: float | None
    priority: str
    area: str
    position: str
    user: str = ""
    comment: str = ""
    flood: bool = False
    after: AlarmStateRow | None = None
    """The alarm's state after this entry (None for flood markers), for the state table."""

    @property
    def is_annunciation(self) -> bool:
        """True for an activation the operator sees (the alarm counts in the KPIs)."""
        return self.event is Event.ACTIVATE and self.to_state is AlarmState.UNACK
