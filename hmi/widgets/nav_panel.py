"""The navigation panel: one button per view in sections (one click to any view on a desk, two
on a touch panel), plus "detach". Every view has a keyboard shortcut (:func:`view_shortcut`),
named in its button's tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QButtonGroup, QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from hmi.icons import icon_button
from hmi.views.analytics.nav import analytics_nav_entries
from hmi.widgets.nav_sections import NavSection, group_views

VIEWS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("trends", "Trends"),
    ("alarms", "Alarms"),
    ("devices", "Devices"),
    ("diagnostics", "Diagnostics"),
    ("maintenance", "Maintenance"),
    *analytics_nav_entries(),
    ("reports", "Reports"),
    ("users", "Users"),
    ("audit", "Audit"),
)
TITLES = dict(VIEWS)


def view_shortcut(index: int) -> QKeySequence:
    """The key of the ``index``-th view (0-based): Ctrl+1 .. Ctrl+9 and Ctrl+0 for the first ten,
    Ctrl+Shift+1 .. Ctrl+Shift+0 for the next ten, none (an empty sequence) beyond."""
    if not 0 <= index < 20:
        return QKeySequence()
    modifiers = "Ctrl+" if index < 10 else "Ctrl+Shift+"
    return QKeySequence(f"{modifiers}{(index % 10 + 1) % 10}")


def shortcut_text(index: int) -> str:
    """The shortcut of the ``index``-th view as the user reads it ("" when it has none)."""
    return view_shortcut(index).toString(QKeySequence.SequenceFormat.NativeText)


class NavPanel(QFrame):
    """Buttons for the views, grouped in sections; the current one is checked. ``touch``:
    the compact form of :mod:`.nav_sections` (two touches to any view, no scrolling)."""

    view_requested = Signal(str)
    detach_requested = Signal()

    def __init__(self, plant_name: str, parent: QWidget | None = None, touch: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("navPanel")
        self.setMinimumWidth(180)
        self._layout = layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 8)
        title = QLabel(plant_name)
        title.setProperty("role", "heading")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons = {
            name: self._view_button(i, name, text) for i, (name, text) in enumerate(VIEWS)
        }
        self.sections = [
            NavSection(title, [self.buttons[name] for name, _text in entries], self)
            for title, entries in group_views(VIEWS)
        ]
        self._build_sections(layout)
        layout.addStretch(1)
        self.detach_button = icon_button("detach", " Detach view")
        self.detach_button.setObjectName("nav_detach")
        self.detach_button.setToolTip("Open the current view in its own window")
        self.detach_button.clicked.connect(self.detach_requested.emit)
        layout.addWidget(self.detach_button)
        self.touch, self.opened = touch, self.sections[0].title
        self.set_touch(touch)
        self.set_enabled(False)

    def _view_button(self, index: int, name: str, text: str) -> QPushButton:
        button = icon_button(name, f" {text}")
        button.setProperty("nav", True)
        button.setCheckable(True)
        button.setIconSize(QSize(20, 20))
        button.setObjectName(f"nav_{name}")
        key = shortcut_text(index)
        button.setToolTip(f"{text} ({key})" if key else text)
        button.clicked.connect(lambda _=False, n=name: self.view_requested.emit(n))
        self.group.addButton(button)
        return button

    def _build_sections(self, layout: QVBoxLayout) -> None:
        """Headers first (a fixed column on a touch panel), then caption + body per section."""
        headers = QButtonGroup(self)
        for section in self.sections:
            headers.addButton(section.header)
            section.header.clicked.connect(lambda _=False, t=section.title: self.open_section(t))
            layout.addWidget(section.header)
        for section in self.sections:
            layout.addWidget(section.caption)
            layout.addWidget(section.body)

    def set_touch(self, touch: bool) -> None:
        """Desk form (every view listed) or touch form (sections, one listed at a time)."""
        self.touch = touch
        self._layout.setSpacing(2)  # 14 views and 4 captions fit 820 px on a desk too
        widest = max(b.sizeHint().width() for b in self.buttons.values())
        self.setMinimumWidth(max(180, widest + 8) if touch else 180)  # no shift between sections
        self.detach_button.setVisible(not touch)  # a panel has one screen and no window frame
        self.open_section(self.opened)

    def open_section(self, title: str) -> None:
        """List the views of one section (touch form; on a desk every section is listed)."""
        self.opened = title
        closing_first = sorted(self.sections, key=lambda s: s.title == title)
        for section in closing_first:  # never two lists at once: the window would grow
            section.show_as(self.touch, section.title == title)

    def set_enabled(self, enabled: bool) -> None:
        """Views can be reached once the plant is running."""
        for button in self.buttons.values():
            button.setEnabled(enabled)
        for section in self.sections:
            section.header.setEnabled(enabled)
        self.detach_button.setEnabled(enabled)

    def mark(self, name: str) -> None:
        """Check the button of the shown view (and list its section)."""
        button = self.buttons.get(name)
        if button is None:
            return
        button.setChecked(True)
        for section in self.sections:
            holds = button in section.buttons
            section.mark_current(holds)
            if holds and section.title != self.opened:
                self.open_section(section.title)
