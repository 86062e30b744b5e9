"""Compliance report benchmark:
``python -m bench.report_bench [--tags 1000] [--days 365] [--interval-min 10] [--db DIR]``.

Populated first (not timed), in a SQLite store, for ``--tags`` tags on ``tags / 10`` machines
in 5 areas of one site (region DE), every tag one sample every ``--interval-min`` minutes for
``--days`` days, written with :class:`SampleBackend` a week at a time (raw rows plus the 1-minute
and 1-hour rollups in the same transactions): per machine active power (W, an energy meter),
a run state, a parts counter (pcs), a temperature with a few excursions a month, and six
analog process values. The alarm journal comes from the real :class:`AlarmEngine` fed with
every machine's temperature a day at a time (a high alarm per machine, priorities mixed, high
ones opening maintenance tickets), an operator acknowledging once a day, each acknowledgement
also an ``acknowledge`` row of the real audit trail. ``--db DIR`` keeps the store and reuses it
on the next run with the same parameters.

Timed: the compliance report over the whole period as PDF, generated in a worker thread
(``ThreadPoolExecutor``) while a monitor thread samples the process RSS every 20 ms; then the
same as CSV, and ``verify`` of the PDF.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from bench.common import Row, print_table, record, timer
from core.alarms.actions import ALL_VISIBLE
from core.alarms.config import parse_alarm_sections
from core.alarms.system import build_alarm_system
from core.config import load_config
from core.model import NS_PER_S, SampleBatch
from core.reports.request import ReportRequest
from core.reports.service import ReportService
from core.security.events import AuditAction, AuditEvent
from core.security.roles import Role
from core.security.service import SecurityServices
from core.store.backend import SampleBackend
from core.store.historian import Historian
from core.tags import TagInfo

log = logging.getLogger(__name__)

START = 1_735_686_000 * NS_PER_S  # 2025-01-01T00:00:00+01:00
DAY = 86_400 * NS_PER_S
PASSWORD = "bench-password-0123"
KINDS = (
    ("power", "W"), ("running", ""), ("parts", "pcs"), ("temperature", "°C"), ("pressure", "bar"),
    ("vibration", "mm/s"), ("current", "A"), ("flow", "m3/h"), ("level", "%"), ("voltage", "V"),
)  # fmt: skip
AREAS = ("press", "paint", "assembly", "packing", "utilities")


def plant_toml(machines: int) -> str:
    """The benchmark plant: one site, five areas, the machines, a temperature alarm each."""
    parts = [
        '[plant]\nname = "Benchmark plant"\ntimezone = "Europe/Berlin"\n',
        '[store]\nurl = "sqlite:///bench.db"\n',
        '[security]\nkey_file = "installation.key"\ncheckpoint_file = "checkpoint.json"\n'
        'station = "bench"\n[security.hashing]\nmemory_kib = 19456\ntime_cost = 2\n',
        '[maintenance]\nauto_ticket_priority = "high"\n',
        "[energy]\nmax_gap_s = 1800.0\n",  # power sampled every 10 min is bridged
        '[[sites]]\nname = "Site"\nregion = "DE"\n',
        *(f'[[areas]]\nname = "{a}"\nsite = "Site"\n' for a in AREAS),
    ]
    for m in range(machines):
        area, priority = AREAS[m % len(AREAS)], ("low", "medium", "high")[m % 3]
        parts.append(f'[[devices]]\nname = "m{m:03d}"\narea = "{area}"\n')
        parts.append(
            f'[[alarms]]\ntag = "m{m:03d}/temperature"\ntype = "high"\nlimit = 80.0\n'
            f'deadband = 1.0\npriority = "{priority}"\narea = "{area}"\n'
        )
    return "\n".join(parts)


def week_values(tags: int, ts: np.ndarray, seed: int) -> np.ndarray:
    """Values of every tag (rows) at ``ts`` (columns)."""
    rng = np.random.default_rng(seed)
    hour = ((ts - START) % DAY) / 3.6e12
    weekday = ((ts - START) // DAY + 2) % 7  # 2025-01-01 was a Wednesday
    running = ((weekday < 5) & (hour >= 6) & (hour < 22)).astype(float)
    load = 0.3 + 0.6 * running * (0.8 + 0.2 * np.sin(hour / 24 * 2 * np.pi))
    out = np.empty((tags, ts.size))
    for k in range(tags):
        kind, step = KINDS[k % 10][0], ts.size
        noise = rng.normal(0, 1, step)
        out[k] = {
            "power": 5000 + 3000 * load + 50 * noise,
            "running": running,
            "temperature": 60 + 12 * load + noise,
        }.get(kind, 100 * (1 + k % 7) + 5 * load + noise)
    return out


def populate(directory: Path, tags: int, days: int, interval_min: int) -> int:
    """Write the plant and its history; returns the number of samples written."""
    machines = tags // 10
    (directory / "plant.toml").write_text(plant_toml(machines), encoding="utf-8")
    config = load_config(directory / "plant.toml")
    hist = Historian.open(config)
    clock = _Clock(START)
    try:
        names = [f"m{k // 10:03d}/{KINDS[k % 10][0]}" for k in range(tags)]
        for k, name in enumerate(names):
            hist.registry.declare(TagInfo(0, name, name.split("/")[0], KINDS[k % 10][1]))
        backend = SampleBackend(hist.engine)
        backend.write(SampleBatch.empty(), hist.registry.pending())
        ids = np.array([hist.registry.resolve(n) for n in names], dtype=np.int64)
        services = SecurityServices.open(config, hist.engine, clock=clock)
        admin = services.admin.create_first_administrator("admin", PASSWORD)
        services.admin.add_user(admin, "olaf", PASSWORD, frozenset({Role.OPERATOR}))
        alarms = build_alarm_system(
            parse_alarm_sections(config.alarms, [], config.maintenance, config.source),
            hist.engine, hist.registry.resolve, services.alarm_permissions(), clock=clock,
        )  # fmt: skip
        written = _fill(backend, ids, days, interval_min, alarms, services, clock)
        alarms.stop()
        backend.close()
    finally:
        hist.close()
    return written


class _Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def _fill(
    backend: SampleBackend, ids: np.ndarray, days: int, interval_min: int,
    alarms: Any, services: SecurityServices, clock: _Clock,
) -> int:  # fmt: skip
    step = interval_min * 60 * NS_PER_S
    per_day = DAY // step
    counters = np.zeros(ids.size)
    written = 0
    for week in range(0, days, 7):
        count = min(7, days - week) * per_day
        ts = START + week * DAY + np.arange(count, dtype=np.int64) * step
        values = week_values(ids.size, ts, week)
        parts = np.arange(ids.size) % 10 == 2
        rises = np.cumsum(values[1::10] * 2.0, axis=1)  # the running row drives the counter
        values[parts] = counters[parts][:, None] + rises[: int(parts.sum())]
        counters[parts] = values[parts][:, -1]
        _excursions(values, ts, week)
        tag_ids, stamps = np.repeat(ids, ts.size), np.tile(ts, ids.size)
        backend.write(
            SampleBatch.from_columns(tag_ids, stamps, values.ravel(), np.zeros(stamps.size))
        )
        written += stamps.size
        _alarm_days(alarms, services, clock, ids, ts, values, per_day)
    return written


def _excursions(values: np.ndarray, ts: np.ndarray, seed: int) -> None:
    rng = np.random.default_rng(seed + 99)
    for row in range(3, values.shape[0], 10):
        for start in rng.integers(0, ts.size - 4, 1):
            values[row, start : start + 3] += 25.0


def _alarm_days(
    alarms: Any, services: SecurityServices, clock: _Clock, ids: np.ndarray,
    ts: np.ndarray, values: np.ndarray, per_day: int,
) -> None:  # fmt: skip
    rows = np.arange(3, ids.size, 10)
    for lo in range(0, ts.size, per_day):
        hi = min(lo + per_day, ts.size)
        clock.now = int(ts[hi - 1]) + 1
        n = hi - lo
        batch = SampleBatch.from_columns(
            np.repeat(ids[rows], n), np.tile(ts[lo:hi], rows.size), values[rows, lo:hi].ravel(),
            np.zeros(rows.size * n),
        )  # fmt: skip
        alarms.engine.evaluate(batch, clock.now)
        done = alarms.engine.acknowledge(ALL_VISIBLE, "olaf", "daily round")
        services.audit.append_many(
            [AuditEvent(AuditAction.ACKNOWLEDGE, "olaf", "bench", target=t.alarm) for t in done]
        )


@contextmanager
def rss_monitor(interval_s: float = 0.02) -> Iterator[Callable[[], tuple[float, float]]]:
    """``with rss_monitor() as peak: ...; before_mb, peak_mb = peak()``."""
    process = psutil.Process()
    before = process.memory_info().rss
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(interval_s):
            peak[0] = max(peak[0], process.memory_info().rss)

    thread = threading.Thread(target=sample, name="rss-monitor", daemon=True)
    thread.start()
    try:
        yield lambda: (before / 2**20, peak[0] / 2**20)
    finally:
        stop.set()
        thread.join()


def measure(directory: Path, days: int) -> list[Row]:
    """Generate the compliance report as PDF (worker thread, RSS sampled), as CSV, verify."""
    config = load_config(directory / "plant.toml")
    end = START + days * DAY
    clock = _Clock(end + DAY)
    request = ReportRequest("compliance", START, end, generated_by="bench")
    with ReportService.open(config, clock=clock) as service, ThreadPoolExecutor(1) as worker:
        with rss_monitor() as rss, timer() as elapsed:
            pdf = worker.submit(service.export, request, directory / "compliance.pdf").result()
        seconds, (before, peak) = elapsed(), rss()
        csv_request = ReportRequest("compliance", START, end, fmt="csv", generated_by="bench")
        with timer() as csv_elapsed:
            worker.submit(service.export, csv_request, directory / "compliance.csv").result()
        with timer() as verify_elapsed:
            ok = service.verify(pdf.content).ok
    from pypdf import PdfReader

    pages = len(PdfReader(directory / "compliance.pdf").pages)
    assert ok, "the benchmark report does not verify"
    return [
        Row(f"report: compliance PDF, {days} d (worker thread)", seconds, "s"),
        Row("report: peak RSS while generating", peak, "MB"),
        Row("report: RSS growth while generating", peak - before, "MB"),
        Row("report: PDF pages", float(pages), "pages"),
        Row("report: PDF size", len(pdf.content) / 1024, "KiB"),
        Row("report: compliance CSV (tables only)", csv_elapsed(), "s"),
        Row("report: verify the PDF", verify_elapsed() * 1000, "ms"),
    ]


def _store(args: argparse.Namespace) -> tuple[Path, bool]:
    """(directory, populated already) for ``--db`` (reused when its parameters match)."""
    wanted = {"tags": args.tags, "days": args.days, "interval_min": args.interval_min}
    if args.db is None:
        return Path(tempfile.mkdtemp(prefix="report-bench-")), False
    marker = args.db / "bench.json"
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        return args.db, True
    shutil.rmtree(args.db, ignore_errors=True)
    args.db.mkdir(parents=True)
    return args.db, False


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tags", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--interval-min", type=int, default=10)
    parser.add_argument("--db", type=Path, default=None, help="keep/reuse the store here")
    args = parser.parse_args(argv)
    directory, ready = _store(args)
    rows: list[Row] = []
    try:
        if not ready:
            with timer() as elapsed:
                samples = populate(directory, args.tags, args.days, args.interval_min)
            rows += [
                Row(f"report: populate {args.tags} tags x {args.days} d, 1 per {args.interval_min} min",
                    samples / 1e6, "M samples"),
                Row("report: populate time (not part of the report)", elapsed(), "s"),
            ]  # fmt: skip
            if args.db is not None:
                (directory / "bench.json").write_text(json.dumps(
                    {"tags": args.tags, "days": args.days, "interval_min": args.interval_min}))  # fmt: skip
        rows += measure(directory, args.days)
    finally:
        if args.db is None:
            shutil.rmtree(directory, ignore_errors=True)
    print_table("Compliance report", rows)
    record("report", rows)
    return rows


if __name__ == "__main__":
    main()
