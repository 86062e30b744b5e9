"""Retraining on a schedule (injected clock) and on demand, with the promotion policies."""

from __future__ import annotations

import numpy as np
import pytest

from core.analytics.forecast import FittedEnsemble, ForecastSettings
from core.analytics.forecast.training import FORECAST_KIND, ForecastTrainer
from core.analytics.registry import ModelRegistry, Retrainer, RetrainJob, TrainedModel
from tests.core.analytics.forecast.conftest import HOUR_NS, START_NS, plant_load
from tests.core.analytics.registry.conftest import FakeClock

DAY_S = 86_400.0


class ScriptedTrainer:
    """Returns models whose metric follows a script; fails when the script says None."""

    def __init__(self, maes: list[float | None]) -> None:
        self.maes = list(maes)
        self.windows: list[tuple[int, int]] = []

    def __call__(self, subject: str, start_ns: int, end_ns: int) -> TrainedModel:
        self.windows.append((start_ns, end_ns))
        mase = self.maes.pop(0)
        if mase is None:
            raise RuntimeError("training data unavailable")
        return TrainedModel({"subject": subject, "mase": mase}, {"window_days": 7}, {"mase": mase})


def make(
    registry: ModelRegistry, clock: FakeClock, trainer: ScriptedTrainer, **job: object
) -> Retrainer:
    spec = RetrainJob("line1.power", "forecast", every_s=DAY_S, window_s=7 * DAY_S, **job)  # type: ignore[arg-type]
    return Retrainer(registry, {"forecast": trainer}, [spec], clock)


def test_schedule_and_if_better_promotion(registry: ModelRegistry, clock: FakeClock) -> None:
    trainer = ScriptedTrainer([0.8, 0.9, 0.5])
    retrainer = make(registry, clock, trainer)
    (first,) = retrainer.run_due()
    assert first.promoted and first.reason == "first version"
    assert trainer.windows[0] == (clock.now_ns - int(7 * DAY_S * 1e9), clock.now_ns)
    clock.advance(DAY_S - 1)
    assert retrainer.run_due() == []
    clock.advance(1)
    (worse,) = retrainer.run_due()
    assert not worse.promoted and "not better" in worse.reason
    clock.advance(DAY_S)
    (better,) = retrainer.run_due()
    assert better.promoted
    assert registry.active("line1.power", "forecast").version == 3  # type: ignore[union-attr]
    assert [v.author for v in registry.versions("line1.power", "forecast")] == ["scheduler"] * 3


@pytest.mark.parametrize(
    ("policy", "promoted"), [("always", [True, True]), ("never", [False, False])]
)
def test_fixed_policies(
    registry: ModelRegistry, clock: FakeClock, policy: str, promoted: list[bool]
) -> None:
    retrainer = make(registry, clock, ScriptedTrainer([0.5, 0.9]), promote=policy)
    outcomes = [retrainer.retrain("line1.power", "forecast", author="alice") for _ in range(2)]
    assert [o.promoted for o in outcomes] == promoted


def test_failure_is_retried_after_retry_s(registry: ModelRegistry, clock: FakeClock) -> None:
    retrainer = make(registry, clock, ScriptedTrainer([None, 0.7]), retry_s=600.0)
    assert retrainer.run_due() == []
    clock.advance(599)
    assert retrainer.due() == []
    clock.advance(1)
    (outcome,) = retrainer.run_due()
    assert outcome.version.version == 1


def test_schedule_survives_a_restart(registry: ModelRegistry, clock: FakeClock) -> None:
    make(registry, clock, ScriptedTrainer([0.5])).run_due()
    first_run = clock.now_ns
    clock.advance(3600)
    job = RetrainJob("line1.power", "forecast", every_s=DAY_S, window_s=7 * DAY_S)
    restarted = Retrainer(registry, {"forecast": ScriptedTrainer([0.4])}, [job], clock)
    assert restarted.due() == []
    assert restarted.next_run_ns(job) == first_run + int(DAY_S * 1e9)


def test_unknown_kind_and_subject(registry: ModelRegistry, clock: FakeClock) -> None:
    job = RetrainJob("line1.power", "anomaly", every_s=DAY_S, window_s=DAY_S)
    with pytest.raises(ValueError, match="no trainer"):
        Retrainer(registry, {"forecast": ScriptedTrainer([])}, [job], clock)
    with pytest.raises(KeyError):
        make(registry, clock, ScriptedTrainer([])).retrain("other", "forecast")


def test_bad_jobs() -> None:
    with pytest.raises(ValueError):
        RetrainJob("a", "b", every_s=0, window_s=1)
    with pytest.raises(ValueError):
        RetrainJob("a", "b", every_s=1, window_s=1, promote="sometimes")


def test_forecast_trainer_end_to_end(registry: ModelRegistry, clock: FakeClock) -> None:
    ts, values = plant_load(days=12)

    def source(subject: str, start_ns: int, end_ns: int) -> tuple[np.ndarray, np.ndarray]:
        keep = (ts >= start_ns) & (ts < end_ns)
        return ts[keep], values[keep]

    clock.now_ns = int(ts[-1]) + HOUR_NS
    trainer = ForecastTrainer(source, ForecastSettings(horizon=24))
    job = RetrainJob("site.power", FORECAST_KIND, every_s=DAY_S, window_s=12 * DAY_S)
    retrainer = Retrainer(registry, {FORECAST_KIND: trainer}, [job], clock)
    (outcome,) = retrainer.run_due()
    assert outcome.promoted
    version = outcome.version
    assert version.train_start_ns == clock.now_ns - int(12 * DAY_S * 1e9)
    assert version.params["seasons"] == [24]
    assert version.params["samples"] == 12 * 24
    assert 0 < version.metrics["mase"] < version.metrics["naive_mase"]
    loaded = registry.load("site.power", FORECAST_KIND).model
    assert isinstance(loaded, FittedEnsemble)
    forecast = loaded.predict(24)
    assert forecast.ts_ns[0] == START_NS + 12 * 24 * HOUR_NS
    assert forecast.metrics.mase == pytest.approx(version.metrics["mase"])
