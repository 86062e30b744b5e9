"""Start-up cost: the first window comes without the analytics libraries, and the console's
garbage collection freezes the start-up heap once the plant runs (issue 5)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core.config import load_config
from drivers.registry import build_drivers
from drivers.simulator.config import SimulationConfig
from hmi.app import Launcher, console_gc
from tests.hmi.conftest import write_plant_file

HEAVY = ("statsmodels", "sklearn", "pandas", "scipy.stats")
"""Imported only when an analytics computation first needs them (seconds of imports)."""

FIRST_WINDOW = """
import json, sys
from pathlib import Path
import hmi.app
after_import = sorted(m for m in {heavy!r} if m in sys.modules)
from PySide6.QtWidgets import QApplication
from core.config import load_config
directory = Path(sys.argv[1])
(directory / "plant.toml").write_text(
    '[plant]\\nname = "first window"\\n[store]\\nurl = "sqlite:///plant.db"\\n'
    '[security]\\nkey_file = "key"\\ncheckpoint_file = "checkpoint.json"\\n', encoding="utf-8"
)
app = QApplication(sys.argv[:1])
launcher = hmi.app.Launcher(
    app, load_config(directory / "plant.toml"), None, settings_path=directory / "s.ini",
    log_dir=directory / "log", player=lambda _p: None,
)
launcher.window.show()
app.processEvents()
shown = launcher.window.isVisible()
after_window = sorted(m for m in {heavy!r} if m in sys.modules)
print(json.dumps({{"import": after_import, "window": after_window, "shown": shown}}))
"""


def test_first_window_does_not_import_the_analytics_libraries(tmp_path: Path) -> None:
    """A fresh interpreter: import the app, build and show the main window (no plant yet)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.run(
        [sys.executable, "-c", FIRST_WINDOW.format(heavy=HEAVY), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert child.returncode == 0, child.stderr
    loaded = json.loads(child.stdout.strip().splitlines()[-1])
    assert loaded["shown"]
    assert loaded["import"] == [], "importing hmi.app loads analytics libraries"
    assert loaded["window"] == [], "the first window loads analytics libraries"


def test_console_gc_freezes_the_start_up_heap_once_the_plant_runs(
    simulated_plant: SimulationConfig, qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    config = load_config(write_plant_file(tmp_path, simulated_plant))
    launcher = Launcher(
        qapp,
        config,
        build_drivers,
        settings_path=tmp_path / "settings.ini",
        log_dir=tmp_path / "log",
        player=lambda _p: None,
    )
    qtbot.addWidget(launcher.window)
    enabled = gc.isenabled()
    with console_gc(launcher):
        assert not gc.isenabled(), "collections run on the GUI thread's timer only"
        launcher.start()
        assert gc.get_freeze_count() == 0, "nothing frozen before the plant runs"
        qtbot.waitSignal(launcher.ready, timeout=60_000).wait()  # raises on timeout
        assert gc.get_freeze_count() > 10_000
        launcher.window.close()
        launcher.shutdown()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled() == enabled
