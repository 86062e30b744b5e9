"""Who is logged on at this console (``core.security``): log on, switch user, log off, idle logout.

Checking a password costs an Argon2 hash (about 0.1-0.3 s) and every session change is
audited, so log-on, switching and log-off run in workers. Keyboard and mouse activity keeps the
session alive; a timer asks the security core to end idle sessions (``expire_idle``), and when
this console's session ended that way (or elsewhere) the console shows nobody logged on and
:attr:`OperatorSession.ended` says why. Operator actions and writes carry
:attr:`OperatorSession.username`; :attr:`OperatorSession.permissions` lets views hide what the
user may not do (the security core checks every action again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

from hmi.workers import WorkerPool

log = logging.getLogger(__name__)

KEEP_ALIVE_MS = 30_000
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.KeyPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.Wheel,
    }
)
ENDED_ELSEWHERE = "Your session was ended elsewhere (logged off, or replaced by another log-on)"


class OperatorSession(QObject):
    """The logged-on user of this station."""

    changed = Signal(str)
    """The user name ('' when nobody is logged on)."""
    failed = Signal(str)
    """Why a log-on was refused."""
    ended = Signal(str)
    """The session ended without the user logging off here (idle, elsewhere): why."""

    def __init__(
        self,
        security: Any,
        workers: WorkerPool,
        parent: QObject | None = None,
        *,
        keep_alive_ms: int = KEEP_ALIVE_MS,
    ) -> None:
        super().__init__(parent)
        self.security = security
        self.station: str = security.station
        self._workers = workers
        self.username = ""
        self.roles = ""
        self.full_name = ""
        self.permissions: frozenset[str] = frozenset()
        self.session_id = ""
        self._active = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.keep_alive)
        self._timer.start(keep_alive_ms)

    @property
    def logged_on(self) -> bool:
        """True while a session is open."""
        return bool(self.session_id)

    def may(self, permission: str) -> bool:
        """True when the logged-on user's roles grant ``permission`` (anywhere in scope)."""
        return permission in self.permissions

    def login(self, username: str, password: str) -> None:
        """Log on in a worker; ``changed`` or ``failed`` follows."""
        auth, station = self.security.auth, self.station
        self._open(lambda: auth.login(username, password, station), "login")

    def switch_user(self, username: str, password: str) -> None:
        """Fast user switching: the current session ends only when the new user is accepted."""
        auth, station = self.security.auth, self.station
        self._open(lambda: auth.switch_user(station, username, password), "switch-user")

    def _open(self, start: Callable[[], Any], name: str) -> None:
        authorizer = self.security.authorizer

        def work() -> tuple[Any, Any]:
            session = start()
            authorizer.invalidate(session.username)
            return session, authorizer.user(session.username)

        self._workers.submit(
            work, self._opened, lambda exc: self.failed.emit(str(exc)), context=self, name=name
        )

    def _opened(self, result: tuple[Any, Any]) -> None:
        session, user = result
        self.session_id, self.username = session.id, session.username
        self.roles = user.role_text if user is not None else ""
        self.full_name = user.printed_name if user is not None else session.username
        granted = self.security.policy.permissions(user.roles) if user is not None else ()
        self.permissions = frozenset(str(p) for p in granted)
        self.changed.emit(self.username)

    def logout(self, reason: str = "logout") -> None:
        """End the session (in a worker); the console shows nobody at once."""
        session_id = self.session_id
        self._clear()
        if session_id:
            auth = self.security.auth
            self._workers.submit(
                lambda: auth.logout(session_id, reason), context=self, name="logout"
            )

    def _clear(self) -> None:
        had = bool(self.session_id)
        self.session_id = self.username = self.roles = self.full_name = ""
        self.permissions = frozenset()
        if had:
            self.changed.emit("")

    def note_activity(self) -> None:
        """The operator touched the console (mouse, keys, touch)."""
        self._active = True

    def keep_alive(self) -> None:
        """End idle sessions (``expire_idle``), report activity, or learn that ours ended."""
        if not self.session_id:
            return
        auth, session_id, active = self.security.auth, self.session_id, self._active
        self._active = False

        def check() -> str:
            if any(s.id == session_id for s in auth.expire_idle()):
                return "idle"
            if auth.sessions.get(session_id) is None:
                return "elsewhere"
            if active:
                auth.touch(session_id)
            return ""

        self._workers.submit(
            check,
            lambda why: self._checked(session_id, why),
            lambda exc: self._checked(session_id, str(exc)),
            context=self,
            name="session",
        )

    def _checked(self, session_id: str, why: str) -> None:
        if not why or session_id != self.session_id:
            return
        if why == "idle":
            minutes = self.security.config.idle_logout_minutes
            why = f"{self.username} was logged off after {minutes:g} min without activity"
        elif why == "elsewhere":
            why = ENDED_ELSEWHERE
        log.info("session of %s ended: %s", self.username, why)
        self._clear()
        self.ended.emit(why)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in ACTIVITY_EVENTS:
            self._active = True
        return False
