"""Roles, permissions and their scope to sites and areas.

Everyone may *view* every area (an operator of area A watches area B too); every other
permission acts only inside the user's scope. A user's scope is the union of the areas listed
and of every area of the sites listed; a user with neither listed acts plant-wide.

The administrator manages users and the configuration but does not operate the process
(separation of duties, IEC 62443-3-3 SR 2.1): no acknowledge, shelve or write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a user is for."""

    OPERATOR = "operator"
    MAINTENANCE = "maintenance"
    SUPERVISOR = "supervisor"
    ENGINEER = "engineer"
    ADMINISTRATOR = "administrator"


class Permission(StrEnum):
    """What a user may do."""

    VIEW = "view"
    ACKNOWLEDGE = "acknowledge"
    SHELVE = "shelve"
    WRITE_SETPOINT = "write_setpoint"
    MANAGE_TICKETS = "manage_tickets"
    SIGN_REPORTS = "sign_reports"
    CONFIGURE_PLANT = "configure_plant"
    MANAGE_USERS = "manage_users"
    EXPORT = "export"


P = Permission
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({P.VIEW, P.ACKNOWLEDGE, P.SHELVE, P.WRITE_SETPOINT}),
    Role.MAINTENANCE: frozenset({P.VIEW, P.ACKNOWLEDGE, P.MANAGE_TICKETS}),
    Role.SUPERVISOR: frozenset(
        {P.VIEW, P.ACKNOWLEDGE, P.SHELVE, P.MANAGE_TICKETS, P.SIGN_REPORTS, P.EXPORT}
    ),
    Role.ENGINEER: frozenset(
        {
            P.VIEW,
            P.ACKNOWLEDGE,
            P.SHELVE,
            P.WRITE_SETPOINT,
            P.MANAGE_TICKETS,
            P.CONFIGURE_PLANT,
            P.EXPORT,
        }
    ),
    Role.ADMINISTRATOR: frozenset({P.VIEW, P.CONFIGURE_PLANT, P.MANAGE_USERS, P.EXPORT}),
}
"""The permission matrix (``controldeck users roles`` prints it)."""

PLANT_WIDE = frozenset({P.MANAGE_USERS})
"""Permissions with no area, granted by the role alone. The others, checked with ``area=""``
(a plant-level object), need a plant-wide scope: a scoped user acts only inside the scope."""

ALARM_ACTIONS: Mapping[str, Permission] = {
    "acknowledge": P.ACKNOWLEDGE,
    "comment": P.ACKNOWLEDGE,
    "shelve": P.SHELVE,
    "unshelve": P.SHELVE,
    "remove_from_service": P.CONFIGURE_PLANT,
    "return_to_service": P.CONFIGURE_PLANT,
}
"""The alarm engine's action names (``core.alarms.permissions.Action``) -> permission."""


def parse_roles(names: Iterable[str]) -> frozenset[Role]:
    """Role names -> roles; raises ValueError naming an unknown one."""
    roles = set()
    for name in names:
        try:
            roles.add(Role(name.strip().lower()))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"unknown role {name!r} (known: {known})") from None
    return frozenset(roles)


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a user may act: areas and sites (both empty = the whole plant)."""

    sites: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()

    @property
    def plant_wide(self) -> bool:
        """True when nothing restricts the scope."""
        return not self.sites and not self.areas


class AccessPolicy:
    """Decides ``role set x permission x area`` with the plant's area -> site map."""

    def __init__(self, area_sites: Mapping[str, str] | None = None) -> None:
        self._area_sites = dict(area_sites or {})

    def permissions(self, roles: Iterable[Role]) -> frozenset[Permission]:
        """Every permission the roles grant together."""
        granted: set[Permission] = set()
        for role in roles:
            granted |= ROLE_PERMISSIONS[role]
        return frozenset(granted)

    def in_scope(self, scope: Scope, area: str) -> bool:
        """True when ``area`` lies inside the scope."""
        if scope.plant_wide or area in scope.areas:
            return True
        site = self._area_sites.get(area, "")
        return bool(site) and site in scope.sites

    def may(self, roles: Iterable[Role], scope: Scope, permission: Permission, area: str) -> bool:
        """True when the roles grant ``permission`` and ``area`` is in scope (view: anywhere)."""
        if permission not in self.permissions(roles):
            return False
        if permission is P.VIEW or permission in PLANT_WIDE:
            return True
        return self.in_scope(scope, area)
