"""Pieces of the user dialogs: role and scope pickers, and the base of every admin dialog.

An :class:`AdminDialog` runs its change in a worker as the acting user (the logged-on user's
live session, or the administrator just created on first run) through
:class:`core.security.admin.UserAdmin`, which checks ``manage_users``, applies the password
policy and writes the audit row. A refusal keeps the dialog open with the core's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from core.security.admin import PLANT_WIDE, UserAdmin
from core.security.roles import Role, Scope
from core.security.users import User
from hmi.security.access import ROLE_TEXT, AccessContext
from hmi.security.touch import fit_for_touch
from hmi.theme import set_property

log = logging.getLogger(__name__)

Change = Callable[[UserAdmin, User], str]
"""A user change run in a worker: ``(UserAdmin, acting user) -> what was done``."""

MIN_WIDTH = 560
"""Wide enough for the policy text and the role descriptions on one or two lines."""
SCOPE_HINT = "None ticked: the whole plant. Everyone may watch every area; acting needs scope."


class RolePicker(QGroupBox):
    """One check box per role, with what the role may do."""

    changed = Signal()

    def __init__(self, chosen: frozenset[Role] = frozenset(), parent: QWidget | None = None):
        super().__init__("Roles", parent)
        self.boxes: dict[Role, QCheckBox] = {}
        column = QVBoxLayout(self)
        for role in Role:
            box = QCheckBox(ROLE_TEXT[role])
            box.setObjectName(f"role_{role.value}")
            box.setChecked(role in chosen)
            box.toggled.connect(lambda _on: self.changed.emit())
            column.addWidget(box)
            self.boxes[role] = box

    def roles(self) -> frozenset[Role]:
        """The ticked roles."""
        return frozenset(role for role, box in self.boxes.items() if box.isChecked())


class ScopePicker(QGroupBox):
    """Sites and areas a user may act in (none ticked: plant-wide)."""

    def __init__(
        self, access: AccessContext, scope: Scope = PLANT_WIDE, parent: QWidget | None = None
    ) -> None:
        super().__init__("Where the user may act", parent)
        self.site_boxes = {s: self._box(f"site {s}", s in scope.sites) for s in access.sites}
        self.area_boxes = {
            area: self._box(f"{area} ({site})" if site else area, area in scope.areas)
            for area, site in access.areas
        }
        inner = QWidget()
        grid = QGridLayout(inner)
        boxes = [*self.site_boxes.values(), *self.area_boxes.values()]
        for index, box in enumerate(boxes):
            grid.addWidget(box, index // 2, index % 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setMaximumHeight(180)
        hint = QLabel(SCOPE_HINT)
        hint.setProperty("role", "caption")
        hint.setWordWrap(True)
        column = QVBoxLayout(self)
        column.addWidget(hint)
        column.addWidget(scroll if boxes else QLabel("No areas are configured: plant-wide."))

    @staticmethod
    def _box(text: str, checked: bool) -> QCheckBox:
        box = QCheckBox(text)
        box.setChecked(checked)
        return box

    def scope(self) -> Scope:
        """The ticked sites and areas."""
        return Scope(
            sites=frozenset(s for s, box in self.site_boxes.items() if box.isChecked()),
            areas=frozenset(a for a, box in self.area_boxes.items() if box.isChecked()),
        )


class AdminDialog(QDialog):
    """A user change: form, reasons while invalid, the change in a worker, the outcome."""

    applied = Signal(str)
    """What was changed (for the status line of the Users view)."""

    def __init__(
        self,
        access: AccessContext,
        title: str,
        ok_text: str,
        actor: User | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.access = access
        self.actor = actor
        self.setWindowTitle(title)
        self.message = QLabel("")
        self.message.setObjectName("admin_message")
        self.message.setWordWrap(True)
        self.setMinimumWidth(MIN_WIDTH)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setIcon(QIcon())
        self.ok: QPushButton = self.buttons.addButton(
            ok_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok.setObjectName("admin_ok")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.busy = False

    def finish_layout(self, *rows: QWidget) -> None:
        """Lay out the form rows, the message and the buttons; size for touch."""
        column = QVBoxLayout(self)
        for row in rows:
            column.addWidget(row)
        column.addWidget(self.message)
        column.addWidget(self.buttons)
        fit_for_touch(self, self.access.touch())
        self.validate()

    def problem(self) -> str:
        """Why the form cannot be submitted ('' when it can); subclasses add their checks."""
        return ""

    def validate(self) -> None:
        """Enable the OK button only for a valid form and say what is missing."""
        problem = self.problem()
        self.ok.setEnabled(not problem and not self.busy)
        self.message.setText(f"✖ {problem}" if problem else "")
        set_property(self.message, "result", "")

    def prepare(self) -> Change:
        """The change to run (subclasses): it captures the form's values on the GUI thread."""
        raise NotImplementedError

    def submit(self) -> None:
        """Run the change as the acting user, in a worker."""
        if self.problem() or self.busy:
            return
        change = self.prepare()
        self.busy = True
        self.ok.setEnabled(False)
        self.message.setText("saving…")
        admin, auth = self.access.security.admin, self.access.security.auth
        fixed, session_id = self.actor, self.access.operator.session_id

        def work() -> str:
            actor = fixed if fixed is not None else auth.user_of(session_id)
            return change(admin, actor)

        self.access.submit(work, self._applied, self._refused, context=self, name="user-admin")

    def _applied(self, what: str) -> None:
        self.busy = False
        log.info("user change: %s", what)
        self.applied.emit(what)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.ok.setEnabled(True)
        self.message.setText(f"Refused: {exc}")
        set_property(self.message, "result", "refused")


def on_change(*signals: Any) -> Callable[[Callable[[], None]], None]:
    """Connect every signal to one slot (``on_change(a.textChanged, b.changed)(self.validate)``)."""

    def connect(slot: Callable[[], None]) -> None:
        for signal in signals:
            signal.connect(lambda *_args: slot())

    return connect
