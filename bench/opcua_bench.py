"""OPC-UA subscription to store: 1,000 monitored items at 100 ms through OpcuaDriver + Collector.

The load: :mod:`bench.opcua_peers`, an asyncua server in a process of its own, writes every
100 ms (round k) the value k to each of 1,000 Double variables, stamped with the moment of the
write (10,000 changes/s asked for; what it really produced is reported as "offered").
(ours) A full :class:`~core.runtime.Collector` (pipeline + SQLite historian) with one OpcuaDriver
on those items; the store is read back after the run: each interior round of the window must
hold 1,000 rows (value = round), so any lost notification shows. Latency: the driver's sink is
wrapped so that each batch it emits carries an ``on_durable`` callback, which the writer runs
right after committing the batch (``spooled`` is checked to be 0). Source-to-store = that
instant - the reading's source timestamp (same clock), for every GOOD reading of the window;
source-to-emit is noted by the same wrapper, and :mod:`bench.opcua_stages` splits the latency
into stages (server publish, our decoding, emit, commit). (raw) A bare asyncua client (handler
mode) on the same server and items, right after, noting arrival times (queue: the driver's own):
asyncua's one task per notification, slower than ours at this rate, so no floor. The machine's
load average is printed beside the figures (2 shared cores make them noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import Row, print_table, record
from bench.opcua_peers import (
    NS,
    PERCENTILES,
    SAMPLING_MS,
    Outcome,
    ServerHandle,
    Snapshot,
    cores,
    free_port,
    offered,
    percentiles,
    pinning,
    run_raw,
    server_process,
    snapshot,
)
from bench.opcua_stages import StageClock, stage_rows
from core.config import load_config
from core.model import Quality, Reading
from core.runtime import Collector, freeze_startup_heap
from drivers.loop import FieldLoop
from drivers.opcua.monitoring import queue_size
from drivers.registry import build_drivers


class TimedDriver:
    """Wraps a driver and stands between it and its sink, noting emit and commit times."""

    def __init__(self, driver: Any) -> None:
        self._driver: Any = driver
        self._sink: Any = None  # the pipeline, given by start()
        self.name, self.status = driver.name, driver.status
        self.records: list[tuple[int, int, Sequence[Reading]]] = []

    def start(self, sink: Any) -> None:
        """Start the wrapped driver with this object as its sink."""
        self._sink = sink
        self._driver.start(self)

    def stop(self) -> None:
        """Stop the wrapped driver."""
        self._driver.stop()

    def emit(self, readings: Sequence[Reading], *, source: str, on_durable: Any = None) -> bool:
        """Pass the batch on; note the time now and once the writer has committed it."""
        emitted = time.time_ns()

        def durable() -> None:
            self.records.append((emitted, time.time_ns(), readings))
            if on_durable is not None:
                on_durable()

        return bool(self._sink.emit(readings, source=source, on_durable=durable))

    def reject(self, record: Any) -> None:
        """Pass quarantined input on."""
        self._sink.reject(record)

    def declare(self, tags: Any) -> None:
        """Pass tag declarations on."""
        self._sink.declare(tags)

    def latencies_ms(self, start_ns: int, end_ns: int) -> tuple[np.ndarray, np.ndarray]:
        """(commit - source, emit - source) of every GOOD reading sourced in the window."""
        pairs = [
            ((commit - r.ts_ns) / 1e6, (emit - r.ts_ns) / 1e6)
            for emit, commit, readings in list(self.records)
            for r in readings
            if r.quality is Quality.GOOD and r.ts_ns is not None and start_ns <= r.ts_ns <= end_ns
        ]
        both = np.asarray(pairs, dtype=np.float64).reshape(-1, 2)
        return both[:, 0], both[:, 1]


def write_plant(workdir: Path, port: int, args: argparse.Namespace) -> Path:
    """A plant file: SQLite store in ``workdir`` and one [[opcua]] with ``items`` nodes."""
    flush = f"flush_interval_s = {args.flush_interval}\n" if args.flush_interval else ""
    lines = [
        f'[store]\nurl = "sqlite:///bench.db"\n{flush}',
        f'[[opcua]]\nname = "bench"\nendpoint = "opc.tcp://127.0.0.1:{port}/bench"',
        f"publishing_interval_ms = {args.publishing_ms}\nrequest_timeout_s = 30",
    ]
    lines += [
        f'[[opcua.nodes]]\ntag = "ua/v{i:04d}"\nnode = "ns=2;s=v{i:04d}"\n'
        f"sampling_interval_ms = {SAMPLING_MS}"
        for i in range(args.items)
    ]
    path = workdir / "plant.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_ours(port: int, server: ServerHandle, args: argparse.Namespace) -> Outcome:
    """Collector + OpcuaDriver for ``args.seconds`` after warm-up; completeness and latency."""
    with tempfile.TemporaryDirectory() as tmp:
        timed: list[TimedDriver] = []
        loop = FieldLoop("opcua-bench-loop")

        def timed_drivers(config: Any) -> list[TimedDriver]:
            timed.extend(TimedDriver(driver) for driver in build_drivers(config, loop))
            return timed

        collector = Collector(load_config(write_plant(Path(tmp), port, args)), timed_drivers)
        clock = StageClock()
        with clock.installed():
            first, last = measure(collector, loop, server, args)
        if collector.counters.get("spooled"):
            raise RuntimeError("the store went away during the run (rows were spooled)")
        status = timed[0].status
        print(f"driver: {status.reconnects} reconnects, errors {status.errors_by_reason}")
        in_window, stored, expected = read_back(Path(tmp) / "bench.db", args.items, first, last)
    to_store, to_emit = timed[0].latencies_ms(first[0], last[0])
    stages = clock.stages_ms(timed[0].records, first[0], last[0])
    rate, window = in_window / (last[0] - first[0]) * NS, (first, last)
    return Outcome(
        rate, offered(*window), to_store, to_emit, cores(*window), stored, expected, stages
    )


def measure(
    collector: Collector, loop: FieldLoop, server: ServerHandle, args: argparse.Namespace
) -> tuple[Snapshot, Snapshot]:
    """Run the collector: first rows, warm-up, the measured window (its two snapshots), stop."""
    collector.start()
    freeze_startup_heap()  # as `controldeck collect` does after start
    try:
        wait_stored(collector, 3 * args.items, timeout=90)
        time.sleep(args.warmup)
        first = snapshot(server)
        time.sleep(args.seconds)
        last = snapshot(server)
        time.sleep(3.0)  # let the window's last notifications reach the store
    finally:
        collector.stop()
        loop.stop()
    return first, last


def wait_stored(collector: Collector, rows: int, timeout: float) -> None:
    """Wait (bounded) until ``rows`` samples are stored: subscriptions are up and flowing."""
    deadline = time.monotonic() + timeout
    while collector.counters.get("stored") < rows:
        if time.monotonic() > deadline:
            raise RuntimeError(f"fewer than {rows} samples stored within {timeout:.0f} s")
        time.sleep(0.1)


def read_back(db: Path, items: int, first: Snapshot, last: Snapshot) -> list[int]:
    """[GOOD rows sourced in the window, rows of its interior rounds, rows those should have]."""
    good_in_window = "FROM samples WHERE ts BETWEEN ? AND ? AND quality = 0"
    with sqlite3.connect(db) as conn:
        count, low, high = conn.execute(
            f"SELECT COUNT(*), MIN(value), MAX(value) {good_in_window}", (first[0], last[0])
        ).fetchone()
        first_round, last_round = int(low) + 1, int(high) - 1  # edge rounds are cut
        (stored,) = conn.execute(
            "SELECT COUNT(*) FROM samples WHERE value BETWEEN ? AND ? AND quality = 0",
            (first_round, last_round),
        ).fetchone()
    return [int(count), int(stored), (last_round - first_round + 1) * items]


def latency_rows(what: str, ours: np.ndarray, raw: np.ndarray, target: str = "") -> list[Row]:
    """p50/p95/p99 of ours beside the raw client's source-to-client latency."""
    mine, floor = percentiles(ours), percentiles(raw)
    return [
        Row(f"OPC-UA {what} p{p} (raw: to client)", m, "ms", f, target if p == 99 else "")
        for p, m, f in zip(PERCENTILES, mine, floor, strict=True)
    ]


