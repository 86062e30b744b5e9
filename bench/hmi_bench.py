"""HMI responsiveness (``python -m bench.hmi_bench [--only pan]``, offscreen):

(a) event-loop latency with 5,000 tags updating at 1 Hz and 8 live trend pens at 10 Hz, the
    whole console on screen (a 10 ms QTimer probe: p99 latency and the longest stall), garbage
    collected as the console does it (:func:`hmi.app.console_gc`); and the full collection
    the GUI thread runs every couple of minutes, timed once after the probe;
(b) panning a trend over 1 year of 1 Hz history (a SQLite store filled through
    ``SampleBackend``): time per pan step, from the request to the redrawn chart;
(c) time to first window, process start to the window on screen (a fresh interpreter).
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from bench.common import Row, print_table, record
from core.config import load_config
from core.model import NS_PER_S, SampleBatch, now_ns
from core.runtime import freeze_startup_heap
from core.store.backend import SampleBackend
from core.tags import TagInfo
from hmi.app import console_gc
from hmi.bridge import LiveBridge
from hmi.context import HmiContext
from hmi.formatting import PlantClock
from hmi.main_window import MainWindow
from hmi.models.alarm_model import AlarmSource
from hmi.operator import OperatorSession
from hmi.settings import open_settings
from hmi.views.trends.view import TrendView
from hmi.workers import WorkerPool

PLANT = """[plant]\nname = "bench"\n[store]\nurl = "sqlite:///bench.db"\n
[security]\nkey_file = "key"\ncheckpoint_file = "checkpoint.json"\n"""
TAGS, PENS, PROBE_MS = 5000, 8, 10
PARTS = ("first-window", "latency", "pan")
"""``--only`` choices: (c), (a) and (b) below."""
DAY_S = 86_400


def _app() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    return app


def _console(directory: Path) -> tuple[object, HmiContext, MainWindow]:
    from core.runtime import Collector

    (directory / "plant.toml").write_text(PLANT, encoding="utf-8")
    collector = Collector(load_config(directory / "plant.toml"))
    workers = WorkerPool()
    bridge = LiveBridge(workers)
    collector.subscribe(bridge.on_batch)
    alarms = AlarmSource.for_collector(collector)
    ctx = HmiContext(
        config=collector.config, collector=collector, alarms=alarms, bridge=bridge,
        workers=workers, settings=open_settings(directory / "settings.ini"),
        operator=OperatorSession(collector.security, workers), clock=PlantClock(),
    )  # fmt: skip
    return collector, ctx, MainWindow(ctx.settings, ctx.clock, player=lambda _p: None)


def _feed(collector: object, ids: np.ndarray, pens: np.ndarray, stop: threading.Event) -> None:
    """5,000 tags once a second (500 every 100 ms) and the pen tags every 100 ms."""
    rng = np.random.default_rng(1)
    step = 0
    while not stop.wait(0.1):
        part = ids[(step % 10) * (TAGS // 10) : (step % 10 + 1) * (TAGS // 10)]
        rows = np.concatenate([part, pens])
        ts = np.full(len(rows), now_ns())
        batch = SampleBatch.from_columns(
            rows, ts, rng.normal(50, 5, len(rows)), np.zeros(len(rows))
        )
        collector.pipeline.submit(batch, source="bench", timeout=1.0)  # type: ignore[attr-defined]
        step += 1


def _probe(app: QApplication, seconds: float) -> np.ndarray:
    """Lateness of a 10 ms timer over ``seconds`` (ms per tick)."""
    clock, late = QElapsedTimer(), []
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        late.append(now - last[0] - PROBE_MS)
        last[0] = now

    timer = QTimer()
    timer.setTimerType(timer.timerType().PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(PROBE_MS)
    QTimer.singleShot(int(seconds * 1000), app.quit)
    app.exec()
    timer.stop()
    return np.maximum(np.array(late, dtype=float), 0.0)


def event_loop_latency(seconds: float) -> list[Row]:
    """(a) The console under 5,000 tags/s plus 8 pens at 10 Hz."""
    app = _app()
    with tempfile.TemporaryDirectory() as tmp, console_gc():
        collector, ctx, window = _console(Path(tmp))
        registry = collector.historian.registry  # type: ignore[attr-defined]
        ids = np.array([registry.declare(TagInfo(0, f"area{i // 500}/dev{i // 50}/t{i}")).id
                        for i in range(TAGS)], dtype=np.int32)  # fmt: skip
        pens = ids[:PENS]
        collector.start()  # type: ignore[attr-defined]
        ctx.alarms.start()
        ctx.bridge.attach(collector, ctx.alarms)
        ctx.bridge.start()
        window.resize(1600, 900)
        window.show()
        window.attach(ctx)
        freeze_startup_heap()  # as the launcher does once the views are built
        trends = window.views["trends"]
        assert isinstance(trends, TrendView)
        window.trend_tag(registry.name_of(int(pens[0])))
        trends.add_pens([registry.name_of(int(t)) for t in pens])
        stop = threading.Event()
        feeder = threading.Thread(target=_feed, args=(collector, ids, pens, stop), daemon=True)
        feeder.start()
        _probe(app, 3.0)  # warm-up: history queries, first paints
        late = _probe(app, seconds)
        began = time.perf_counter()
        gc.collect()
        full_gc_ms = (time.perf_counter() - began) * 1000
        stop.set()
        feeder.join(5)
        updates = ctx.bridge.emitted
        window.close()
        ctx.bridge.stop()
        ctx.alarms.stop()
        collector.stop()  # type: ignore[attr-defined]
    return [
        Row("(a) event-loop latency p99, 5k tags @1 Hz + 8 pens @10 Hz", float(np.percentile(late, 99)), "ms", None, "< 50 ms"),
        Row("(a) longest stall", float(late.max()), "ms", None, "< 100 ms"),
        Row("(a) full garbage collection on the GUI thread", full_gc_ms, "ms", None, "< 100 ms"),
        Row("(a) bridge updates emitted (<= 10/s)", updates / (seconds + 3.0), "/s", None, "<= 10"),
    ]  # fmt: skip


def _fill_year(directory: Path, days: int) -> None:
    from core.counters import Counters
    from core.store.historian import Historian

    (directory / "plant.toml").write_text(PLANT, encoding="utf-8")
    hist = Historian.open(load_config(directory / "plant.toml"), Counters())
    tag = hist.registry.declare(TagInfo(0, "bench/year", unit="kW"))
    backend = SampleBackend(hist.engine)
    backend.write(SampleBatch.empty(), [tag])
    rng, start = np.random.default_rng(3), (now_ns() // NS_PER_S - days * DAY_S) * NS_PER_S
    for day in range(days):
        ts = start + (day * DAY_S + np.arange(DAY_S, dtype=np.int64)) * NS_PER_S
        values = 50 + 10 * np.sin(np.arange(DAY_S) / 3600) + rng.normal(0, 1, DAY_S)
        backend.write(SampleBatch.from_columns(np.full(DAY_S, tag.id), ts, values, np.zeros(DAY_S)))
    backend.close()
    hist.close()


def trend_pan(days: int) -> list[Row]:
    """(b) Pan steps of 10 % over windows from an hour to the whole year."""
    app = _app()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, console_gc():
        began = time.perf_counter()
        _fill_year(Path(tmp), days)
        fill_s = time.perf_counter() - began
        collector, ctx, _window = _console(Path(tmp))
        view = TrendView(ctx)
        view.resize(1600, 800)
        view.show()
        view.add_pen("bench/year")
        end = now_ns()
        for label, span_s in (("1 h", 3600), ("1 day", DAY_S), ("1 week", 7 * DAY_S),
                              ("1 month", 30 * DAY_S), (f"{days} d", days * DAY_S - 60)):  # fmt: skip
            steps = [_pan_step(app, view, end - int(span_s * (1 + k * 0.1)) * NS_PER_S, span_s)
                     for k in range(6)]  # fmt: skip
            rows.append(Row(f"(b) pan step over {days} d of 1 Hz, {label} window (max of 6)",
                            max(steps) * 1000, "ms", None, "< 150 ms"))  # fmt: skip
            rows.append(Row(f"(b) pan step, {label} window (median of 6)",
                            float(np.median(steps)) * 1000, "ms"))  # fmt: skip
        view.close()
        ctx.workers.wait()
        collector.historian.close()  # type: ignore[attr-defined]
    rows.append(Row(f"(b) filling {days} d of 1 Hz history (setup)", fill_s, "s"))
    return rows


def _pan_step(app: QApplication, view: TrendView, start_ns: int, span_s: float) -> float:
    done = threading.Event()
    view.history.loaded.connect(done.set)
    began = time.perf_counter()
    view.set_time_range(start_ns, start_ns + int(span_s * NS_PER_S))
    while not done.is_set() and time.perf_counter() - began < 30:
        app.processEvents()
        time.sleep(0.001)
    view.redraw()
    app.processEvents()
    view.history.loaded.disconnect(done.set)
    return time.perf_counter() - began


def first_window() -> list[Row]:
    """(c) A fresh interpreter: imports, QApplication, theme, main window shown."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "plant.toml").write_text(PLANT, encoding="utf-8")
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
        began = time.perf_counter()
        child = subprocess.run(
            [sys.executable, "-m", "bench.hmi_bench", "--first-window-child", tmp],
            capture_output=True, text=True, timeout=120, env=env, check=True,
        )  # fmt: skip
        total = time.perf_counter() - began
    shown = float(child.stdout.strip().splitlines()[-1])
    return [
        Row("(c) time to first window (process start to window shown)", shown, "s", None, "< 3 s"),
        Row("(c) whole run incl. opening the plant and shutdown", total, "s"),
    ]


