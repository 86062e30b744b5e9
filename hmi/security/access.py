"""What the security dialogs and views need of a running console, in one small object.

:class:`AccessContext` is built from the :class:`~hmi.context.HmiContext` of a running plant
(:meth:`AccessContext.of`) or directly from a :class:`~core.security.service.SecurityServices`
on any store (first run, tests with an injected clock): the dialogs never need the collector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.security.roles import Permission, Role, Scope
from hmi.formatting import PlantClock
from hmi.operator import OperatorSession
from hmi.workers import WorkerPool

if TYPE_CHECKING:
    from hmi.context import HmiContext

ROLE_TEXT: dict[Role, str] = {
    Role.OPERATOR: "Operator: acknowledge, shelve, write setpoints",
    Role.MAINTENANCE: "Maintenance: acknowledge, tickets",
    Role.SUPERVISOR: "Supervisor: acknowledge, shelve, tickets, sign reports, export",
    Role.ENGINEER: "Engineer: operate, tickets, configure the plant, export",
    Role.ADMINISTRATOR: "Administrator: users and configuration (does not operate)",
}
"""Role choices as offered in the dialogs (what each role may do, in a few words)."""


def _never() -> bool:
    return False


@dataclass(frozen=True, slots=True)
class AccessContext:
    """The security core, the workers, the logged-on user and the plant's areas."""

    security: Any
    """:class:`core.security.service.SecurityServices`."""
    workers: WorkerPool
    operator: OperatorSession
    clock: PlantClock
    areas: tuple[tuple[str, str], ...] = ()
    """(area, site) of every configured area."""
    touch: Callable[[], bool] = field(default=_never)
    """True while the console runs in touch-panel mode (asked when a dialog opens)."""

    @classmethod
    def of(cls, ctx: HmiContext) -> AccessContext:
        """The access context of a running console."""
        return cls(
            security=ctx.security,
            workers=ctx.workers,
            operator=ctx.operator,
            clock=ctx.clock,
            areas=tuple((a.name, a.site) for a in ctx.config.areas),
            touch=lambda: ctx.touch,
        )

    @property
    def station(self) -> str:
        """This workstation's name (in sessions and audit rows)."""
        return str(self.security.station)

    @property
    def sites(self) -> tuple[str, ...]:
        """The sites the areas belong to, sorted."""
        return tuple(sorted({site for _area, site in self.areas if site}))

    def now(self) -> int:
        """The security core's clock (UTC ns; injected in tests)."""
        return int(self.security.clock())

    def may(self, permission: Permission) -> bool:
        """True when the logged-on user's roles grant ``permission`` (the core checks again)."""
        return self.operator.may(permission)

    def submit(
        self,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        *,
        context: Any,
        name: str,
    ) -> None:
        """Run ``work`` in a worker; ``done`` or ``failed`` on the GUI thread."""
        self.workers.submit(work, done, failed, context=context, name=name)


def access_of(source: HmiContext | AccessContext) -> AccessContext:
    """An access context from either a console context or an access context."""
    return source if isinstance(source, AccessContext) else AccessContext.of(source)


def scope_text(scope: Scope) -> str:
    """``plant-wide`` or the sites and areas of a scope."""
    if scope.plant_wide:
        return "plant-wide"
    parts = [f"site {s}" for s in sorted(scope.sites)] + sorted(scope.areas)
    return ", ".join(parts)


def role_names(roles: Iterable[Role]) -> str:
    """Roles as ``engineer, operator``."""
    return ", ".join(sorted(r.value for r in roles))
