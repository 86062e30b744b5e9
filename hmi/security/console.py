"""The console's security behaviour, wired to the main window's status bar and navigation.

:class:`ConsoleSecurity` opens the first-run dialog when the store has no user, turns the
status-bar user button into log on / switch user / log off, shows why the console dropped to
view-only when a session ended by itself (idle logout), and shows the Users and Audit entries
of the navigation only while someone is logged on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QLabel, QWidget

from hmi.security.access import AccessContext, access_of
from hmi.security.first_run import FirstRunDialog
from hmi.security.log_on import SwitchUserDialog, UserPanel
from hmi.security.touch import fit_for_touch
from hmi.theme import set_property
from hmi.widgets.nav_panel import NavPanel
from hmi.widgets.status_bar import StationStatusBar

if TYPE_CHECKING:
    from hmi.context import HmiContext

log = logging.getLogger(__name__)

GATED_VIEWS = ("users", "audit")
"""Navigation entries shown only while someone is logged on."""
VIEW_ONLY = "the console is view-only; log on to act"


class ConsoleSecurity(QObject):
    """First run, the user panel, the idle-logout notice and the gated navigation entries."""

    def __init__(
        self,
        ctx: HmiContext | AccessContext,
        status: StationStatusBar,
        nav: NavPanel,
        parent: QWidget,
        open_login: Callable[[], QDialog | None],
    ) -> None:
        super().__init__(parent)
        self.access = access = access_of(ctx)
        self.status = status
        self.nav = nav
        self.window = parent
        self._open_login = open_login
        self.setup_needed = False
        self.first_run: FirstRunDialog | None = None
        self.panel: UserPanel | None = None
        self.switch_dialog: SwitchUserDialog | None = None
        self.notice = QLabel("")
        self.notice.setObjectName("session_notice")
        self.notice.setVisible(False)
        set_property(self.notice, "state", "offline")
        status.addPermanentWidget(self.notice)
        status.user.clicked.connect(self.open_user_panel)
        access.operator.changed.connect(self._user_changed)
        access.operator.ended.connect(self.show_ended)
        self._user_changed(access.operator.username)
        self.start()

    def start(self) -> None:
        """Ask the store (in a worker) whether any user exists; open the first run if not.

        Called once on construction (the answer comes back after the window is up)."""
        users = self.access.security.users
        self.access.submit(
            users.count,
            self._counted,
            lambda exc: log.error("cannot count the users: %s", exc),
            context=self,
            name="user-count",
        )

    def _counted(self, count: int) -> None:
        self.setup_needed = count == 0
        if self.setup_needed and not self.access.operator.logged_on:
            self.open_first_run()

    def open_first_run(self) -> FirstRunDialog:
        """The "create the administrator" dialog (the same one while it is open)."""
        if self.first_run is not None and self.first_run.isVisible():
            return self.first_run
        dialog = FirstRunDialog(self.access, self.window)
        dialog.created.connect(self._administrator_created)
        dialog.setModal(True)
        dialog.show()
        self.first_run = dialog
        return dialog

    def _administrator_created(self, _name: str) -> None:
        self.setup_needed = False

    # -- the user button ------------------------------------------------------------------------
    def open_user_panel(self) -> UserPanel:
        """Log on / switch user / log off (non-modal popup above the button)."""
        panel = UserPanel(self.access.operator, self.access.touch(), self.window)
        panel.log_on_button.clicked.connect(self.log_on)
        panel.switch_button.clicked.connect(self.switch_user)
        panel.log_off_button.clicked.connect(self.log_off)
        panel.show_at(self.status.user)
        self.panel = panel
        return panel

    def log_on(self) -> QDialog | None:
        """The log-on dialog, or the first-run dialog while no user exists."""
        if self.setup_needed:
            return self.open_first_run()
        dialog = self._open_login()
        if dialog is not None:
            fit_for_touch(dialog, self.access.touch())
        return dialog

    def switch_user(self) -> SwitchUserDialog:
        """Ask for the next user's credentials (fast user switching on a shared panel)."""
        dialog = SwitchUserDialog(self.access.operator, self.window)
        fit_for_touch(dialog, self.access.touch())
        dialog.setModal(True)
        dialog.show()
        self.switch_dialog = dialog
        return dialog

    def log_off(self) -> None:
        """End this console's session; the console is view-only until the next log-on."""
        name = self.access.operator.username
        self.access.operator.logout()
        if name:
            self.status.showMessage(f"{name} logged off: {VIEW_ONLY}", 10_000)

    # -- state ----------------------------------------------------------------------------------
    def show_ended(self, reason: str) -> None:
        """A session ended by itself (idle, elsewhere): say so until someone logs on."""
        self.notice.setText(f"⚠ {reason}: {VIEW_ONLY}")
        self.notice.setToolTip(reason)
        self.notice.setVisible(True)

    def _user_changed(self, username: str) -> None:
        if username:
            self.notice.setVisible(False)
            self.notice.setText("")
        for name in GATED_VIEWS:
            button = self.nav.buttons.get(name)
            if button is not None:
                button.setVisible(bool(username))
