"""Operator actions on alarms: acknowledge, shelve, unshelve, comment, out of service.

Each action names a user; without the permission it is refused: the refusal is journaled
(event ``refused``) and :class:`~core.alarms.permissions.PermissionDenied` raised, and nothing
changes. An action that does not apply to the alarm's state raises
:class:`~core.alarms.states.InvalidTransition`, also before anything changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from enum import Enum

from core.alarms.permissions import Action, PermissionChecker, PermissionDenied
from core.alarms.recorder import TransitionRecorder
from core.alarms.runtime import AlarmRuntime
from core.alarms.states import NEEDS_ACK, AlarmState, Event, Transition, next_state
from core.model import NS_PER_S


class AllVisible(Enum):
    """Marker for "every alarm the operator sees that waits for acknowledgement"."""

    ALL_VISIBLE = "all_visible"


ALL_VISIBLE = AllVisible.ALL_VISIBLE


class UnknownAlarm(KeyError):
    """No alarm of that name is defined."""


class OperatorActions:
    """The operator actions of :class:`~core.alarms.engine.AlarmEngine` (mixin)."""

    _lock: threading.RLock
    _runtimes: dict[str, AlarmRuntime]
    _by_index: list[AlarmRuntime]
    _permissions: PermissionChecker
    _clock: Callable[[], int]
    _max_shelve_ns: int
    _recorder: TransitionRecorder

    def acknowledge(
        self, names: Iterable[str] | AllVisible, user: str, comment: str = ""
    ) -> list[Transition]:
        """Acknowledge (or reset, for latched alarms) one, selected or all visible alarms.

        Named alarms that wait for nothing are skipped; :data:`ALL_VISIBLE` takes every alarm
        waiting for acknowledgement in the areas the user may acknowledge.
        """
        with self._lock:
            if isinstance(names, AllVisible):
                targets = [
                    rt
                    for rt in self._by_index
                    if rt.state in NEEDS_ACK
                    and self._permissions.allowed(user, Action.ACKNOWLEDGE, rt.definition.area)
                ]
            else:
                targets = [rt for rt in self._lookup(names) if rt.state in NEEDS_ACK]
            return self._act(Action.ACKNOWLEDGE, Event.ACK, targets, user, comment)

    def shelve(self, name: str, duration_s: float, reason: str, user: str) -> list[Transition]:
        """Shelve an alarm for ``duration_s`` (at most the engine's limit), with a reason."""
        if not reason.strip():
            raise ValueError("shelving needs a reason")
        duration_ns = int(duration_s * NS_PER_S)
        if not 0 < duration_ns <= self._max_shelve_ns:
            limit = self._max_shelve_ns / NS_PER_S
            raise ValueError(f"shelve duration must be in (0, {limit:g}] seconds")
        with self._lock:
            now = self._clock()
            return self._act(
                Action.SHELVE,
                Event.SHELVE,
                self._lookup([name]),
                user,
                reason,
                detail=reason,
                until_ns=now + duration_ns,
                now=now,
            )

    def unshelve(self, name: str, user: str, comment: str = "") -> list[Transition]:
        """End the shelving of an alarm before its time."""
        with self._lock:
            return self._act(Action.UNSHELVE, Event.UNSHELVE, self._lookup([name]), user, comment)

    def comment(self, name: str, user: str, text: str) -> list[Transition]:
        """Add an operator comment to the journal of an alarm."""
        if not text.strip():
            raise ValueError("empty comment")
        with self._lock:
            return self._act(Action.COMMENT, Event.COMMENT, self._lookup([name]), user, text)

    def remove_from_service(self, name: str, reference: str, user: str) -> list[Transition]:
        """Take an alarm out of service, with a reference (work order, permit...)."""
        if not reference.strip():
            raise ValueError("out of service needs a reference")
        with self._lock:
            return self._act(
                Action.REMOVE_FROM_SERVICE,
                Event.REMOVE_FROM_SERVICE,
                self._lookup([name]),
                user,
                reference,
                detail=reference,
            )

    def return_to_service(self, name: str, user: str, comment: str = "") -> list[Transition]:
        """Put an out-of-service alarm back in service."""
        with self._lock:
            targets = self._lookup([name])
            return self._act(
                Action.RETURN_TO_SERVICE, Event.RETURN_TO_SERVICE, targets, user, comment
            )

    def _lookup(self, names: Iterable[str]) -> list[AlarmRuntime]:
        found = []
        for name in names:
            rt = self._runtimes.get(name)
            if rt is None:
                raise UnknownAlarm(name)
            found.append(rt)
        return found

    def _act(
        self,
        action: Action,
        event: Event,
        targets: Sequence[AlarmRuntime],
        user: str,
        comment: str,
        *,
        detail: str = "",
        until_ns: int = 0,
        now: int | None = None,
    ) -> list[Transition]:
        ts = self._clock() if now is None else now
        refused = [
            rt for rt in targets if not self._permissions.allowed(user, action, rt.definition.area)
        ]
        if refused:
            for rt in refused:
                note = f"{action.value} refused" + (f": {comment}" if comment else "")
                self._recorder.apply(rt, Event.REFUSED, ts, user=user, comment=note)
            self._recorder.flush()
            raise PermissionDenied(user, action.value, [rt.name for rt in refused])
        for rt in targets:
            next_state(rt.state, event, rt.context())
        for rt in targets:
            self._recorder.apply(
                rt, event, ts, user=user, comment=comment, detail=detail, until_ns=until_ns
            )
        return self._recorder.flush()

    def needs_ack(self) -> list[str]:
        """Names of the alarms waiting for acknowledgement (or reset)."""
        with self._lock:
            return [rt.name for rt in self._by_index if rt.state in NEEDS_ACK]

    def is_shelved(self, name: str) -> bool:
        """True while the alarm is shelved."""
        with self._lock:
            return self._lookup([name])[0].state is AlarmState.SHELVED
