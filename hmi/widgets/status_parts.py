"""Status-bar parts that give way on a narrow screen without hiding anything important.

:class:`UserButton` shows "user (roles) · log off" and elides the roles (never the user name
or the action) when the bar is short; a tap opens the user panel, which names every role.
:class:`DriverLinks` shows one label per driver link while they fit, else one summary line
with the abnormal links first ("✖ meter1: offline · 3 online"), so a lost link is never cut.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyleOptionButton,
    QStylePainter,
    QWidget,
)

from hmi.theme import set_property

log = logging.getLogger(__name__)

LOG_ON_TEXT = "Log on…"
ABNORMAL_LINK_STATES = ("offline", "degraded")
MAX_SUMMARY_PX = 420
"""The driver summary claims at most this much of a short status bar (longer ones elide)."""


class UserButton(QPushButton):
    """The logged-on user and their roles (the roles elided when short of room)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(LOG_ON_TEXT, parent)
        self.username, self.roles = "", ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def show_user(self, username: str, roles: str = "") -> None:
        """Show a user (``""``: nobody, "Log on…")."""
        self.username, self.roles = username, roles if username else ""
        self.setText(self._text(roles) if username else LOG_ON_TEXT)
        self.setToolTip(f"{username}: {roles}" if username and roles else "")
        self.updateGeometry()

    def _text(self, roles: str) -> str:
        return f"{self.username} ({roles}) · log off" if roles else f"{self.username} · log off"

    def shown_text(self) -> str:
        """The text as drawn at the current width (roles elided when needed)."""
        if not self.roles:
            return self.text()
        option = QStyleOptionButton()
        self.initStyleOption(option)
        contents = self.style().subElementRect(
            QStyle.SubElement.SE_PushButtonContents, option, self
        )
        metrics, available = self.fontMetrics(), contents.width() - 4
        room = available - metrics.horizontalAdvance(self._text(""))
        text = self._text(self.roles)
        for _attempt in range(4):  # the parts do not add up exactly (shaping): shrink to fit
            roles = metrics.elidedText(self.roles, Qt.TextElideMode.ElideRight, max(room, 0))
            text = self._text(roles or "…")
            excess = metrics.horizontalAdvance(text) - available
            if excess <= 0 or not roles:
                break
            room -= excess
        return text

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """Room for the user name, "(…)" and the action."""
        hint = self.sizeHint()
        if not self.roles:
            return hint
        metrics = self.fontMetrics()
        saved = metrics.horizontalAdvance(self.text()) - metrics.horizontalAdvance(self._text("…"))
        return QSize(hint.width() - max(saved, 0), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QStylePainter(self)
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_PushButton, option)


class ElidedLabel(QLabel):
    """A one-line label that elides its text (at the right) to the width it is given."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("…") + 12, hint.height())

    def shown_text(self) -> str:
        """The text as drawn at the current width."""
        room = self.contentsRect().width()
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, room)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt API)
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())


class DriverLinks(QWidget):
    """One label per driver link, or a summary line when they do not fit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: dict[str, QLabel] = {}
        self.states: dict[str, str] = {}
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self.summary = ElidedLabel()
        self.summary.setObjectName("driver_summary")
        self.summary.hide()
        self._row.addWidget(self.summary, 1)
        self._row.addStretch(0)  # the labels stay left; the summary (stretch 1) takes all room
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def set_link(self, name: str, text: str, state: str, tip: str) -> QLabel:
        """Show one driver's link state; returns its label."""
        label = self.labels.get(name)
        if label is None:
            label = QLabel()
            label.setObjectName(f"driver_{name}")
            self.labels[name] = label
            self._row.insertWidget(len(self.labels) - 1, label)
        abnormal = state in ABNORMAL_LINK_STATES
        label.setText(text)
        label.setToolTip(tip)
        set_property(label, "state", "offline" if abnormal else "online")
        self.states[name] = state
        self._fit(self.width())
        self.updateGeometry()
        return label

    def summary_text(self) -> str:
        """Abnormal links first by name and state, then how many are fine."""
        bad = [f"✖ {n}: {s}" for n, s in self.states.items() if s in ABNORMAL_LINK_STATES]
        good = len(self.states) - len(bad)
        return " · ".join([*bad, f"{good} link(s) online"] if good else bad)

    def full_width(self) -> int:
        """Width every label needs side by side."""
        spacing = self._row.spacing() * max(len(self.labels) - 1, 0)
        return sum(label.sizeHint().width() for label in self.labels.values()) + spacing

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(self.full_width(), super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        """Room for the summary line (a lost link is worth more than the user's roles)."""
        if not self.labels:
            return QSize(0, super().minimumSizeHint().height())
        summary = self.summary.sizeHint().width()  # its text is kept up to date in _fit
        return QSize(min(summary, MAX_SUMMARY_PX, self.full_width()), self.sizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        compact = bool(self.labels) and self.full_width() > width
        for label in self.labels.values():
            label.setVisible(not compact)
        self.summary.setVisible(compact)
        text = self.summary_text()
        self.summary.setText(text)
        if compact:
            self.summary.setToolTip(text)
            abnormal = any(s in ABNORMAL_LINK_STATES for s in self.states.values())
            set_property(self.summary, "state", "offline" if abnormal else "online")
