"""Modbus TCP polling throughput: our ModbusDriver vs a bare pymodbus client, same server, same run.

A pymodbus TCP server runs in a child process (``python -m bench.modbus_bench --serve PORT``)
so that it does not share the interpreter lock with the client under test. Both clients read
the same 100 holding registers (one ``read_holding_registers(0, count=100)`` per round trip)
over one connection, back to back, for the same time:

* ours: a :class:`~drivers.modbus.driver.ModbusDriver` device with 100 inline uint16 points
  (planned as one 100-register block), driven by ``poll_cycles`` on the shared FieldLoop, so
  every cycle includes decoding the 100 points into readings;
* raw: ``AsyncModbusTcpClient.read_holding_registers`` in a plain asyncio loop.

The two alternate for ``--rounds`` rounds and the best round of each is reported, which keeps
the comparison fair on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from bench.common import Row, print_table, record, timer
from drivers.loop import FieldLoop
from drivers.modbus.config import parse_modbus_sections
from drivers.modbus.driver import ModbusDriver

log = logging.getLogger(__name__)

REGISTERS = 100
UNIT = 1
DEVICE = "bench"
CYCLES_PER_HOP = 200
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve(port: int) -> None:
    """Serve 100 holding registers (values 0..99) on 127.0.0.1:``port`` until killed."""
    registers = SimData(0, values=list(range(REGISTERS)), datatype=DataType.REGISTERS)
    device = SimDevice(UNIT, simdata=[registers])
    server = ModbusTcpServer(device, address=("127.0.0.1", port))
    await server.serve_forever(background=True)
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    await asyncio.Event().wait()


@contextmanager
def server_process(port: int) -> Iterator[subprocess.Popen[bytes]]:
    """The Modbus server child process, ready to answer; killed on exit."""
    command = [sys.executable, "-m", "bench.modbus_bench", "--serve", str(port)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != b"READY":
            raise RuntimeError("the Modbus bench server did not start")
        yield process
    finally:
        process.kill()
        process.wait(10)


def make_driver(port: int, loop: FieldLoop) -> ModbusDriver:
    """A driver with one device of 100 uint16 holding registers at 0..99 (one read block)."""
    points = [
        {"name": f"r{address}", "address": address, "register_type": "holding", "dtype": "uint16"}
        for address in range(REGISTERS)
    ]
    table = {
        "name": DEVICE,
        "host": "127.0.0.1",
        "port": port,
        "unit": UNIT,
        "points": points,
        "timeout": 2.0,
    }
    configs = parse_modbus_sections([table], REPO, "modbus-bench")
    driver = ModbusDriver(configs, loop, name="modbus-bench")
    blocks = driver.devices[DEVICE].blocks
    assert [(b.address, b.count) for b in blocks] == [(0, REGISTERS)], blocks
    return driver


def driver_reads_per_s(driver: ModbusDriver, seconds: float) -> float:
    """Poll cycles (one 100-register read each) per second through the driver."""
    if driver.poll_cycles(DEVICE, 1) != REGISTERS:  # connects; checks the server answers
        raise RuntimeError("the driver's warm-up poll did not read 100 registers")
    cycles = 0
    with timer() as elapsed:
        while elapsed() < seconds:
            made = driver.poll_cycles(DEVICE, CYCLES_PER_HOP)
            if made != CYCLES_PER_HOP * REGISTERS:
                raise RuntimeError(f"driver made {made} readings in {CYCLES_PER_HOP} cycles")
            cycles += CYCLES_PER_HOP
    return cycles / elapsed()


async def _raw_reads(port: int, seconds: float) -> float:
    client = AsyncModbusTcpClient("127.0.0.1", port=port, reconnect_delay=0, retries=0, timeout=2)
    if not await client.connect():
        raise RuntimeError(f"bare client cannot connect to port {port}")
    try:
        await client.read_holding_registers(0, count=REGISTERS, device_id=UNIT)
        reads = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(CYCLES_PER_HOP):
                response = await client.read_holding_registers(0, count=REGISTERS, device_id=UNIT)
                if response.isError() or len(response.registers) != REGISTERS:
                    raise RuntimeError(f"bare client read failed: {response}")
            reads += CYCLES_PER_HOP
        return reads / (time.perf_counter() - start)
    finally:
        client.close()


def raw_reads_per_s(port: int, seconds: float) -> float:
    """Reads of 100 registers per second by a bare AsyncModbusTcpClient on its own loop."""
    return asyncio.run(_raw_reads(port, seconds))


def run(seconds: float, rounds: int) -> list[Row]:
    """Alternate ours and raw ``rounds`` times against one server; best round of each."""
    port = free_port()
    ours: list[float] = []
    raw: list[float] = []
    loop = FieldLoop("modbus-bench-loop")
    loop.start()
    with server_process(port):
        driver = make_driver(port, loop)
        try:
            for _ in range(rounds):
                ours.append(driver_reads_per_s(driver, seconds))
                raw.append(raw_reads_per_s(port, seconds))
        finally:
            driver.stop()
            loop.stop()
    log.info("modbus reads/s per round: ours %s, raw %s", _fmt(ours), _fmt(raw))
    best_ours, best_raw = max(ours), max(raw)
    return [
        Row("Modbus TCP reads of 100 registers", best_ours, "reads/s", best_raw, ">= 80%"),
        Row(
            "Modbus TCP registers polled",
            best_ours * REGISTERS,
            "registers/s",
            best_raw * REGISTERS,
            ">= 80% (~180,000/s)",
        ),
    ]


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the benchmark (or, with ``--serve PORT``, be its server) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(serve(args.serve))
        return []
    rows = run(args.seconds, args.rounds)
    print_table("Modbus TCP polling (one connection, 127.0.0.1)", rows)
    record("modbus", rows)
    return rows


if __name__ == "__main__":
    main()
