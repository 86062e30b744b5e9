"""Safe writes: permission, type and engineering-range checks, device online, audit around I/O.

Order (RELIABILITY.md rule 6): every check happens before device I/O; a refusal writes one
``write`` row with outcome ``REFUSED``. An accepted write first appends a ``write`` row with
outcome ``PENDING`` (old -> new value, reason), then calls the driver, then appends a
``write_result`` row (``CONFIRMED``/``UNCONFIRMED``/``FAILED``) whose ``ref_seq`` names the
pending row. A process killed in between leaves the ``PENDING`` row, which
:func:`close_interrupted_writes` completes as ``UNCONFIRMED`` at the
next start: never a missing row. Drivers are not imported: any callable taking a request with
``tag``/``value``/``user``/``reason`` and returning a result with ``outcome``/``detail`` fits.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

from core.security.audit import AuditError, AuditTrail
from core.security.authorization import Authorizer
from core.security.events import AuditAction, AuditEvent, AuditRecord, Outcome, format_value
from core.security.roles import Permission
from core.security.secrets import REDACTOR
from core.tags import TagInfo

log = logging.getLogger(__name__)

Value = float | int | bool
DRIVER_OUTCOMES = {"confirmed": Outcome.CONFIRMED, "unconfirmed": Outcome.UNCONFIRMED}


class WriteRequestLike(Protocol):
    """What a write asks for (``drivers.base.WriteRequest`` fits)."""

    @property
    def tag(self) -> str: ...
    @property
    def value(self) -> Value: ...
    @property
    def user(self) -> str: ...
    @property
    def reason(self) -> str: ...


class WriteResultLike(Protocol):
    """What the driver answered (``drivers.base.WriteResult`` fits: ``outcome.value`` is text)."""

    @property
    def outcome(self) -> Any: ...
    @property
    def detail(self) -> str: ...


R = TypeVar("R", bound=WriteRequestLike)


@dataclass(frozen=True, slots=True)
class SafeWriteResult:
    """The outcome of :meth:`SafeWriter.write` and the audit row that recorded it."""

    outcome: Outcome
    detail: str
    audit_seq: int
    read_back: Value | None = None

    @property
    def refused(self) -> bool:
        """True when the write never reached the device."""
        return self.outcome is Outcome.REFUSED


class SafeWriter(Generic[R]):
    """Wraps a driver write function with the checks and the audit trail."""

    def __init__(
        self,
        write: Callable[[R], WriteResultLike],
        authorizer: Authorizer,
        audit: AuditTrail,
        *,
        tag_info: Callable[[str], TagInfo | None],
        area_of: Callable[[TagInfo], str],
        is_online: Callable[[str], bool],
        current_value: Callable[[str], Value | None] | None = None,
    ) -> None:
        self._write = write
        self._authorizer = authorizer
        self._audit = audit
        self._tag_info = tag_info
        self._area_of = area_of
        self._is_online = is_online
        self._current_value = current_value

    def write(self, request: R, *, station: str = "") -> SafeWriteResult:
        """Check, audit, send and audit the outcome. Raises AuditError if nothing can be recorded."""
        user = self._authorizer.user(request.user)
        role = user.role_text if user is not None else ""
        old = self._current_value(request.tag) if self._current_value else None
        event = AuditEvent(
            AuditAction.WRITE,
            request.user,
            station,
            target=request.tag,
            old_value=format_value(old),
            new_value=format_value(request.value),
            reason=request.reason,
            role=role,
        )
        problem = self._refusal(request)
        if problem:
            row = self._audit.append(_with(event, outcome=Outcome.REFUSED, detail=problem))
            log.warning("write to %s by %s refused: %s", request.tag, request.user, problem)
            return SafeWriteResult(Outcome.REFUSED, problem, row.seq)
        pending = self._audit.append(_with(event, outcome=Outcome.PENDING))
        return self._send(request, event, pending)

    def _refusal(self, request: R) -> str:
        """Why the write may not go out ("" when it may)."""
        tag = self._tag_info(request.tag)
        if tag is None:
            return "unknown tag"
        if not tag.writable:
            return "tag is not writable"
        area = self._area_of(tag)
        if not self._authorizer.allowed(request.user, Permission.WRITE_SETPOINT, area):
            return f"permission refused: write_setpoint in area {area!r}"
        problem = _value_problem(tag, request.value)
        if problem:
            return problem
        if not self._is_online(tag.device):
            return f"device {tag.device!r} is offline"
        return ""

    def _send(self, request: R, event: AuditEvent, pending: AuditRecord) -> SafeWriteResult:
        read_back: Value | None = None
        try:
            result = self._write(request)
            outcome = DRIVER_OUTCOMES.get(str(getattr(result.outcome, "value", "")), Outcome.FAILED)
            detail, read_back = result.detail, getattr(result, "read_back", None)
            if read_back is not None:
                detail = f"{detail}; read back {format_value(read_back)}".lstrip("; ")
        except Exception as exc:
            outcome, detail = (
                Outcome.FAILED,
                f"{type(exc).__name__}: {REDACTOR.redact(str(exc))}"[:300],
            )
            log.warning("write to %s failed: %s", request.tag, detail)
        done = _with(
            event,
            action=AuditAction.WRITE_RESULT,
            outcome=outcome,
            detail=detail,
            ref_seq=pending.seq,
        )
        try:
            row = self._audit.append(done)
        except AuditError:
            log.exception(
                "write %d sent; its outcome could not be audited (closed at restart)", pending.seq
            )
            return SafeWriteResult(outcome, detail, pending.seq, read_back)
        return SafeWriteResult(outcome, detail, row.seq, read_back)


def close_interrupted_writes(audit: AuditTrail, station: str = "") -> list[AuditRecord]:
    """Complete every unresolved ``PENDING`` write with an ``UNCONFIRMED`` row (at start-up).

    The process stopped between sending and learning the outcome: the value may or may not
    have reached the device, so it must be read back, never re-sent.
    """
    events = [
        AuditEvent(
            action=AuditAction.WRITE_RESULT,
            username=p.username,
            role=p.role,
            station=station or p.station,
            target=p.target,
            old_value=p.old_value,
            new_value=p.new_value,
            reason=p.reason,
            outcome=Outcome.UNCONFIRMED,
            detail="interrupted before its outcome was known (process stopped)",
            ref_seq=p.seq,
        )
        for p in audit.unresolved_pending()
    ]
    return audit.append_many(events)


def _with(event: AuditEvent, **changes: Any) -> AuditEvent:
    return replace(event, **changes)


def _value_problem(tag: TagInfo, value: Value) -> str:
    if isinstance(value, bool):
        return "" if tag.data_type == "bool" else f"a {tag.data_type} tag needs a number"
    if tag.data_type == "bool":
        return "a bool tag needs true or false"
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "the value must be a finite number"
    if tag.data_type == "int" and not float(value).is_integer():
        return "an int tag needs a whole number"
    if tag.eng_min is not None and value < tag.eng_min:
        return f"{value!r} is below the engineering range [{tag.eng_min:g}, {_fmt(tag.eng_max)}]"
    if tag.eng_max is not None and value > tag.eng_max:
        return f"{value!r} is above the engineering range [{_fmt(tag.eng_min)}, {tag.eng_max:g}]"
    return ""


def _fmt(limit: float | None) -> str:
    return "-" if limit is None else f"{limit:g}"
