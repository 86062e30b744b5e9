"""The navigation panel: one button per view (one click to any view), plus "detach"."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QButtonGroup, QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from hmi.icons import icon_button
from hmi.views.analytics.nav import analytics_nav_entries

VIEWS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("trends", "Trends"),
    ("alarms", "Alarms"),
    ("devices", "Devices"),
    ("diagnostics", "Diagnostics"),
    ("maintenance", "Maintenance"),
    *analytics_nav_entries(),
    ("users", "Users"),
    ("audit", "Audit"),
)
TITLES = dict(VIEWS)


class NavPanel(QFrame):
    """Buttons for the views; the current one is checked."""

    view_requested = Signal(str)
    detach_requested = Signal()

    def __init__(self, plant_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("navPanel")
        self.setMinimumWidth(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 8)
        title = QLabel(plant_name)
        title.setProperty("role", "heading")
        title.setWordWrap(True)
        layout.addWidget(title)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QPushButton] = {}
        for index, (name, text) in enumerate(VIEWS):
            button = icon_button(name, f" {text}")
            button.setProperty("nav", True)
            button.setCheckable(True)
            button.setIconSize(QSize(20, 20))
            button.setObjectName(f"nav_{name}")
            button.setToolTip(f"{text} (Ctrl+{index + 1})")
            button.clicked.connect(lambda _=False, n=name: self.view_requested.emit(n))
            self.group.addButton(button)
            self.buttons[name] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self.detach_button = icon_button("detach", " Detach view")
        self.detach_button.setObjectName("nav_detach")
        self.detach_button.setToolTip("Open the current view in its own window")
        self.detach_button.clicked.connect(self.detach_requested.emit)
        layout.addWidget(self.detach_button)
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        """Views can be reached once the plant is running."""
        for button in self.buttons.values():
            button.setEnabled(enabled)
        self.detach_button.setEnabled(enabled)

    def mark(self, name: str) -> None:
        """Check the button of the shown view."""
        button = self.buttons.get(name)
        if button is not None:
            button.setChecked(True)
