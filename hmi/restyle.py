"""Carrying a theme change into what the style sheet does not reach (plots, painted tiles,
action icons)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from hmi.icons import retint
from hmi.theme import Palette
from hmi.views.trends.view import TrendView
from hmi.widgets.kpi_tile import KpiTile


def restyle(root: QWidget, palette: Palette) -> None:
    """Carry a theme change into what QSS does not reach: plots, painted tiles, icons."""
    for view in root.findChildren(pg.GraphicsView):
        view.setBackground(palette.panel)
    for tile in root.findChildren(KpiTile):
        tile.set_palette(palette)
    for trend in root.findChildren(TrendView):
        trend.set_palette(palette)
    retint(root)
    relayout(root)


def relayout(root: QWidget) -> None:
    """Have every widget and layout under ``root`` measure again: a theme change (the touch
    additions above all) changes fonts, paddings and minimum sizes of widgets already laid out."""
    for widget in (root, *root.findChildren(QWidget)):
        layout = widget.layout()
        if layout is not None:
            layout.invalidate()
        widget.updateGeometry()
