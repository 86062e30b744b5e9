"""The view area of the main window: a stack of views that, on a touch panel, never makes the
window larger than the panel.

On a touch panel (``touch``) each view sits in a frameless scroll area, so a view whose touch-
sized controls need more than the 1280x800 panel scrolls (28 px touch scroll bars, and finger
flicks through :class:`QScroller`) instead of pushing the window past the screen. The stack
is still addressed by the views themselves (``addWidget``, ``setCurrentWidget``,
``currentWidget``, ``indexOf``, ``removeWidget``), so the main window and its tests need not
know about the scroll areas.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QScroller, QStackedWidget, QWidget

log = logging.getLogger(__name__)


class ViewStack(QStackedWidget):
    """A stack of views, each in a scroll area on a touch panel."""

    def __init__(self, touch: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.touch = touch
        self._areas: dict[QWidget, QScrollArea] = {}

    def addWidget(self, view: QWidget) -> int:  # noqa: N802 (Qt API)
        """Add a view (in a scroll area on a touch panel); returns its index."""
        if not self.touch:
            return super().addWidget(view)
        area = QScrollArea()
        area.setObjectName(f"scroll_{view.objectName()}")
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        area.setWidget(view)
        QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        self._areas[view] = area
        return super().addWidget(area)

    def removeWidget(self, view: QWidget) -> None:  # noqa: N802 (Qt API)
        """Take a view out (its scroll area is dropped; the view is left unparented)."""
        area = self._areas.pop(view, None)
        if area is None:
            super().removeWidget(view)
            return
        super().removeWidget(area)
        area.takeWidget()
        area.deleteLater()

    def setCurrentWidget(self, view: QWidget) -> None:  # noqa: N802 (Qt API)
        """Show a view."""
        super().setCurrentWidget(self._areas.get(view, view))

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (Qt API)
        """The shown view (not its scroll area)."""
        return self._view_of(super().currentWidget())

    def _view_of(self, widget: QWidget | None) -> QWidget | None:
        return next((view for view, area in self._areas.items() if area is widget), widget)

    def indexOf(self, view: QWidget) -> int:  # noqa: N802 (Qt API)
        """Index of a view, -1 when it is not in the stack."""
        return super().indexOf(self._areas.get(view, view))

    def set_touch(self, touch: bool) -> None:
        """Switch form at run time: every view is taken out and put back."""
        if touch == self.touch:
            return
        shown = self.currentWidget()
        views = [self._view_of(self.widget(i)) for i in range(self.count())]
        present = [view for view in views if view is not None]
        for view in present:
            self.removeWidget(view)
        self.touch = touch
        for view in present:
            self.addWidget(view)
        if shown is not None:
            self.setCurrentWidget(shown)