def rows(args: argparse.Namespace, ours: Outcome, raw: Outcome) -> list[Row]:
    """The table: ours beside the raw client of the same run (and server)."""
    asked = f"{args.offered:,.0f} asked"
    share = ours.stored / ours.expected if ours.expected else 0.0
    return [
        Row(f"OPC-UA {args.where}: offered by server", ours.offered, "notif/s", raw.offered, asked),
        Row("OPC-UA stored (raw: received by bare client)", ours.rate, "notif/s", raw.rate),
        Row("OPC-UA interior rounds: rows stored", ours.stored, "rows", ours.expected, "100%"),
        Row("OPC-UA interior rounds: share stored", share * 100, "%", target="100 %"),
        *latency_rows("source-to-store", ours.latencies_ms, raw.latencies_ms, "< 500 ms"),
        Row("OPC-UA source-to-store max", float(percentiles(ours.latencies_ms, (100,))[0]), "ms"),
        *latency_rows("source-to-emit", ours.emit_ms, raw.latencies_ms),
        Row("OPC-UA client process CPU (raw: bare client)", ours.cpu[0], "cores", raw.cpu[0]),
        Row("OPC-UA server process CPU (raw: same, 2nd run)", ours.cpu[1], "cores", raw.cpu[1]),
        *stage_rows(ours.stages_ms),
        Row("machine load average (1 min): start", args.load_at_start, "procs"),
        Row("machine load average (1 min): end", os.getloadavg()[0], "procs"),
    ]


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options, with the derived ``raw_queue``, ``offered`` and ``where``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--period", type=float, default=0.1, help="server update period, s")
    parser.add_argument("--publishing-ms", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per side")
    parser.add_argument("--warmup", type=float, default=2.0, help="s after the first rows")
    parser.add_argument("--flush-interval", type=float, help="[store] flush_interval_s (0.25)")
    parser.add_argument("--raw-queue", type=int, help="raw client's queue (the driver's)")
    parser.add_argument("--pin", action="store_true", help="server on the last CPU, us on the rest")
    args = parser.parse_args(argv)
    args.raw_queue = args.raw_queue or queue_size(SAMPLING_MS, args.publishing_ms)
    args.offered = args.items / args.period
    flush = f", flush {args.flush_interval:g} s" if args.flush_interval else ""
    args.where = f"{args.items} items, publishing {args.publishing_ms:g} ms{flush}"
    return args


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the benchmark and print the table."""
    args = parse(argv)
    args.load_at_start = os.getloadavg()[0]
    server_cpus, own_cpus = pinning(args.pin)
    port, every_cpu = free_port(), os.sched_getaffinity(0)
    with server_process(port, args.items, args.period, server_cpus) as server:
        os.sched_setaffinity(0, own_cpus or every_cpu)
        try:
            ours = run_ours(port, server, args)
            raw = asyncio.run(run_raw(port, server, args))
        finally:
            os.sched_setaffinity(0, every_cpu)
    table = rows(args, ours, raw)
    print_table("OPC-UA subscription to SQLite store (127.0.0.1)", table)
    record("opcua", table)
    return table


if __name__ == "__main__":
    main()
