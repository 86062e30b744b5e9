"""The analytics part of the screenshot tour (``python -m hmi.screenshots``): add history to the
tour's temporary store (:mod:`.showcase`), then show and photograph Energy, Forecast, Anomalies
(and the trend it opens, with the anomaly shaded), Health & RUL and the Model Center, and Energy
and Forecast again in the dark theme.

Steps are plain callables run one after another by the photographer; a waiting step puts itself
back at the front of the queue until its computation has finished (bounded).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from core.model import now_ns
from hmi.background import BackgroundTask
from hmi.context import HmiContext
from hmi.session import simulation_config_for
from hmi.tour import Step, Tour
from hmi.views.analytics.anomalies import AnomaliesView
from hmi.views.analytics.energy import EnergyView
from hmi.views.analytics.forecast import ForecastView
from hmi.views.analytics.health import HealthView
from hmi.views.analytics.models import ModelCenterView
from hmi.views.analytics.showcase import (
    MACHINE_TAG,
    METER,
    POWER_TAG,
    Showcase,
    seed_showcase,
)

log = logging.getLogger(__name__)

SHOTS = (
    "energy",
    "forecast",
    "anomalies",
    "trends-anomaly",
    "health",
    "models",
    "energy-dark",
    "forecast-dark",
)
"""The pictures this tour takes."""


class AnalyticsTour(Tour):
    """Seeds history, then walks the analytics views; ``snap(name)`` saves a picture and
    ``pending()`` is the photographer's queue of remaining steps."""

    def __init__(
        self,
        window: Any,
        ctx: HmiContext,
        snap: Callable[[str], None],
        pending: Callable[[], list[Step]],
    ) -> None:
        super().__init__(window, ctx, snap, pending)
        self.showcase: Showcase | None = None
        self.failed = False

    def steps(self) -> list[Step]:
        """Every step of the analytics tour, in order."""
        return [
            self._seed,
            self._until(lambda: self.showcase is not None or self.failed),
            self._energy,
            self._until(lambda: self._idle("energy")),
            self._select_meter,
            lambda: self.snap("energy"),
            self._forecast,
            self._until(lambda: self._idle("forecast")),
            lambda: self.snap("forecast"),
            self._anomalies,
            self._until(lambda: self._idle("anomalies")),
            self._select_first_event,
            self._until(lambda: not self._view("anomalies").preview_task.busy),
            lambda: self.snap("anomalies"),
            lambda: self._view("anomalies").trend_selected(),
            self._until(lambda: bool(self._view("trends").anomalies.markers)),
            lambda: self.snap("trends-anomaly"),
            self._health,
            self._until(lambda: self._idle("health") and not self._view("health").rul.task.busy),
            lambda: self._view("health").select_device(METER),
            self._until(lambda: self._idle("health")),
            lambda: self.snap("health"),
            lambda: self.window.show_view("models"),
            self._until(lambda: self._idle("models")),
            self._compare_models,
            self._until(lambda: self._idle("models")),
            lambda: self.snap("models"),
            self._dark,
            lambda: self.snap("energy-dark"),
            lambda: self.window.show_view("forecast"),
            lambda: self.snap("forecast-dark"),
            lambda: self.window.set_theme("light"),
        ]

    def _view(self, name: str) -> Any:
        return self.window.views[name]

    def _idle(self, name: str) -> bool:
        task = getattr(self._view(name), "task", None)
        return isinstance(task, BackgroundTask) and not task.busy

    def _seed(self) -> None:
        sim = simulation_config_for(self.ctx.config)
        collector = self.ctx.collector
        self.ctx.workers.submit(
            lambda: seed_showcase(collector, sim.seed, sim.utc_offset_s),
            lambda found: setattr(self, "showcase", found),
            lambda exc: setattr(self, "failed", True),
            name="showcase",
        )

    def _energy(self) -> None:
        view: EnergyView = self._view("energy")
        self.window.show_view("energy")
        view.picker.preset.setCurrentText("last 7 days")
        view.grouping.setCurrentText("day")
        view.calculate()

    def _select_meter(self) -> None:
        view: EnergyView = self._view("energy")
        for row in range(view.proxy.rowCount()):
            if view.proxy.record(row).name == METER:
                view.table.selectRow(row)

    def _forecast(self) -> None:
        view: ForecastView = self._view("forecast")
        self.window.show_view("forecast")
        view.choose("tag", POWER_TAG, "next 24 h")
        view.fit()

    def _anomalies(self) -> None:
        view: AnomaliesView = self._view("anomalies")
        self.window.show_view("anomalies")
        view.picker.preset.setCurrentText("last 30 days")

    def _select_first_event(self) -> None:
        view: AnomaliesView = self._view("anomalies")
        if view.proxy.rowCount():
            view.table.selectRow(0)

    def _health(self) -> None:
        view: HealthView = self._view("health")
        self.window.show_view("health")
        view.refresh()
        seeded = self.showcase is not None and self.showcase.machine_samples > 0
        tag, threshold = (MACHINE_TAG, 110.0) if seeded else (POWER_TAG, 20_000.0)
        view.rul.choose(tag, threshold, 30)
        view.rul.estimate(now_ns())

    def _compare_models(self) -> None:
        view: ModelCenterView = self._view("models")
        versions = self.showcase.model_versions if self.showcase is not None else []
        if len(versions) >= 2:
            view.select_version(POWER_TAG, "forecast", versions[0])
            view.select_version(POWER_TAG, "forecast", versions[1], add=True)
            view.compare_selected()

    def _dark(self) -> None:
        self.window.set_theme("dark")
        self.window.show_view("energy")
