"""The analytics views' entries in the navigation panel, and their icons.

Kept free of heavy imports: the navigation panel reads it before any view is built.
"""

from __future__ import annotations

import logging

from hmi.icons import ACTION_ICONS

log = logging.getLogger(__name__)

ANALYTICS_VIEWS: tuple[tuple[str, str], ...] = (
    ("energy", "Energy, CO2e"),
    ("forecast", "Forecast"),
    ("anomalies", "Anomalies"),
    ("health", "Health, RUL"),
    ("models", "Model Center"),
)
"""(view name, navigation text), in navigation order (no "&": buttons read it as a shortcut)."""

ANALYTICS_ICONS: dict[str, str] = {
    "energy": "mdi6.lightning-bolt",
    "forecast": "mdi6.chart-bell-curve-cumulative",
    "anomalies": "mdi6.alert-decagram-outline",
    "health": "mdi6.heart-pulse",
    "models": "mdi6.database-cog",
    "calculate": "mdi6.calculator",
    "promote": "mdi6.arrow-up-bold-box",
    "rollback": "mdi6.undo-variant",
    "compare": "mdi6.swap-horizontal",
}
"""qtawesome glyphs of the analytics views and their actions (role name -> glyph)."""


def register_analytics_icons() -> None:
    """Make the analytics icons known to :func:`hmi.icons.action_icon` (idempotent; names
    already known are left alone)."""
    for name, glyph in ANALYTICS_ICONS.items():
        ACTION_ICONS.setdefault(name, glyph)


def analytics_nav_entries() -> tuple[tuple[str, str], ...]:
    """The navigation entries of the analytics views, their icons registered first."""
    register_analytics_icons()
    return ANALYTICS_VIEWS
