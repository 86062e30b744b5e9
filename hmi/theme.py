"""ISA-101 themes: the QSS files in ``resources/themes`` and the colours custom painting needs.

Normal states are grey and low in contrast; colour is reserved for abnormal and alarm states,
and never the only cue (alarm priority is shape + colour + number). The alarm colours are the
same in both themes so an operator moving between consoles sees the same signals.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QWidget

from core.config import RESOURCES_DIR
from hmi.icons import set_icon_colour

log = logging.getLogger(__name__)

THEMES_DIR = RESOURCES_DIR / "themes"
THEME_NAMES = ("light", "dark")
TOUCH_MIN_TARGET_PX = 48

PRIORITY_COLOURS = {
    "critical": "#D40000",
    "high": "#F07800",
    "medium": "#FFD200",
    "low": "#B000B0",
}
"""Alarm colours (reserved: nothing else on a display uses them)."""

PRIORITY_NUMBERS = {"critical": 1, "high": 2, "medium": 3, "low": 4}
PRIORITY_SHAPES = {"critical": "diamond", "high": "square", "medium": "triangle", "low": "circle"}


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours for what QSS cannot reach (plots, tiles painted by hand)."""

    name: str
    background: str
    panel: str
    text: str
    muted: str
    grid: str
    normal_band: str
    bad_quality: str
    icon: str
    pens: tuple[str, ...]


LIGHT = Palette(
    name="light",
    background="#DCDCDC",
    panel="#E6E6E6",
    text="#1E1E1E",
    muted="#6A6A6A",
    grid="#BEBEBE",
    normal_band="#C8C8C8",
    bad_quality="#2F5F9F",
    icon="#3C3C3C",
    pens=(
        "#1F3F66",
        "#2E5E30",
        "#6B4423",
        "#4B3F72",
        "#1F5F5F",
        "#404040",
        "#5F5F1F",
        "#6A3A4A",
    ),
)

DARK = Palette(
    name="dark",
    background="#262626",
    panel="#303030",
    text="#D2D2D2",
    muted="#8C8C8C",
    grid="#404040",
    normal_band="#3A3A3A",
    bad_quality="#7FA8E0",
    icon="#BEBEBE",
    pens=(
        "#8FB3DE",
        "#8CC08E",
        "#D2A37A",
        "#B3A6E0",
        "#7EC4C4",
        "#BEBEBE",
        "#C8C87A",
        "#D59AAE",
    ),
)


def palette_for(name: str) -> Palette:
    """The palette of a theme (``light`` or ``dark``)."""
    return DARK if name == "dark" else LIGHT


def stylesheet(name: str, touch: bool = False) -> str:
    """The QSS text of a theme, with the touch additions when ``touch``."""
    if name not in THEME_NAMES:
        raise ValueError(f"unknown theme {name!r} (known: {', '.join(THEME_NAMES)})")
    parts = [_read(THEMES_DIR / f"{name}.qss")]
    if touch:
        parts.append(_read(THEMES_DIR / "touch.qss"))
    return "\n".join(parts)


def _read(path: Path) -> str:
    """A QSS file with ``@ICONS@`` replaced by the icons folder (indicator images)."""
    icons = (RESOURCES_DIR / "icons").as_posix()
    return path.read_text(encoding="utf-8").replace("@ICONS@", icons)


def apply_theme(app: QApplication, name: str, touch: bool = False) -> Palette:
    """Install a theme on the whole application; returns its palette."""
    app.setStyle("Fusion")
    font = QFont(app.font())
    font.setPointSizeF(14.0 if touch else 10.0)
    app.setFont(font)
    app.setStyleSheet(stylesheet(name, touch))
    app.setProperty("touch", touch)
    set_icon_colour(palette_for(name).icon)
    log.info("theme %s%s applied", name, " (touch)" if touch else "")
    return palette_for(name)


def priority_colour(priority: str) -> QColor:
    """The reserved colour of an alarm priority."""
    return QColor(PRIORITY_COLOURS.get(priority, "#808080"))


def set_property(widget: QWidget, name: str, value: object) -> None:
    """Set a dynamic property used by the QSS and re-polish so the style follows."""
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