def _first_window_child(directory: str) -> None:
    from hmi.app import Launcher

    app = _app()
    config = load_config(Path(directory) / "plant.toml")
    launcher = Launcher(app, config, None, settings_path=Path(directory) / "s.ini",
                        log_dir=Path(directory) / "log", player=lambda _p: None)  # fmt: skip
    shown: list[float] = []

    def on_shown() -> None:
        shown.append(_process_age_s())
        QTimer.singleShot(0, app.quit)

    with console_gc(launcher):
        launcher.start(on_shown)
        app.exec()
        launcher.shutdown()
    sys.stdout.write(f"{shown[0]:.3f}\n")


def _process_age_s() -> float:
    """Seconds since this process started (Linux /proc: interpreter start and imports included)."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the HMI benchmarks; returns the rows (also printed and recorded)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0, help="latency probe duration")
    parser.add_argument("--days", type=int, default=365, help="days of 1 Hz history to pan")
    parser.add_argument("--only", choices=PARTS, action="append", help="run only these parts")
    parser.add_argument("--first-window-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_window_child:
        _first_window_child(args.first_window_child)
        return []
    parts = args.only or list(PARTS)
    rows = [
        *(first_window() if "first-window" in parts else []),
        *(event_loop_latency(args.seconds) if "latency" in parts else []),
        *(trend_pan(args.days) if "pan" in parts else []),
    ]
    print_table("HMI responsiveness (offscreen)", rows)
    record("hmi", rows)
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
