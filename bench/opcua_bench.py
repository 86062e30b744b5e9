"""OPC-UA subscription to store: 1,000 monitored items at 100 ms through OpcuaDriver + Collector.

A child process (``--serve PORT``) runs an asyncua server that writes, every 100 ms (round k),
the value k to each of 1,000 Double variables, stamped with the moment of that write: 10,000
changes/s. (ours) A full :class:`~core.runtime.Collector` (pipeline + SQLite historian) with one
OpcuaDriver on those items; the store is read back after the run: each interior round of the
window must hold 1,000 rows (value = round), so any lost notification shows. Latency: the
driver's sink is wrapped so that each batch it emits carries an ``on_durable`` callback, which
the historian writer runs on its thread right after committing the transaction holding the
batch (a spooled batch would call it too: ``spooled`` is checked to be 0). Source-to-store =
that instant - the reading's source timestamp (same machine clock), for every GOOD reading of
the window; source-to-emit is noted by the same wrapper. (raw) A bare asyncua client on the
same items (queue ``--raw-queue``, default 2q+1 so it gets every change) noting arrival time.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from asyncua import ua
from asyncua.client.client import Client
from asyncua.server.server import Server

from bench.common import Row, print_table, record
from core.config import load_config
from core.model import Quality, Reading
from core.runtime import Collector
from drivers.loop import FieldLoop
from drivers.registry import build_drivers

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parent.parent
SAMPLING_MS = 100.0
NS = 1_000_000_000
Snapshot = tuple[int, float, float]
"""(wall clock ns, this process's CPU s, the server process's CPU s)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve(port: int, items: int, period_s: float) -> None:
    """The child process: ``items`` variables, all rewritten every ``period_s`` (value = round)."""
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    ns = ua.Int16(await server.register_namespace("urn:controldeck:bench:opcua"))
    folder = await server.nodes.objects.add_folder(ua.NodeId(ua.String("Bench"), ns), f"{ns}:Bench")
    nodes = [
        (await folder.add_variable(ua.NodeId(ua.String(f"v{i:04d}"), ns), f"{ns}:v{i:04d}", 0.0))
        for i in range(items)
    ]
    async with server:
        sys.stdout.write("READY\n")
        sys.stdout.flush()
        loop = asyncio.get_running_loop()
        due, k = loop.time(), 0
        while True:
            k += 1
            variant = ua.Variant(float(k), ua.VariantType.Double)
            for node in nodes:
                now = datetime.now(UTC)  # asyncua annotates DateTime, a datetime at run time
                value = ua.DataValue(variant, SourceTimestamp=now, ServerTimestamp=now)  # type: ignore[arg-type]
                await server.write_attribute_value(node.nodeid, value)
            due += period_s
            await asyncio.sleep(max(0.0, due - loop.time()))


@contextmanager
def server_process(port: int, items: int, period_s: float) -> Iterator[int]:
    """The OPC-UA server child, listening; yields its pid; killed on exit."""
    args = ["--serve", str(port), "--items", str(items), "--period", str(period_s)]
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.opcua_bench", *args], cwd=REPO, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"READY":
            raise RuntimeError("the OPC-UA bench server did not start")
        yield process.pid
    finally:
        process.kill()
        process.wait(10)


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


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one side measured over its window (CPU in cores: own process, server process)."""

    rate: float
    latencies_ms: np.ndarray
    emit_ms: np.ndarray
    cpu: tuple[float, float]
    stored: int = 0
    expected: int = 0


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


def snapshot(server_pid: int) -> Snapshot:
    """(wall ns, own CPU s, server CPU s) now; the server's user + system time from /proc."""
    fields = Path(f"/proc/{server_pid}/stat").read_text().rsplit(")", 1)[1].split()
    server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return time.time_ns(), time.process_time(), server


def cores(first: Snapshot, last: Snapshot) -> tuple[float, float]:
    """CPU cores used by this process and by the server between two snapshots."""
    wall = (last[0] - first[0]) / NS
    return (last[1] - first[1]) / wall, (last[2] - first[2]) / wall


def run_ours(port: int, server_pid: int, args: argparse.Namespace) -> Outcome:
    """Collector + OpcuaDriver for ``args.seconds`` after warm-up; completeness and latency."""
    with tempfile.TemporaryDirectory() as tmp:
        timed: list[TimedDriver] = []
        loop = FieldLoop("opcua-bench-loop")

        def timed_drivers(config: Any) -> list[TimedDriver]:
            timed.extend(TimedDriver(driver) for driver in build_drivers(config, loop))
            return timed

        collector = Collector(load_config(write_plant(Path(tmp), port, args)), timed_drivers)
        collector.start()
        try:
            wait_stored(collector, 3 * args.items, timeout=90)
            first = snapshot(server_pid)
            time.sleep(args.seconds)
            last = snapshot(server_pid)
            time.sleep(2.0)  # let the window's last notifications reach the store
        finally:
            collector.stop()
            loop.stop()
        if collector.counters.get("spooled"):
            raise RuntimeError("the store went away during the run (rows were spooled)")
        in_window, stored, expected = read_back(Path(tmp) / "bench.db", args.items, first, last)
    to_store, to_emit = timed[0].latencies_ms(first[0], last[0])
    rate = in_window / (last[0] - first[0]) * NS
    return Outcome(rate, to_store, to_emit, cores(first, last), stored, expected)


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


