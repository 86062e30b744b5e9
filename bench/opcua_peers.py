"""The OPC-UA bench's peers: the load server (a process of its own) and a bare asyncua client.

The server writes, every ``period_s`` (round k), the value k to each of ``items`` Double
variables, stamped with the moment of that write (source timestamp). It counts what it actually
wrote in shared memory, so the bench reports the rate the server *produced*, not the one it was
asked for. Two things make one Python process able to produce 10,000 changes/s:

* asyncua's server deep-copies every written DataValue into each monitored item (three
  quarters of the server's CPU at this rate); this process writes a fresh DataValue every
  time and never mutates one, so the monitored items keep a reference instead;
* a round is written in chunks with a yield to the event loop between them, so publish
  responses still go out while a round is being written (a server behind schedule used to
  write round after round and starve its own network I/O).

The bare client (:func:`run_raw`) is asyncua as documented, in handler mode, noting arrivals.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import socket
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
from asyncua.server.monitored_item_service import MonitoredItemValues
from asyncua.server.server import Server

log = logging.getLogger(__name__)

CHUNK = 100
"""Writes between two yields to the server's event loop."""
READY_TIMEOUT_S = 90.0
NS = 1_000_000_000
SAMPLING_MS = 100.0
PERCENTILES = (50, 95, 99)
Snapshot = tuple[int, float, float, int]
"""(wall clock ns, this process's CPU s, the server process's CPU s, values the server wrote)."""


@dataclass(frozen=True, slots=True)
class ServerHandle:
    """The running server process: its pid and its shared [rounds, writes] counters."""

    pid: int
    progress: Any  # multiprocessing RawArray('q', 2)

    def writes(self) -> int:
        """Values written so far (each one a data change of a monitored item)."""
        return int(self.progress[1])


def keep_written_values() -> None:
    """Monitored items keep a reference to each written DataValue instead of a deep copy."""

    def set_current_datavalue(self: MonitoredItemValues, cur_val: ua.DataValue) -> None:
        self.old_dvalue, self.current_dvalue = self.current_dvalue, cur_val

    MonitoredItemValues.set_current_datavalue = set_current_datavalue  # type: ignore[method-assign]


async def build(port: int, items: int) -> tuple[Server, list[ua.NodeId]]:
    """An unsecured server with ``items`` Double variables ``ns=2;s=vNNNN`` under Objects/Bench."""
    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}/bench")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    ns = ua.Int16(await server.register_namespace("urn:controldeck:bench:opcua"))
    folder = await server.nodes.objects.add_folder(ua.NodeId(ua.String("Bench"), ns), f"{ns}:Bench")
    nodes = [
        await folder.add_variable(ua.NodeId(ua.String(f"v{i:04d}"), ns), f"{ns}:v{i:04d}", 0.0)
        for i in range(items)
    ]
    return server, [node.nodeid for node in nodes]


async def write_round(server: Server, nodeids: Sequence[ua.NodeId], value: float) -> None:
    """Write ``value`` to every node, each stamped now, yielding every :data:`CHUNK` writes."""
    variant = ua.Variant(value, ua.VariantType.Double)
    for start in range(0, len(nodeids), CHUNK):
        for nodeid in nodeids[start : start + CHUNK]:
            now = datetime.now(UTC)  # asyncua annotates DateTime, a datetime at run time
            data = ua.DataValue(variant, SourceTimestamp=now, ServerTimestamp=now)  # type: ignore[arg-type]
            await server.write_attribute_value(nodeid, data)
        await asyncio.sleep(0)


async def produce(
    server: Server, nodeids: Sequence[ua.NodeId], period_s: float, progress: Any
) -> None:
    """Round k = 1, 2, ... every ``period_s``; a late round starts at once (no skipping)."""
    loop = asyncio.get_running_loop()
    due, k = loop.time(), 0
    while True:
        k += 1
        await write_round(server, nodeids, float(k))
        progress[0], progress[1] = k, progress[1] + len(nodeids)
        due += period_s
        await asyncio.sleep(max(0.0, due - loop.time()))


async def serve(port: int, items: int, period_s: float, progress: Any, ready: Any) -> None:
    """Build, listen, signal ``ready``, then produce until killed."""
    keep_written_values()
    server, nodeids = await build(port, items)
    async with server:
        ready.set()
        await produce(server, nodeids, period_s, progress)


