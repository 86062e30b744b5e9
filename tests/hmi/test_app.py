"""Start-up: the window shows "connecting" first, the plant opens in a worker, shutdown is clean."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.config import load_config
from drivers.registry import build_drivers
from drivers.simulator.config import SimulationConfig
from hmi.app import Launcher, run_gui
from hmi.widgets.nav_panel import VIEWS
from tests.hmi.conftest import write_plant_file


def test_window_first_then_the_plant(
    simulated_plant: SimulationConfig, qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    config = load_config(write_plant_file(tmp_path, simulated_plant))
    played: list[str] = []
    launcher = Launcher(
        qapp,
        config,
        build_drivers,
        settings_path=tmp_path / "settings.ini",
        log_dir=tmp_path / "log",
        player=played.append,
    )
    window = launcher.window
    qtbot.addWidget(window)
    shown: list[bool] = []
    launcher.start(lambda: shown.append(window.isVisible()))
    assert window.isVisible()
    assert window.views == {}, "views come once the plant runs"
    assert not window.nav.buttons["trends"].isEnabled()
    with qtbot.waitSignal(launcher.ready, timeout=60_000):
        pass
    assert shown == [True]
    assert set(window.views) == {name for name, _title in VIEWS}
    assert {"overview", "trends", "alarms", "devices", "diagnostics", "maintenance"} <= set(
        window.views
    )
    assert {"users", "audit", "energy", "forecast", "anomalies", "health", "models"} <= set(
        window.views
    )
    assert window.phase.text() == "running"
    assert launcher.ctx is not None and launcher.ctx.user == "", "nobody logged on yet"
    qtbot.waitUntil(lambda: bool(window.status.driver_labels), timeout=10_000)
    window.close()
    launcher.shutdown()
    assert launcher.session.collector is None and launcher.session.alarms is None


def test_a_broken_plant_file_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "plant.toml"
    broken.write_text("[plant]\ntimezone = 'Mars/Olympus'\n", encoding="utf-8")
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    before = list(logging.getLogger().handlers)
    try:
        assert run_gui(broken, driver_factory=build_drivers) == 2
        assert run_gui(tmp_path / "missing.toml", driver_factory=build_drivers) == 2
    finally:
        for handler in set(logging.getLogger().handlers) - set(before):
            logging.getLogger().removeHandler(handler)
            handler.close()
