"""Modbus TCP polling throughput: our ModbusDriver vs a bare pymodbus client, same server, same run.

A pymodbus TCP server runs in a child process (``python -m bench.modbus_bench --serve PORT``)
so that it does not share the interpreter lock with the client under test. Both clients read
the same 100 holding registers (one ``read_holding_registers(0, count=100)`` per round trip)
over one connection, back to back, for the same time:

* ours: a :class:`~drivers.modbus.driver.ModbusDriver` device with 100 inline uint16 points
  (planned as one 100-register block), driven by ``poll_cycles`` on the shared FieldLoop, so
  every cycle includes decoding the 100 points into readings;
* raw: ``AsyncModbusTcpClient.read_holding_registers`` of the same block, on the same FieldLoop
  (same thread, same event loop), over its own connection to the same server.

Within a round the two alternate in slices of 200 reads (~0.1 s) until each has run
``--seconds``, so both see the same load from the rest of the machine; the table gives the
median rates of the ``--rounds`` rounds, and the median and range of each round's ours/raw ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import statistics
import subprocess
import sys
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


class RawClient:
    """A bare ``AsyncModbusTcpClient`` on the same FieldLoop as the driver, one connection."""

    def __init__(self, port: int, loop: FieldLoop) -> None:
        self._loop = loop
        self._client = loop.run(self._make(port))

    @staticmethod
    async def _make(port: int) -> AsyncModbusTcpClient:
        """pymodbus clients bind to the running loop when made."""
        return AsyncModbusTcpClient("127.0.0.1", port=port, reconnect_delay=0, retries=0, timeout=2)

    def connect(self) -> None:
        """Connect and read once (the warm-up the driver gets too)."""
        if not self._loop.run(self._client.connect()):
            raise RuntimeError("the bare client cannot connect")
        self.reads(1)

    def reads(self, count: int) -> None:
        """``count`` reads of the 100 registers back to back, in one hop to the loop."""
        self._loop.run(self._reads(count))

    async def _reads(self, count: int) -> None:
        for _ in range(count):
            response = await self._client.read_holding_registers(0, count=REGISTERS, device_id=UNIT)
            if response.isError() or len(response.registers) != REGISTERS:
                raise RuntimeError(f"bare client read failed: {response}")

    def close(self) -> None:
        """Close the connection."""
        self._client.close()


def driver_slice(driver: ModbusDriver) -> float:
    """Seconds for ``CYCLES_PER_HOP`` poll cycles (one 100-register read each) of the driver."""
    with timer() as elapsed:
        made = driver.poll_cycles(DEVICE, CYCLES_PER_HOP)
    if made != CYCLES_PER_HOP * REGISTERS:
        raise RuntimeError(f"driver made {made} readings in {CYCLES_PER_HOP} cycles")
    return elapsed()


def raw_slice(raw: RawClient) -> float:
    """Seconds for ``CYCLES_PER_HOP`` reads of the same 100 registers by the bare client."""
    with timer() as elapsed:
        raw.reads(CYCLES_PER_HOP)
    return elapsed()


def one_round(driver: ModbusDriver, raw: RawClient, seconds: float) -> tuple[float, float]:
    """(ours, raw) reads/s over ``seconds`` each, taken in alternating slices of 200 reads.

    Slices of ~0.1 s alternate, so both sides see the same load from other processes.
    """
    ours_s = raw_s = 0.0
    slices = 0
    while ours_s < seconds or raw_s < seconds:
        ours_s += driver_slice(driver)
        raw_s += raw_slice(raw)
        slices += 1
    reads = slices * CYCLES_PER_HOP
    return reads / ours_s, reads / raw_s


def run(seconds: float, rounds: int) -> list[Row]:
    """``rounds`` rounds of interleaved ours/raw slices against one server, one FieldLoop."""
    port = free_port()
    results: list[tuple[float, float]] = []
    loop = FieldLoop("modbus-bench-loop")
    loop.start()
    with server_process(port):
        driver = make_driver(port, loop)
        raw = RawClient(port, loop)
        try:
            if driver.poll_cycles(DEVICE, 1) != REGISTERS:  # connects; checks the server answers
                raise RuntimeError("the driver's warm-up poll did not read 100 registers")
            raw.connect()
            results = [one_round(driver, raw, seconds) for _ in range(rounds)]
        finally:
            raw.close()
            driver.stop()
            loop.stop()
    return summarise(results)


def summarise(results: list[tuple[float, float]]) -> list[Row]:
    """Median rates of the rounds, and the median (and range) of each round's ours/raw ratio."""
    ours = statistics.median(o for o, _ in results)
    raw = statistics.median(r for _, r in results)
    ratios = [o / r for o, r in results]
    log.info(
        "modbus reads/s per round: ours %s, raw %s",
        _fmt([o for o, _ in results]),
        _fmt([r for _, r in results]),
    )
    spread = f"ratio per round, median of {len(ratios)} (range {min(ratios):.0%}-{max(ratios):.0%})"
    return [
        Row("Modbus TCP reads of 100 registers", ours, "reads/s", raw, ">= 80%"),
        Row(
            "Modbus TCP registers polled",
            ours * REGISTERS,
            "registers/s",
            raw * REGISTERS,
            ">= 80% (~180,000/s)",
        ),
        Row(f"Modbus ours/raw {spread}", 100 * statistics.median(ratios), "%", None, ">= 80"),
    ]


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:,.0f}" for v in values)


def main(argv: list[str] | None = None) -> list[Row]:
    """Run the benchmark (or, with ``--serve PORT``, be its server) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=3.0, help="per client per round")
    parser.add_argument("--rounds", type=int, default=5)
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