def _main(port: int, items: int, period_s: float, progress: Any, ready: Any, cpus: Any) -> None:
    logging.basicConfig(level=logging.ERROR)
    if cpus:
        os.sched_setaffinity(0, cpus)
    asyncio.run(serve(port, items, period_s, progress, ready))


@contextmanager
def server_process(
    port: int, items: int, period_s: float, cpus: set[int] | None = None
) -> Iterator[ServerHandle]:
    """The server in a spawned process (optionally pinned to ``cpus``), listening; killed on exit."""
    context = multiprocessing.get_context("spawn")
    progress = context.RawArray("q", 2)
    ready = context.Event()
    args = (port, items, period_s, progress, ready, cpus)
    process = context.Process(target=_main, args=args, name="opcua-bench-server", daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready.wait(0.2):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the OPC-UA bench server did not start")
        assert process.pid is not None
        yield ServerHandle(process.pid, progress)
    finally:
        process.kill()
        process.join(10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def snapshot(server: ServerHandle) -> Snapshot:
    """(wall ns, own CPU s, server CPU s, server writes) now; server CPU from /proc."""
    fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return time.time_ns(), time.process_time(), cpu, server.writes()


def cores(first: Snapshot, last: Snapshot) -> tuple[float, float]:
    """CPU cores used by this process and by the server between two snapshots."""
    wall = (last[0] - first[0]) / NS
    return (last[1] - first[1]) / wall, (last[2] - first[2]) / wall


def offered(first: Snapshot, last: Snapshot) -> float:
    """Data changes per second the server really produced between two snapshots."""
    return (last[3] - first[3]) / (last[0] - first[0]) * NS


def pinning(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, own CPUs): the last CPU for the server, the others for us; or no pinning."""
    available = sorted(os.sched_getaffinity(0))
    if not pin or len(available) < 2:
        return None, None
    return {available[-1]}, set(available[:-1])


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one side measured over its window (CPU in cores: own process, server process)."""

    rate: float
    offered: float
    latencies_ms: np.ndarray
    emit_ms: np.ndarray
    cpu: tuple[float, float]
    stored: int = 0
    expected: int = 0
    stages_ms: np.ndarray | None = None
    """Ours only: per-reading stage latencies (see :mod:`bench.opcua_stages`)."""


class _Arrivals:
    """Bare subscription handler: notes arrival time and source time, nothing else."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, datetime | None]] = []

    def datachange_notification(self, node: Any, val: Any, data: Any) -> None:
        self.seen.append((time.time_ns(), data.monitored_item.Value.SourceTimestamp))

    def status_change_notification(self, status: Any) -> None:
        """Keep-alive/status changes: noted in the log only (asyncua errors without this method)."""
        log.info("raw subscription status change: %s", status)


async def run_raw(port: int, server: ServerHandle, args: argparse.Namespace) -> Outcome:
    """A bare asyncua subscription to the same items for ``args.seconds`` after warm-up."""
    # a 1 s watchdog probe (the default) times out on a loop this busy and the client then
    # disconnects for good (no auto_reconnect): the run measured nothing after that
    endpoint = f"opc.tcp://127.0.0.1:{port}/bench"
    async with Client(endpoint, timeout=30, watchdog_intervall=10.0) as client:
        handler = _Arrivals()
        subscription = await client.create_subscription(args.publishing_ms, handler)
        await subscription.subscribe_data_change(
            [client.get_node(f"ns=2;s=v{i:04d}") for i in range(args.items)],
            queuesize=args.raw_queue,
            sampling_interval=ua.Double(SAMPLING_MS),
        )
        await asyncio.sleep(3.0 + args.warmup)
        first = snapshot(server)
        await asyncio.sleep(args.seconds)
        last = snapshot(server)
        await asyncio.sleep(3.0)
        await subscription.delete()
    print(f"raw client: {len(handler.seen)} notifications received in all")
    sourced = [(arrived, src.timestamp() * NS) for arrived, src in handler.seen if src]
    latencies = np.asarray([(a - s) / 1e6 for a, s in sourced if first[0] <= s <= last[0]])
    rate = len(latencies) / (last[0] - first[0]) * NS
    return Outcome(rate, offered(first, last), latencies, latencies, cores(first, last))


def percentiles(values: np.ndarray, which: tuple[int, ...] = PERCENTILES) -> np.ndarray:
    """Percentiles of ``values`` (NaN when there are none)."""
    return np.percentile(values, which) if len(values) else np.full(len(which), np.nan)
