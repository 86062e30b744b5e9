"""User administration with audit: the first administrator, add, password, disable, roles.

No default credentials: :meth:`UserAdmin.create_first_administrator` works only while no user
exists, and nothing else works until it has run. Every other change needs an authenticated
acting user with ``manage_users`` (a user may change their own password). Each change writes
a ``user_*`` audit row naming who changed what; passwords and hashes never appear in it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.security.audit import AuditTrail
from core.security.auth import SetupRequired
from core.security.authorization import Authorizer
from core.security.config import SecurityConfig
from core.security.events import AuditAction, AuditEvent
from core.security.passwords import PasswordHasher, check_password_policy
from core.security.roles import Permission, Role, Scope
from core.security.users import User, UserError, UserStore, check_username

log = logging.getLogger(__name__)

PLANT_WIDE = Scope()


def _scope_text(scope: Scope) -> str:
    if scope.plant_wide:
        return "plant-wide"
    return f"sites={','.join(sorted(scope.sites))} areas={','.join(sorted(scope.areas))}"


class UserAdmin:
    """Changes to accounts, each checked and audited."""

    def __init__(
        self,
        users: UserStore,
        hasher: PasswordHasher,
        authorizer: Authorizer,
        audit: AuditTrail,
        config: SecurityConfig,
        clock: Callable[[], int],
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._authorizer = authorizer
        self._audit = audit
        self._config = config
        self._clock = clock

    def _new_hash(self, username: str, password: str) -> str:
        check_password_policy(password, username, self._config.min_password_length)
        return self._hasher.hash(password)

    def _record(
        self,
        action: AuditAction,
        actor: User,
        station: str,
        target: str,
        *,
        old_value: str | None = None,
        new_value: str | None = None,
        reason: str = "",
        detail: str = "",
    ) -> None:
        self._audit.append(
            AuditEvent(
                action,
                actor.username,
                station,
                target=target,
                old_value=old_value,
                new_value=new_value,
                reason=reason,
                detail=detail,
                role=actor.role_text,
            )
        )

    def create_first_administrator(
        self, username: str, password: str, *, full_name: str = "", station: str = ""
    ) -> User:
        """Create the administrator on first run; refused once any user exists."""
        check_username(username)
        if self._users.count() > 0:
            raise UserError("users exist already: the first administrator has been created")
        roles = frozenset({Role.ADMINISTRATOR})
        user = self._users.create(
            username, self._new_hash(username, password), roles, Scope(), self._clock(), full_name
        )
        detail = "first administrator (first run)"
        self._record(
            AuditAction.USER_ADD,
            user,
            station,
            target=username,
            new_value=user.role_text,
            detail=detail,
        )
        log.info("first administrator %s created", username)
        return user

    def _require_manager(self, actor: User, target: str, station: str) -> None:
        if self._users.count() == 0:
            raise SetupRequired()
        self._authorizer.require(
            actor.username, Permission.MANAGE_USERS, target=target, station=station
        )

    def _check_admin_remains(self, losing: str) -> None:
        """Refuse a change that would leave no enabled administrator."""
        others = [
            u
            for u in self._users.all()
            if u.enabled and Role.ADMINISTRATOR in u.roles and u.username != losing
        ]
        if not others:
            raise UserError("at least one enabled administrator must remain")

    def add_user(
        self,
        actor: User,
        username: str,
        password: str,
        roles: frozenset[Role],
        scope: Scope = PLANT_WIDE,
        *,
        full_name: str = "",
        station: str = "",
    ) -> User:
        """Add an account (actor needs ``manage_users``)."""
        check_username(username)
        self._require_manager(actor, username, station)
        user = self._users.create(
            username, self._new_hash(username, password), roles, scope, self._clock(), full_name
        )
        self._record(
            AuditAction.USER_ADD,
            actor,
            station,
            target=username,
            new_value=f"{user.role_text} ({_scope_text(scope)})",
        )
        return user

    def change_password(
        self, actor: User, username: str, new_password: str, *, station: str = "", reason: str = ""
    ) -> None:
        """Set a new password: one's own, or anyone's with ``manage_users``."""
        if actor.username != username:
            self._require_manager(actor, username, station)
        self._users.require(username)
        self._users.set_password_hash(
            username, self._new_hash(username, new_password), self._clock()
        )
        self._record(
            AuditAction.USER_PASSWORD,
            actor,
            station,
            target=username,
            reason=reason,
            detail="password changed",
        )

    def set_enabled(
        self, actor: User, username: str, enabled: bool, *, station: str = "", reason: str = ""
    ) -> None:
        """Disable (or re-enable) an account; one cannot disable oneself."""
        self._require_manager(actor, username, station)
        before = self._users.require(username)
        if not enabled and username == actor.username:
            raise UserError("you cannot disable your own account")
        if not enabled:
            self._check_admin_remains(username)
        self._users.set_enabled(username, enabled)
        self._authorizer.invalidate(username)
        self._record(
            AuditAction.USER_DISABLE,
            actor,
            station,
            target=username,
            old_value="enabled" if before.enabled else "disabled",
            new_value="enabled" if enabled else "disabled",
            reason=reason,
        )

    def set_roles(
        self,
        actor: User,
        username: str,
        roles: frozenset[Role],
        scope: Scope,
        *,
        station: str = "",
        reason: str = "",
    ) -> None:
        """Replace an account's roles and scope (actor needs ``manage_users``)."""
        self._require_manager(actor, username, station)
        before = self._users.require(username)
        if Role.ADMINISTRATOR not in roles:
            self._check_admin_remains(username)
        self._users.set_roles(username, roles, scope)
        self._authorizer.invalidate(username)
        after = ",".join(sorted(r.value for r in roles))
        self._record(
            AuditAction.USER_ROLES,
            actor,
            station,
            target=username,
            old_value=f"{before.role_text} ({_scope_text(before.scope)})",
            new_value=f"{after} ({_scope_text(scope)})",
            reason=reason,
        )
