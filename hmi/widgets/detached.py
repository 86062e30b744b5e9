"""A view in its own top-level window (multi-monitor consoles); closing it docks the view back."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QWidget


class DetachedWindow(QMainWindow):
    """Holds one view; emits ``closing(name)`` so the main window takes the view back."""

    closing = Signal(str)

    def __init__(self, name: str, title: str, view: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"detached_{name}")
        self.setWindowTitle(f"ControlDeck — {title}")
        self.setCentralWidget(view)
        view.show()

    def take_view(self) -> QWidget | None:
        """Remove and return the view (before docking it back)."""
        return self.takeCentralWidget()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        self.closing.emit(self.name)
        super().closeEvent(event)
