"""Sections of the navigation panel: Operate, Maintain, Analyse, Admin.

On a desk every view stays one click away: each section is a caption above its buttons. On a
touch panel (1280x800, gloves) fourteen-odd 48 px buttons do not fit under the banner, so the
section buttons stand in a fixed column at the top and only the chosen section's views are
listed below them: any view is two touches away, nothing moves under a gloved finger, and
nothing needs scrolling, hovering or a right click. ``VIEWS`` (in :mod:`.nav_panel`) stays the
one list of views; a view no section names is listed under "More".
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from hmi.theme import set_property

log = logging.getLogger(__name__)

NAV_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Operate", ("overview", "trends", "alarms", "devices")),
    ("Maintain", ("diagnostics", "maintenance", "health")),
    ("Analyse", ("energy", "forecast", "anomalies", "models", "reports")),
    ("Admin", ("users", "audit")),
)
"""Section titles and the views they list (views not in ``VIEWS`` are skipped)."""
OTHER_SECTION = "More"


def group_views(views: Sequence[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """``views`` by section, in section order then ``views`` order; empty sections left out."""
    section_of = {name: title for title, names in NAV_SECTIONS for name in names}
    titles = [title for title, _names in NAV_SECTIONS] + [OTHER_SECTION]
    grouped: dict[str, list[tuple[str, str]]] = {title: [] for title in titles}
    for name, text in views:
        grouped[section_of.get(name, OTHER_SECTION)].append((name, text))
    return [(title, entries) for title, entries in grouped.items() if entries]


class NavSection(QObject):
    """One section: a header button (touch), a caption (desk) and the body with its views.

    The header and caption hide themselves while every view button of the section is hidden
    (the Admin views while nobody is logged on)."""

    def __init__(self, title: str, buttons: Sequence[QPushButton], parent: QWidget) -> None:
        super().__init__(parent)
        self.title = title
        self.buttons = list(buttons)
        self.header = QPushButton(title, parent)
        self.header.setObjectName(f"navSection_{title.lower()}")
        self.header.setProperty("navSection", True)
        self.header.setCheckable(True)
        self.caption = QLabel(title.upper(), parent)
        self.caption.setProperty("role", "navCaption")
        self.body = QWidget(parent)
        column = QVBoxLayout(self.body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        for button in self.buttons:
            column.addWidget(button)
            button.installEventFilter(self)
        self.touch = False
        self.open = True

    @property
    def empty(self) -> bool:
        """Every view button of the section is hidden."""
        return all(button.isHidden() for button in self.buttons)

    def show_as(self, touch: bool, open_: bool) -> None:
        """Desk: caption and body. Touch: the header, and the body only when open."""
        self.touch, self.open = touch, open_
        empty = self.empty
        self.header.setVisible(touch and not empty)
        self.header.setChecked(touch and open_)
        self.caption.setVisible(not touch and not empty)
        self.body.setVisible(not touch or open_)

    def mark_current(self, holds_current: bool) -> None:
        """Show on the header that the current view is in this section."""
        set_property(self.header, "current", holds_current)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self.show_as(self.touch, self.open)
        return False
