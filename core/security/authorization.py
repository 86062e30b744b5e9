"""Permission checks for users by name, with every refusal audited.

:class:`Authorizer` answers ``may user do permission in area`` from the stored accounts (cached
for ``session_cache_s`` seconds of a monotonic clock) and the role matrix. :meth:`Authorizer.check`
and :meth:`Authorizer.require` write a ``permission_refused`` audit row when they say no.
:class:`AlarmPermissions` is the alarm engine's :class:`core.alarms.permissions.PermissionChecker`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from core.security.audit import AuditTrail
from core.security.events import AuditAction, AuditEvent, Outcome
from core.security.roles import ALARM_ACTIONS, AccessPolicy, Permission
from core.security.users import User, UserStore

log = logging.getLogger(__name__)


class PermissionRefused(PermissionError):
    """A user may not do this here (the refusal has been audited)."""

    def __init__(self, username: str, permission: str, area: str, target: str = "") -> None:
        self.username = username
        self.permission = permission
        self.area = area
        self.target = target
        where = f" in area {area!r}" if area else ""
        what = f" on {target}" if target else ""
        super().__init__(f"user {username!r} may not {permission}{what}{where}")


class Authorizer:
    """Role x permission x area decisions for user names, refusals audited."""

    def __init__(
        self,
        users: UserStore,
        policy: AccessPolicy,
        audit: AuditTrail,
        *,
        cache_s: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = users
        self.policy = policy
        self._audit = audit
        self._cache_s = cache_s
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, User | None]] = {}
        self._lock = threading.Lock()

    def user(self, username: str) -> User | None:
        """The account (cached briefly), None when unknown."""
        now = self._monotonic()
        with self._lock:
            hit = self._cache.get(username)
        if hit is not None and now - hit[0] < self._cache_s:
            return hit[1]
        user = self._users.get(username)
        with self._lock:
            self._cache[username] = (now, user)
        return user

    def invalidate(self, username: str | None = None) -> None:
        """Forget cached accounts (after a change of roles, scope or status)."""
        with self._lock:
            if username is None:
                self._cache.clear()
            else:
                self._cache.pop(username, None)

    def allowed(self, username: str, permission: Permission, area: str = "") -> bool:
        """True when an enabled user's roles grant ``permission`` in ``area`` (not audited)."""
        user = self.user(username)
        if user is None or not user.enabled:
            return False
        return self.policy.may(user.roles, user.scope, permission, area)

    def check(
        self,
        username: str,
        permission: Permission,
        area: str = "",
        *,
        target: str = "",
        station: str = "",
        reason: str = "",
    ) -> bool:
        """Like :meth:`allowed`, but a refusal writes a ``permission_refused`` audit row."""
        if self.allowed(username, permission, area):
            return True
        user = self.user(username)
        self._audit.append(
            AuditEvent(
                AuditAction.PERMISSION_REFUSED,
                username,
                station,
                target=target,
                new_value=permission.value,
                reason=reason,
                outcome=Outcome.REFUSED,
                detail=f"{permission.value} in area {area!r}" if area else permission.value,
                role=user.role_text if user is not None else "",
            )
        )
        log.warning("refused: %s may not %s %s (area %r)", username, permission.value, target, area)
        return False

    def require(
        self,
        username: str,
        permission: Permission,
        area: str = "",
        *,
        target: str = "",
        station: str = "",
        reason: str = "",
    ) -> None:
        """Raise :class:`PermissionRefused` (after auditing) unless allowed."""
        if not self.check(
            username, permission, area, target=target, station=station, reason=reason
        ):
            raise PermissionRefused(username, permission.value, area, target)


class AlarmPermissions:
    """The alarm engine's permission checker backed by the accounts and the role matrix.

    Alarm actions map to permissions by :data:`core.security.roles.ALARM_ACTIONS`; an unknown
    action is refused. Refusals are journaled by the alarm engine itself (not audited here,
    since the engine also asks while filtering "acknowledge all visible").
    """

    def __init__(self, authorizer: Authorizer) -> None:
        self._authorizer = authorizer

    def allowed(self, user: str, action: str, area: str) -> bool:
        """True when ``user`` may perform the alarm ``action`` in ``area``."""
        permission = ALARM_ACTIONS.get(str(action))
        if permission is None:
            return False
        return self._authorizer.allowed(user, permission, area)
