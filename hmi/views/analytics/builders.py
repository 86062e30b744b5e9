"""How the main window builds the analytics views, and "trend this" over an event's window.

Each builder imports its view when it runs (when the plant is open), not when the main window
is imported: the views pull the analytics core (units, the model registry, energy
accounting), which the first window does not need.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from PySide6.QtWidgets import QWidget

from hmi.context import HmiContext
from hmi.views.trends.view import TrendView

log = logging.getLogger(__name__)


class ViewHost(Protocol):
    """What the analytics views need of the main window."""

    views: dict[str, QWidget]

    def show_view(self, name: str) -> None:
        """Bring a view to front."""


def trend_window(host: ViewHost, tag: str, start_ns: int, end_ns: int) -> None:
    """Add a pen for ``tag`` (if it has none), show ``[start_ns, end_ns]`` and the trends."""
    view = host.views.get("trends")
    if not isinstance(view, TrendView):
        log.warning("no trend view to show %s in", tag)
        return
    view.add_pen(tag)
    view.set_time_range(start_ns, end_ns)
    host.show_view("trends")


def _energy(ctx: HmiContext) -> QWidget:
    from hmi.views.analytics.energy import EnergyView

    return EnergyView(ctx)


def _forecast(ctx: HmiContext) -> QWidget:
    from hmi.views.analytics.forecast import ForecastView

    return ForecastView(ctx)


def _anomalies(ctx: HmiContext, host: ViewHost) -> QWidget:
    from hmi.views.analytics.anomalies import AnomaliesView

    return AnomaliesView(ctx, lambda t, a, b: trend_window(host, t, a, b))


def _health(ctx: HmiContext) -> QWidget:
    from hmi.views.analytics.health import HealthView

    return HealthView(ctx)


def _models(ctx: HmiContext) -> QWidget:
    from hmi.views.analytics.models import ModelCenterView

    return ModelCenterView(ctx)


def analytics_builders(ctx: HmiContext, host: ViewHost) -> dict[str, Callable[[], QWidget]]:
    """Builders of the analytics views by navigation name (see :mod:`.nav`)."""
    return {
        "energy": lambda: _energy(ctx),
        "forecast": lambda: _forecast(ctx),
        "anomalies": lambda: _anomalies(ctx, host),
        "health": lambda: _health(ctx),
        "models": lambda: _models(ctx),
    }
