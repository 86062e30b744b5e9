"""Starting the HMI: ``run_gui`` shows the window first, then opens the plant in a worker.

The first window appears before anything slow happens (simulator start-up, database
migrations, driver connections): the banner and status bar show "connecting" meanwhile, and
the views are built once the collector runs. Closing the window stops the bridge, the alarm
system, the collector and the simulator, in that order.

Garbage is collected on the GUI thread only, and the start-up heap is frozen once the views
are built (:func:`console_gc`): a full collection then walks what was allocated since, not
every module and widget. The analytics libraries (statsmodels, scikit-learn, scipy) are not
on the path to the first window: they are imported by the first computation that needs them,
in a worker (``tests/hmi/test_startup_cost.py`` keeps it so).
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from core.config import APP_NAME, ConfigError, PlantConfig, load_config
from core.runtime import DriverFactory, freeze_startup_heap
from hmi.audio import Player
from hmi.bridge import LiveBridge
from hmi.context import HmiContext
from hmi.formatting import PlantClock
from hmi.logging_setup import setup_logging
from hmi.main_window import MainWindow
from hmi.operator import OperatorSession
from hmi.session import PlantSession, demo_config
from hmi.settings import open_settings
from hmi.theme import apply_theme
from hmi.workers import WorkerPool

log = logging.getLogger(__name__)


class _Progress(QObject):
    """Carries start-up progress from the worker to the window."""

    phase = Signal(str)


class Launcher(QObject):
    """Owns the window, the session, the bridge and the workers of one running console."""

    ready = Signal(object)
    """The :class:`HmiContext` once the plant runs."""
    failed = Signal(str)

    def __init__(
        self,
        app: QApplication,
        config: PlantConfig,
        driver_factory: DriverFactory | None,
        *,
        touch: bool = False,
        kiosk: bool = False,
        simulate: bool = False,
        settings_path: Path | None = None,
        log_dir: Path | None = None,
        player: Player | None = None,
    ) -> None:
        super().__init__()
        self.app = app
        self.config = config
        self.touch = touch
        self.kiosk = kiosk
        self.settings = open_settings(settings_path)
        self.theme = str(self.settings.value("theme", "light"))
        self.palette = apply_theme(app, self.theme, touch)
        self.clock = PlantClock(config.plant.timezone)
        self.workers = WorkerPool()
        self.bridge = LiveBridge(self.workers)
        self.session = PlantSession(config, driver_factory, simulate=simulate)
        self.window = MainWindow(
            self.settings,
            self.clock,
            plant_name=config.plant.name,
            touch=touch,
            kiosk=kiosk,
            player=player,
            log_dir=log_dir,
        )
        self.ctx: HmiContext | None = None
        self.progress = _Progress()
        self.progress.phase.connect(self.window.set_phase)

    def start(self, on_first_window: Callable[[], None] | None = None) -> None:
        """Show the window now; open the plant in a worker."""
        if self.kiosk:
            self.window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.window.showFullScreen()
        else:
            self.window.show()
        if on_first_window is not None:
            QTimer.singleShot(0, on_first_window)
        session, subscriber, phase = self.session, self.bridge.on_batch, self.progress.phase
        self.workers.submit(
            lambda: session.open([subscriber], phase.emit),
            self._opened,
            self._open_failed,
            context=self,
            name="open-plant",
        )

    def _opened(self, _result: object) -> None:
        collector, alarms = self.session.collector, self.session.alarms
        assert collector is not None and alarms is not None
        operator = OperatorSession(collector.security, self.workers, self)
        self.app.installEventFilter(operator)
        self.ctx = HmiContext(
            config=self.config,
            collector=collector,
            alarms=alarms,
            bridge=self.bridge,
            workers=self.workers,
            settings=self.settings,
            clock=self.clock,
            operator=operator,
            palette=self.palette,
            touch=self.touch,
        )
        self.bridge.attach(collector, alarms)
        self.bridge.start()
        self.window.attach(self.ctx)
        self.ready.emit(self.ctx)

    def _open_failed(self, exc: BaseException) -> None:
        message = f"The plant could not be opened: {exc}"
        log.error("%s", message)
        self.window.set_phase(message)
        self.failed.emit(message)
        if not self.kiosk and interactive():
            QMessageBox.critical(self.window, APP_NAME, message)

    def shutdown(self) -> None:
        """Stop everything (after the event loop ended); the operator's session ends too."""
        if self.ctx is not None and self.ctx.operator.logged_on:
            self.ctx.operator.logout("console closed")
        self.bridge.stop()
        self.workers.wait(30_000)
        self.session.close()
        log.info("console closed")


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    log.critical("uncaught exception", exc_info=(kind, exc, tb))


def interactive() -> bool:
    """True on a real display (message boxes would block an offscreen run forever)."""
    return QGuiApplication.platformName() not in ("offscreen", "minimal")


def load_plant(config_path: Path | None) -> PlantConfig:
    """The plant file, or the built-in demo (its store in the user data directory)."""
    return demo_config() if config_path is None else load_config(config_path)


def run_gui(
    config_path: Path | None,
    *,
    touch: bool = False,
    kiosk: bool = False,
    driver_factory: DriverFactory | None,
    simulate: bool = False,
) -> int:
    """Run the HMI until its window is closed; exit code 0, 2 for a bad config, 1 on failure.

    ``config_path`` None opens the built-in demo plant (its store in the user data directory);
    ``simulate`` runs the simulated plant in-process (what the demo connects to).
    """
    started = time.perf_counter()
    setup_logging()
    sys.excepthook = _log_uncaught
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    try:
        config = load_plant(config_path)
    except ConfigError as exc:
        log.error("%s", exc)
        if interactive():
            QMessageBox.critical(None, APP_NAME, str(exc))
        return 2
    launcher = Launcher(app, config, driver_factory, touch=touch, kiosk=kiosk, simulate=simulate)
    failures: list[str] = []
    launcher.failed.connect(failures.append)

    def first_window() -> None:
        log.info("first window after %.2f s", time.perf_counter() - started)

    with console_gc(launcher):
        launcher.start(first_window)
        code = app.exec()
        launcher.shutdown()
    return 1 if failures and code == 0 else int(code)


def gui_thread_gc(interval_s: float = 1.0) -> GarbageCollector:
    """Collect reference cycles on the GUI thread only (pyqtgraph's collector, on a timer).

    Python's automatic collection runs on whichever thread crosses the threshold, often a
    worker; a widget in a cycle freed there leaves its timers registered with the GUI
    thread's dispatcher, which later fires one into freed memory (a segfault in
    ``QTimerInfoList::activateTimers``). Keep the returned object for the event loop's life.
    """
    return GarbageCollector(interval=interval_s)


@contextmanager
def console_gc(launcher: Launcher | None = None, interval_s: float = 1.0) -> Iterator[None]:
    """Garbage collection as the console runs it, for the event loop's life: on the GUI thread
    (:func:`gui_thread_gc`), the start-up heap frozen once ``launcher`` is ready
    (:func:`freeze_startup_heap`; without a launcher the caller freezes). On exit the heap is
    unfrozen and automatic collection is back as it was."""
    was_enabled = gc.isenabled()
    collector = gui_thread_gc(interval_s)
    if launcher is not None:
        launcher.ready.connect(lambda _ctx: freeze_startup_heap())
    try:
        yield
    finally:
        collector.timer.stop()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