class _Arrivals:
    """Bare subscription handler: notes arrival time and source time, nothing else."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, datetime | None]] = []

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        self.seen.append((time.time_ns(), data.monitored_item.Value.SourceTimestamp))

    def status_change_notification(self, status: Any) -> None:
        """Keep-alive/status changes: noted in the log only (asyncua errors without this method)."""
        log.info("raw subscription status change: %s", status)


async def run_raw(port: int, server_pid: int, args: argparse.Namespace) -> Outcome:
    """A bare asyncua subscription to the same items for ``args.seconds`` after warm-up."""
    async with Client(f"opc.tcp://127.0.0.1:{port}/bench", timeout=30) as client:
        handler = _Arrivals()
        subscription = await client.create_subscription(args.publishing_ms, handler)
        await subscription.subscribe_data_change(
            [client.get_node(f"ns=2;s=v{i:04d}") for i in range(args.items)],
            queuesize=args.raw_queue,
            sampling_interval=ua.Double(SAMPLING_MS),
        )
        await asyncio.sleep(3.0)
        first = snapshot(server_pid)
        await asyncio.sleep(args.seconds)
        last = snapshot(server_pid)
        await asyncio.sleep(2.0)
        await subscription.delete()
    sourced = [(arrived, src.timestamp() * NS) for arrived, src in handler.seen if src]
    latencies = np.asarray([(a - s) / 1e6 for a, s in sourced if first[0] <= s <= last[0]])
    rate = len(latencies) / (last[0] - first[0]) * NS
    return Outcome(rate, latencies, latencies, cores(first, last))


def rows(args: argparse.Namespace, ours: Outcome, raw: Outcome) -> list[Row]:
    """The table: ours beside the raw client of the same run."""
    store = np.percentile(ours.latencies_ms, [50, 99])
    emit = np.percentile(ours.emit_ms, [50, 99])
    floor = np.percentile(raw.latencies_ms, [50, 99])
    offered = f"{args.offered:,.0f} offered"
    return [
        Row(f"OPC-UA {args.where}: stored", ours.rate, "notif/s", raw.rate, offered),
        Row("OPC-UA interior rounds: rows stored", ours.stored, "rows", ours.expected, "100%"),
        Row("OPC-UA source-to-store p50 (raw: to client)", store[0], "ms", floor[0]),
        Row("OPC-UA source-to-store p99 (raw: to client)", store[1], "ms", floor[1], "< 500 ms"),
        Row("OPC-UA source-to-store max", float(ours.latencies_ms.max()), "ms"),
        Row("OPC-UA source-to-emit p50 (raw: to client)", emit[0], "ms", floor[0]),
        Row("OPC-UA source-to-emit p99 (raw: to client)", emit[1], "ms", floor[1]),
        Row("OPC-UA client process CPU (raw: bare client)", ours.cpu[0], "cores", raw.cpu[0]),
        Row("OPC-UA server process CPU (raw: same, 2nd run)", ours.cpu[1], "cores", raw.cpu[1]),
    ]


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the benchmark (or, with ``--serve PORT``, be its server) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--period", type=float, default=0.1, help="server update period, s")
    parser.add_argument("--publishing-ms", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured window per side")
    parser.add_argument("--flush-interval", type=float, help="[store] flush_interval_s (0.25)")
    parser.add_argument("--raw-queue", type=int, help="raw client's queue size (default 2q+1)")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        logging.basicConfig(level=logging.ERROR)
        asyncio.run(serve(args.serve, args.items, args.period))
        return []
    driver_queue = min(100, max(1, math.ceil(args.publishing_ms / SAMPLING_MS)))
    args.raw_queue = args.raw_queue or 2 * driver_queue + 1
    args.offered = args.items / args.period
    args.where = f"{args.items} items, publishing {args.publishing_ms:g} ms"
    port = free_port()
    with server_process(port, args.items, args.period) as server_pid:
        ours = run_ours(port, server_pid, args)
        raw = asyncio.run(run_raw(port, server_pid, args))
    table = rows(args, ours, raw)
    print_table("OPC-UA subscription to SQLite store (127.0.0.1)", table)
    record("opcua", table)
    return table


if __name__ == "__main__":
    main()
