"""Who may do what to which alarms: the permission-check interface of the alarm engine.

The security package supplies users and roles; until then :class:`AllowAll` (single-user
stations, tests) and :class:`RoleTable` (a fixed user -> roles -> actions/areas table) do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Protocol


class Action(StrEnum):
    """Operator actions on alarms, as passed to :meth:`PermissionChecker.allowed`."""

    ACKNOWLEDGE = "acknowledge"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"
    COMMENT = "comment"
    REMOVE_FROM_SERVICE = "remove_from_service"
    RETURN_TO_SERVICE = "return_to_service"


class PermissionDenied(Exception):
    """An operator action refused for lack of permission (the refusal is journaled)."""

    def __init__(self, user: str, action: str, alarms: Iterable[str]) -> None:
        self.user = user
        self.action = action
        self.alarms = tuple(alarms)
        super().__init__(f"user {user!r} may not {action} {', '.join(self.alarms)}")


class PermissionChecker(Protocol):
    """Answers whether ``user`` may perform ``action`` on alarms of ``area``."""

    def allowed(self, user: str, action: str, area: str) -> bool:
        """True when allowed."""
        ...


class AllowAll:
    """Every user may do everything (a single-user station, or tests)."""

    def allowed(self, user: str, action: str, area: str) -> bool:
        """Always True."""
        return True


class RoleTable:
    """A fixed table: users have roles; a role grants actions (``*`` = all) in areas (all if none).

    >>> table = RoleTable({"ann": ["operator"]}, {"operator": ["acknowledge"]}, {"operator": ["boiler"]})
    >>> table.allowed("ann", "acknowledge", "boiler"), table.allowed("ann", "shelve", "boiler")
    (True, False)
    """

    def __init__(
        self,
        user_roles: Mapping[str, Iterable[str]],
        role_actions: Mapping[str, Iterable[str]],
        role_areas: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        self._user_roles = {user: frozenset(roles) for user, roles in user_roles.items()}
        self._role_actions = {role: frozenset(acts) for role, acts in role_actions.items()}
        self._role_areas = {role: frozenset(areas) for role, areas in (role_areas or {}).items()}

    def allowed(self, user: str, action: str, area: str) -> bool:
        """True when one of the user's roles grants the action in that area."""
        for role in self._user_roles.get(user, ()):
            actions = self._role_actions.get(role, frozenset())
            if action not in actions and "*" not in actions:
                continue
            areas = self._role_areas.get(role)
            if not areas or area in areas or "*" in areas:
                return True
        return False
