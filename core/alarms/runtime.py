"""The mutable per-alarm record the engine keeps, and how an event changes its flags."""

from __future__ import annotations

from dataclasses import dataclass

from core.alarms.config import AlarmDefinition
from core.alarms.states import AlarmState, AlarmStateRow, Event, TransitionContext


@dataclass(slots=True)
class AlarmRuntime:
    """One alarm at run time: its definition, ISA-18.2 state and the flags behind it."""

    definition: AlarmDefinition
    index: int
    state: AlarmState = AlarmState.NORMAL
    condition: bool = False
    updated_ns: int = 0
    activated_ns: int | None = None
    acked_ns: int | None = None
    shelved_until_ns: int | None = None
    shelve_reason: str = ""
    shelved_by: str = ""
    suppressed: bool = False
    oos_reference: str = ""
    oos_by: str = ""
    last_value: float | None = None

    @property
    def name(self) -> str:
        """The alarm name."""
        return self.definition.alarm_name

    @property
    def out_of_service(self) -> bool:
        """True while removed from service."""
        return self.state is AlarmState.OUT_OF_SERVICE or bool(self.oos_reference)

    def context(self) -> TransitionContext:
        """The flags :func:`~core.alarms.states.next_state` needs."""
        return TransitionContext(
            latched=self.definition.latched,
            condition_active=self.condition,
            shelved=self.shelved_until_ns is not None,
            suppressed=self.suppressed,
            out_of_service=bool(self.oos_reference),
        )

    def row(self) -> AlarmStateRow:
        """The persistent state."""
        return AlarmStateRow(
            name=self.name,
            state=self.state,
            condition_active=self.condition,
            updated_ns=self.updated_ns,
            activated_ns=self.activated_ns,
            acked_ns=self.acked_ns,
            shelved_until_ns=self.shelved_until_ns,
            shelve_reason=self.shelve_reason,
            shelved_by=self.shelved_by,
            suppressed=self.suppressed,
            oos_reference=self.oos_reference,
            oos_by=self.oos_by,
            last_value=self.last_value,
        )

    def load(self, row: AlarmStateRow) -> None:
        """Take over a stored state (restart)."""
        self.state = row.state
        self.condition = row.condition_active
        self.updated_ns = row.updated_ns
        self.activated_ns = row.activated_ns
        self.acked_ns = row.acked_ns
        self.shelved_until_ns = row.shelved_until_ns
        self.shelve_reason = row.shelve_reason
        self.shelved_by = row.shelved_by
        self.suppressed = row.suppressed
        self.oos_reference = row.oos_reference
        self.oos_by = row.oos_by
        self.last_value = row.last_value

    def take_effects(self, event: Event, ts_ns: int, user: str, detail: str, until_ns: int) -> None:
        """Change the flags an event sets (before the new state is resolved from them).

        ``detail`` is the shelve reason or the out-of-service reference; ``until_ns`` the
        shelve expiry.
        """
        if event is Event.ACTIVATE:
            self.condition = True
        elif event is Event.CLEAR:
            self.condition = False
        elif event is Event.ACK:
            self.acked_ns = ts_ns
        elif event is Event.SHELVE:
            self.shelved_until_ns, self.shelve_reason, self.shelved_by = until_ns, detail, user
        elif event in (Event.UNSHELVE, Event.SHELVE_EXPIRED, Event.REMOVE_FROM_SERVICE):
            self.shelved_until_ns, self.shelve_reason, self.shelved_by = None, "", ""
        elif event in (Event.SUPPRESS, Event.UNSUPPRESS):
            self.suppressed = event is Event.SUPPRESS
        if event is Event.REMOVE_FROM_SERVICE:
            self.oos_reference, self.oos_by = detail, user
        elif event is Event.RETURN_TO_SERVICE:
            self.oos_reference, self.oos_by = "", ""
