"""Who is logged on at this console (``core.security``): log on, log off, idle logout.

Checking a password costs an Argon2 hash (about 0.1-0.3 s) and every session change is
audited, so log-on and log-off run in workers. Keyboard and mouse activity keeps the session
alive; a session idle for the configured time is ended by the security core, and the console
then shows nobody logged on. Operator actions and writes carry :attr:`OperatorSession.username`.
"""

from __future__ import annotations

import logging
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


class OperatorSession(QObject):
    """The logged-on user of this station."""

    changed = Signal(str)
    """The user name ('' when nobody is logged on)."""
    failed = Signal(str)
    """Why a log-on was refused."""

    def __init__(self, security: Any, workers: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.security = security
        self.station: str = security.station
        self._workers = workers
        self.username = ""
        self.roles = ""
        self.session_id = ""
        self._active = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.keep_alive)
        self._timer.start(KEEP_ALIVE_MS)

    @property
    def logged_on(self) -> bool:
        """True while a session is open."""
        return bool(self.session_id)

    def login(self, username: str, password: str) -> None:
        """Log on in a worker; ``changed`` or ``failed`` follows."""
        auth, station = self.security.auth, self.station
        self._workers.submit(
            lambda: auth.login(username, password, station),
            self._opened,
            lambda exc: self.failed.emit(str(exc)),
            context=self,
            name="login",
        )

    def _opened(self, session: Any) -> None:
        self.session_id, self.username = session.id, session.username
        user = self.security.authorizer.user(session.username)
        self.roles = user.role_text if user is not None else ""
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
        self.session_id = self.username = self.roles = ""
        if had:
            self.changed.emit("")

    def note_activity(self) -> None:
        """The operator touched the console (mouse, keys, touch)."""
        self._active = True

    def keep_alive(self) -> None:
        """Report activity to the security core, or learn that the session ended (idle)."""
        if not self.session_id:
            return
        auth, session_id, active = self.security.auth, self.session_id, self._active
        self._active = False

        def check() -> bool:
            auth.expire_idle()
            if active:
                auth.touch(session_id)
            return auth.sessions.get(session_id) is not None

        self._workers.submit(check, self._still_open, self._ended, context=self, name="session")

    def _still_open(self, open_: bool) -> None:
        if not open_:
            log.info("session of %s ended (idle or replaced)", self.username)
            self._clear()

    def _ended(self, exc: BaseException) -> None:
        log.info("session of %s ended: %s", self.username, exc)
        self._clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in ACTIVITY_EVENTS:
            self._active = True
        return False
