"""The main window's keyboard shortcuts and menus: a shortcut per view (also listed in the Go
menu, so they can be discovered), the dark theme and full screen. A kiosk gets the shortcuts
but no menu bar."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from hmi.widgets.nav_panel import VIEWS, view_shortcut

if TYPE_CHECKING:
    from hmi.main_window import MainWindow

log = logging.getLogger(__name__)


def view_actions(window: MainWindow) -> list[QAction]:
    """One action per view, with its shortcut, added to ``window`` (works without a menu)."""
    actions: list[QAction] = []
    for index, (name, text) in enumerate(VIEWS):
        action = QAction(text, window)
        action.setObjectName(f"go_{name}")
        action.setShortcut(view_shortcut(index))
        action.triggered.connect(lambda _=False, n=name: window.show_view(n))
        window.addAction(action)
        actions.append(action)
    return actions


def install_menus(window: MainWindow) -> list[QAction]:
    """Shortcuts for every view; unless a kiosk, the Go and View menus. Returns the view actions."""
    actions = view_actions(window)
    if window.kiosk:
        return actions
    go = window.menuBar().addMenu("&Go")
    go.addActions(actions)
    menu = window.menuBar().addMenu("&View")
    dark = QAction("Dark control-room theme", window, checkable=True)
    dark.setChecked(window.settings.value("theme", "light") == "dark")
    dark.toggled.connect(lambda on: window.set_theme("dark" if on else "light"))
    menu.addAction(dark)
    window.dark_action = dark
    full = QAction("Full screen", window, checkable=True, shortcut=QKeySequence("F11"))
    full.toggled.connect(lambda on: window.showFullScreen() if on else window.showNormal())
    menu.addAction(full)
    return actions
