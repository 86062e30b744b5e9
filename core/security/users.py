"""User accounts in the store: name, printed name, argon2id hash, roles, scope, lockout state."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from core.security.roles import Role, Scope, parse_roles
from core.security.tables import users

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class UserError(ValueError):
    """A user name that is invalid, taken or unknown."""


@dataclass(frozen=True, slots=True)
class User:
    """One account (the hash is hidden from ``repr``)."""

    id: int
    username: str
    full_name: str
    password_hash: str = field(repr=False)
    roles: frozenset[Role]
    scope: Scope
    enabled: bool
    failed_logins: int
    locked_until_ns: int | None
    created_ns: int
    password_changed_ns: int
    last_login_ns: int | None

    @property
    def printed_name(self) -> str:
        """The name shown with a signature (section 11.50): the full name, else the user name."""
        return self.full_name or self.username

    @property
    def role_text(self) -> str:
        """Roles as ``a,b`` (audit rows, listings)."""
        return ",".join(sorted(r.value for r in self.roles))

    def locked(self, now_ns: int) -> bool:
        """True while a lockout runs."""
        return self.locked_until_ns is not None and now_ns < self.locked_until_ns


def check_username(username: str) -> str:
    """The name, or :class:`UserError` when it is not 1-64 of ``A-Z a-z 0-9 . _ @ -``."""
    if not USERNAME.match(username):
        raise UserError(f"invalid user name {username[:64]!r}: use 1-64 of A-Z a-z 0-9 . _ @ -")
    return username


def _split(text: str) -> frozenset[str]:
    return frozenset(part for part in text.split(",") if part)


def _user(row: Any) -> User:
    return User(
        id=row.id,
        username=row.username,
        full_name=row.full_name,
        password_hash=row.password_hash,
        roles=parse_roles(_split(row.roles)),
        scope=Scope(sites=_split(row.sites), areas=_split(row.areas)),
        enabled=bool(row.enabled),
        failed_logins=row.failed_logins,
        locked_until_ns=row.locked_until_ns,
        created_ns=row.created_ns,
        password_changed_ns=row.password_changed_ns,
        last_login_ns=row.last_login_ns,
    )


def _join(values: frozenset[str]) -> str:
    for value in values:
        if "," in value:
            raise UserError(f"a site or area name may not contain a comma: {value!r}")
    return ",".join(sorted(values))


class UserStore:
    """CRUD on the ``users`` table."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def count(self) -> int:
        """How many accounts exist (0 before the first administrator)."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(users)).scalar() or 0)

    def get(self, username: str) -> User | None:
        """The account, None when unknown."""
        with self._engine.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        return _user(row) if row is not None else None

    def require(self, username: str) -> User:
        """The account, or :class:`UserError`."""
        user = self.get(username)
        if user is None:
            raise UserError(f"unknown user {username[:64]!r}")
        return user

    def all(self) -> list[User]:
        """Every account, by name."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.username)).all()
        return [_user(r) for r in rows]

    def create(
        self,
        username: str,
        password_hash: str,
        roles: frozenset[Role],
        scope: Scope,
        now_ns: int,
        full_name: str = "",
    ) -> User:
        """Add an account; :class:`UserError` when the name is taken or invalid."""
        check_username(username)
        if not roles:
            raise UserError("a user needs at least one role")
        values = {
            "username": username,
            "full_name": full_name,
            "password_hash": password_hash,
            "roles": _join(frozenset(r.value for r in roles)),
            "sites": _join(scope.sites),
            "areas": _join(scope.areas),
            "enabled": True,
            "failed_logins": 0,
            "created_ns": now_ns,
            "password_changed_ns": now_ns,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(users).values(**values))
        except IntegrityError:
            raise UserError(f"user {username!r} exists already") from None
        return self.require(username)

    def _update(self, username: str, **values: Any) -> None:
        with self._engine.begin() as conn:
            done = conn.execute(update(users).where(users.c.username == username).values(**values))
        if done.rowcount == 0:
            raise UserError(f"unknown user {username[:64]!r}")

    def set_password_hash(self, username: str, password_hash: str, now_ns: int | None) -> None:
        """Store a new hash; ``now_ns`` marks a password change (None: a rehash, same password)."""
        values: dict[str, Any] = {"password_hash": password_hash}
        if now_ns is not None:
            values |= {"password_changed_ns": now_ns, "failed_logins": 0, "locked_until_ns": None}
        self._update(username, **values)

    def set_enabled(self, username: str, enabled: bool) -> None:
        """Enable or disable an account."""
        self._update(username, enabled=enabled)

    def set_roles(self, username: str, roles: frozenset[Role], scope: Scope) -> None:
        """Replace an account's roles and scope."""
        if not roles:
            raise UserError("a user needs at least one role")
        self._update(
            username,
            roles=_join(frozenset(r.value for r in roles)),
            sites=_join(scope.sites),
            areas=_join(scope.areas),
        )

    def record_failure(self, username: str, now_ns: int, threshold: int, lock_ns: int) -> bool:
        """Count a failed login atomically (an expired lockout starts a new count).

        Returns True when this failure starts a lockout of ``lock_ns``.
        """
        restart = case((users.c.locked_until_ns.is_not(None), 1), else_=users.c.failed_logins + 1)
        where = users.c.username == username
        with self._engine.begin() as conn:
            conn.execute(
                update(users).where(where).values(failed_logins=restart, locked_until_ns=None)
            )
            failures = int(conn.execute(select(users.c.failed_logins).where(where)).scalar() or 0)
            if failures < threshold:
                return False
            conn.execute(
                update(users).where(where).values(failed_logins=0, locked_until_ns=now_ns + lock_ns)
            )
        return True

    def record_login(self, username: str, now_ns: int) -> None:
        """A successful login: clear failures and any expired lockout."""
        self._update(username, failed_logins=0, locked_until_ns=None, last_login_ns=now_ns)

    def unlock(self, username: str) -> None:
        """End a lockout now."""
        self._update(username, failed_logins=0, locked_until_ns=None)
