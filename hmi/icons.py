"""Icons: alarm priority and state symbols (SVG in ``resources/icons``) and action icons (qtawesome).

Alarm priority is shown by shape + colour + number (1 critical red diamond, 2 high orange square,
3 medium yellow triangle, 4 low magenta circle); an acknowledged alarm keeps the shape and number
but loses the fill, so the difference never rests on colour alone.
"""

from __future__ import annotations

from functools import cache

import qtawesome as qta
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton, QWidget

from core.config import RESOURCES_DIR

ICONS_DIR = RESOURCES_DIR / "icons"

ACTION_ICONS = {
    "overview": "mdi6.view-dashboard",
    "trends": "mdi6.chart-line",
    "alarms": "mdi6.alarm-light",
    "devices": "mdi6.lan",
    "diagnostics": "mdi6.stethoscope",
    "maintenance": "mdi6.wrench",
    "users": "mdi6.account-group",
    "audit": "mdi6.clipboard-text-clock",
    "reports": "mdi6.file-document-multiple",
    "ack": "mdi6.check",
    "ack_all": "mdi6.check-all",
    "silence": "mdi6.volume-off",
    "sound": "mdi6.volume-high",
    "detach": "mdi6.open-in-new",
    "save": "mdi6.content-save",
    "open": "mdi6.folder-open",
    "export": "mdi6.file-export",
    "image": "mdi6.image",
    "live": "mdi6.play",
    "pause": "mdi6.pause",
    "cursor": "mdi6.cursor-default",
    "write": "mdi6.pencil",
    "comment": "mdi6.comment-text",
    "shelve": "mdi6.archive-arrow-down",
    "unshelve": "mdi6.archive-arrow-up",
    "out_of_service": "mdi6.cancel",
    "return_to_service": "mdi6.restore",
    "search": "mdi6.magnify",
    "refresh": "mdi6.refresh",
    "kpi": "mdi6.chart-bar",
    "browse": "mdi6.file-tree",
    "backspace": "mdi6.backspace",
    "trend_this": "mdi6.chart-line",
    "faceplate": "mdi6.target",
    "add": "mdi6.plus",
    "remove": "mdi6.delete",
    "stack": "mdi6.arrow-expand-vertical",
    "overlay": "mdi6.layers",
}

STATE_ICON_FILES = {
    "shelved": "state-shelved.svg",
    "out_of_service": "state-out-of-service.svg",
    "suppressed": "state-suppressed.svg",
    "normal": "state-normal.svg",
}


DEFAULT_ICON_COLOUR = "#3C3C3C"
ICON_PROPERTY = "actionIcon"


def icon_colour() -> str:
    """The action-icon colour of the current theme (kept on the application object)."""
    app = QApplication.instance()
    colour = app.property("iconColour") if app is not None else None
    return str(colour) if colour else DEFAULT_ICON_COLOUR


def set_icon_colour(colour: str) -> None:
    """Action icons created from now on use this colour (the theme calls it)."""
    app = QApplication.instance()
    if app is not None:
        app.setProperty("iconColour", colour)


def action_icon(name: str) -> QIcon:
    """A monochrome action icon by role name (see :data:`ACTION_ICONS`), in the theme colour."""
    return _tinted(name, icon_colour())


@cache
def _tinted(name: str, colour: str) -> QIcon:
    icon: QIcon = qta.icon(ACTION_ICONS[name], color=colour)
    return icon


def icon_button(name: str, text: str, parent: QWidget | None = None) -> QPushButton:
    """A push button with an action icon that follows theme changes."""
    button = QPushButton(action_icon(name), text, parent)
    button.setProperty(ICON_PROPERTY, name)
    return button


def tag_icon(button: QAbstractButton, name: str) -> None:
    """Give any button an action icon that follows theme changes."""
    button.setIcon(action_icon(name))
    button.setProperty(ICON_PROPERTY, name)


def retint(root: QWidget) -> None:
    """Re-colour the action icons of every button below ``root`` (after a theme change)."""
    for button in root.findChildren(QAbstractButton):
        name = button.property(ICON_PROPERTY)
        if name:
            button.setIcon(action_icon(str(name)))


@cache
def priority_icon(priority: str, acknowledged: bool = False) -> QIcon:
    """The alarm symbol of a priority; hollow when acknowledged."""
    if priority not in ("critical", "high", "medium", "low"):
        priority = "low"
    suffix = "-acked" if acknowledged else ""
    return QIcon(str(ICONS_DIR / f"alarm-{priority}{suffix}.svg"))


@cache
def quiet_priority_icon(priority: str) -> QIcon:
    """The symbol greyed out, for a priority with nothing active (colour only when abnormal)."""
    source = priority_icon(priority)
    return QIcon(source.pixmap(48, 48, QIcon.Mode.Disabled))


@cache
def state_icon(state: str) -> QIcon:
    """Symbol of an overlay state (shelved, out of service, suppressed) or normal."""
    return QIcon(str(ICONS_DIR / STATE_ICON_FILES.get(state, "state-normal.svg")))


@cache
def bad_quality_icon() -> QIcon:
    """The symbol drawn beside a value of bad or uncertain quality."""
    return QIcon(str(ICONS_DIR / "quality-bad.svg"))


def pixmap(icon: QIcon, size: int) -> QPixmap:
    """A square pixmap of an icon."""
    return icon.pixmap(size, size)
