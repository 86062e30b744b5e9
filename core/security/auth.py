"""Logging on and off: credentials, lockout, idle logout, fast user switching, active sessions.

Every attempt is audited: a login, a failed login (unknown user, wrong password, disabled or
locked account), a lockout, a logout (by the user, idle, replaced at the station, switched).
Nothing works before the first administrator exists (:class:`SetupRequired`). The clock is
injected (UTC epoch ns), so lockout and idle tests never sleep. Passwords are masked in logs
while they are checked and never appear in messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.model import NS_PER_S
from core.security.audit import AuditTrail
from core.security.config import SecurityConfig
from core.security.events import AuditAction, AuditEvent, Outcome
from core.security.passwords import PasswordHasher
from core.security.secrets import temporary_secret
from core.security.sessions import Session, SessionStore
from core.security.users import User, UserStore

log = logging.getLogger(__name__)

FIRST_RUN_HINT = "create the administrator first: controldeck users add NAME --admin"


class AuthError(Exception):
    """Authentication refused (the message never contains the password)."""


class SetupRequired(AuthError):
    """No user exists yet: only creating the first administrator is allowed."""

    def __init__(self) -> None:
        super().__init__(f"no user exists yet; {FIRST_RUN_HINT}")


class LoginFailed(AuthError):
    """Wrong user name or password, or a disabled account (one message for all, on purpose)."""

    def __init__(self) -> None:
        super().__init__("user name or password incorrect, or account disabled")


class AccountLocked(AuthError):
    """Too many failed attempts; the account is locked until ``until_ns``."""

    def __init__(self, until_ns: int) -> None:
        self.until_ns = until_ns
        super().__init__("account locked after repeated failed logins; try again later")


class SessionExpired(AuthError):
    """The session ended (logged out, idle, replaced)."""


class Authenticator:
    """Checks credentials and manages sessions of one installation."""

    def __init__(
        self,
        users: UserStore,
        sessions: SessionStore,
        audit: AuditTrail,
        hasher: PasswordHasher,
        config: SecurityConfig,
        clock: Callable[[], int],
    ) -> None:
        self.users = users
        self.sessions = sessions
        self._audit = audit
        self._hasher = hasher
        self._config = config
        self._clock = clock
        self._idle_ns = int(config.idle_logout_minutes * 60 * NS_PER_S)
        self._lock_ns = int(config.lockout_minutes * 60 * NS_PER_S)

    # -- credentials ----------------------------------------------------------------------------
    def authenticate(
        self,
        username: str,
        password: str,
        station: str,
        *,
        failure_action: str = AuditAction.LOGIN_FAILED,
    ) -> User:
        """The user when the password is right; audits and raises otherwise (lockout counted)."""
        if self.users.count() == 0:
            raise SetupRequired()
        with temporary_secret(password):
            user = self.users.get(username)
            now = self._clock()
            if user is None or not user.enabled:
                self._hasher.spend_verify_time(password)
                why = "unknown user" if user is None else "account disabled"
                shown = "(password typed as user name)" if username == password else username
                self._refuse(failure_action, shown[:64], station, why, user)
                raise LoginFailed()
            if user.locked(now):
                self._refuse(failure_action, username, station, "account locked", user)
                raise AccountLocked(user.locked_until_ns or now)
            if not self._hasher.verify(user.password_hash, password):
                self._wrong_password(user, station, now, failure_action)
            if user.failed_logins:
                self.users.unlock(username)
            if self._hasher.needs_rehash(user.password_hash):
                self.users.set_password_hash(username, self._hasher.hash(password), None)
                log.info("password hash of %s upgraded to the configured parameters", username)
        return user

    def _refuse(
        self, action: str, username: str, station: str, why: str, user: User | None
    ) -> None:
        outcome = Outcome.FAILED if why == "wrong password" else Outcome.REFUSED
        role = user.role_text if user is not None else ""
        self._audit.append(
            AuditEvent(action, username, station, role=role, outcome=outcome, detail=why)
        )
        shown = repr(username) if user is not None else "an unknown user name"
        log.warning("%s for %s at %s: %s", action, shown, station, why)

    def _wrong_password(self, user: User, station: str, now: int, action: str) -> None:
        limit = self._config.lockout_failures
        locks = self.users.record_failure(user.username, now, limit, self._lock_ns)
        self._refuse(action, user.username, station, "wrong password", user)
        if not locks:
            raise LoginFailed()
        detail = f"{limit} failed attempts; locked for {self._config.lockout_minutes:g} min"
        self._audit.append(
            AuditEvent(
                AuditAction.LOCKOUT,
                user.username,
                station,
                role=user.role_text,
                detail=detail,
                outcome=Outcome.OK,
            )
        )
        log.warning("account %s locked: %s", user.username, detail)
        raise AccountLocked(now + self._lock_ns)

    # -- sessions -------------------------------------------------------------------------------
    def login(self, username: str, password: str, station: str) -> Session:
        """Authenticate and open a session at ``station`` (ending the station's previous one)."""
        user = self.authenticate(username, password, station)
        return self._open(user, station, "replaced")

    def switch_user(self, station: str, username: str, password: str) -> Session:
        """Fast user switching on a shared panel: the current session ends only on success."""
        user = self.authenticate(username, password, station)
        return self._open(user, station, "switched")

    def _open(self, user: User, station: str, previous_reason: str) -> Session:
        now = self._clock()
        for old in self.sessions.active(station=station):
            self._end(old, previous_reason, f"{previous_reason}: {user.username} logged on")
        session = self.sessions.start(user.username, station, now)
        self.users.record_login(user.username, now)
        self._audit.append(
            AuditEvent(AuditAction.LOGIN, user.username, station, role=user.role_text)
        )
        log.info("%s logged on at %s", user.username, station)
        return session

    def _end(self, session: Session, reason: str, detail: str = "") -> None:
        if self.sessions.end(session.id, self._clock(), reason):
            user = self.users.get(session.username)
            role = user.role_text if user is not None else ""
            self._audit.append(
                AuditEvent(
                    AuditAction.LOGOUT,
                    session.username,
                    session.station,
                    role=role,
                    reason=reason,
                    detail=detail,
                )
            )
            log.info("%s logged off at %s (%s)", session.username, session.station, reason)

    def logout(self, session_id: str, reason: str = "logout") -> None:
        """End a session (no-op when it has ended already)."""
        session = self.sessions.get(session_id)
        if session is not None:
            self._end(session, reason)

    def touch(self, session_id: str) -> Session:
        """Record activity; raises :class:`SessionExpired` (and logs out) after the idle time."""
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionExpired("the session has ended; log on again")
        now = self._clock()
        if now - session.last_activity_ns >= self._idle_ns:
            minutes = self._config.idle_logout_minutes
            self._end(session, "idle", f"no activity for {minutes:g} min")
            raise SessionExpired("logged off after inactivity; log on again")
        self.sessions.touch(session_id, now)
        return self.sessions.get(session_id) or session

    def expire_idle(self) -> list[Session]:
        """Log off every session idle for the configured time (call it periodically)."""
        minutes = self._config.idle_logout_minutes
        expired = self.sessions.idle_since(self._clock() - self._idle_ns)
        for session in expired:
            self._end(session, "idle", f"no activity for {minutes:g} min")
        return expired

    def active_sessions(self) -> list[Session]:
        """Who is logged on at which station, since when (oldest first)."""
        return self.sessions.active()

    def user_of(self, session_id: str) -> User:
        """The user of an active session; raises :class:`SessionExpired`."""
        session = self.sessions.get(session_id)
        if session is None:
            raise SessionExpired("the session has ended; log on again")
        return self.users.require(session.username)
