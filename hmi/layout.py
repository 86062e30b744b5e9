"""The workstation layout of the main window: views detached into their own windows (multi-monitor
consoles), docked back, and geometry, current view and detached views kept per workstation in
the settings and restored at the next start."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray

from hmi.settings import read_str_list
from hmi.widgets.detached import DetachedWindow
from hmi.widgets.nav_panel import TITLES, VIEWS

if TYPE_CHECKING:
    from hmi.main_window import MainWindow

log = logging.getLogger(__name__)

DETACHED_SIZE = (1100, 720)


class WindowLayout:
    """Detaches and docks the views of ``window`` and saves / restores its layout."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.settings = window.settings
        self.detached: dict[str, DetachedWindow] = {}

    def detach(self, name: str) -> DetachedWindow | None:
        """Move a view into its own window."""
        window = self.window
        view = window.views.get(name)
        if view is None or name in self.detached:
            return self.detached.get(name)
        window.stack.removeWidget(view)
        detached = DetachedWindow(name, TITLES[name], view)
        detached.closing.connect(self.dock)
        geometry = self.settings.value(f"detached/{name}/geometry")
        if isinstance(geometry, QByteArray):
            detached.restoreGeometry(geometry)
        else:
            detached.resize(*DETACHED_SIZE)
        self.detached[name] = detached
        detached.show()
        if window.current == name:
            window.show_view(next((n for n, _ in VIEWS if n not in self.detached), "overview"))
        log.info("view %s detached", name)
        return detached

    def dock(self, name: str) -> None:
        """Take a detached view back into the main window."""
        detached = self.detached.pop(name, None)
        if detached is None:
            return
        self.settings.setValue(f"detached/{name}/geometry", detached.saveGeometry())
        view = detached.take_view()
        if view is not None:
            self.window.stack.addWidget(view)
            self.window.show_view(name)
        log.info("view %s docked", name)

    def save(self) -> None:
        """Remember geometry, current view and detached views for this workstation."""
        self.settings.setValue("window/geometry", self.window.saveGeometry())
        self.settings.setValue("window/view", self.window.current)
        self.settings.setValue("window/detached", sorted(self.detached))
        for name, detached in self.detached.items():
            self.settings.setValue(f"detached/{name}/geometry", detached.saveGeometry())
        self.settings.sync()

    def restore(self) -> None:
        """Re-open the views detached last time and show the last view."""
        window = self.window
        for name in read_str_list(self.settings, "window/detached"):
            self.detach(name)
        window.show_view(str(self.settings.value("window/view", "overview")))
        if window.current in self.detached or window.stack.currentWidget() is window.phase:
            window.show_view("overview")

    def close_all(self) -> None:
        """Close the detached windows without docking their views (the console is closing)."""
        for detached in list(self.detached.values()):
            detached.closing.disconnect(self.dock)
            detached.close()
