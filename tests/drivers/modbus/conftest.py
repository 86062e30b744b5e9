"""Real pymodbus servers (TCP and RTU over a pseudo-terminal pair) for the Modbus driver tests.

The server runs on its own event loop thread, as a field device would: the driver under test
runs on its own FieldLoop, and the test thread only waits (bounded) for what it expects.
"""

from __future__ import annotations

import asyncio
import os
import pty
import select
import threading
import time
import tty
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymodbus.constants import ExcCodes
from pymodbus.pdu import ModbusPDU
from pymodbus.server import ModbusSerialServer, ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from core.model import Reading
from drivers.base import TagDeclaration
from drivers.loop import FieldLoop
from drivers.modbus.codec import encode
from drivers.modbus.config import ModbusDeviceConfig, parse_modbus_sections
from drivers.modbus.driver import ModbusDriver
from drivers.modbus.points import Point
from tests.conftest import free_port

READ_CODES = frozenset({1, 2, 3, 4})
WRITE_CODES = frozenset({5, 6, 15, 16})
_FUNCTION_FOR = {"coil": 1, "discrete": 2, "holding": 3, "input": 4}


@dataclass
class RegisterImage:
    """What one simulated unit holds, by 0-based address."""

    coils: dict[int, bool] = field(default_factory=dict)
    discrete: dict[int, bool] = field(default_factory=dict)
    holding: dict[int, int] = field(default_factory=dict)
    input: dict[int, int] = field(default_factory=dict)

    def table(self, register_type: str) -> dict[int, Any]:
        """The dict for one register type."""
        return {"coil": self.coils, "discrete": self.discrete}.get(
            register_type, getattr(self, register_type, {})
        )

    def put(self, point: Point, value: float | bool) -> None:
        """Store ``value`` for ``point`` (encoded with the driver's codec)."""
        table = self.table(point.register_type)
        current = table.get(point.address, 0) if point.dtype == "bit" else None
        for offset, word in enumerate(encode(point, value, current=current)):
            table[point.address + offset] = word

    def put_words(self, register_type: str, address: int, words: Sequence[int]) -> None:
        """Store raw registers (for encodings made independently of the driver)."""
        for offset, word in enumerate(words):
            self.table(register_type)[address + offset] = word


@dataclass
class Faults:
    """Misbehaviour switched on at run time by a test."""

    delay_s: float = 0.0
    fail_reads_at: set[int] = field(default_factory=set)
    fail_writes: bool = False


def _register_block(values: dict[int, int]) -> list[SimData]:
    """Registers 0 .. highest address given (holes read as 0; beyond it: illegal address)."""
    if not values:
        return [SimData(0, values=[0], datatype=DataType.REGISTERS)]
    words = [values.get(a, 0) & 0xFFFF for a in range(max(values) + 1)]
    return [SimData(0, values=words, datatype=DataType.REGISTERS)]


def _bit_block(values: dict[int, bool]) -> list[SimData]:
    high = max(values, default=0)
    size = (high // 16 + 1) * 16
    return [
        SimData(0, values=[bool(values.get(a, False)) for a in range(size)], datatype=DataType.BITS)
    ]


class ModbusTestServer:
    """A pymodbus TCP or RTU server on a thread of its own, with request counters."""

    def __init__(self, images: dict[int, RegisterImage], *, serial: str | None = None) -> None:
        self.images = images
        self.serial = serial
        self.port = 0 if serial else free_port()
        self.faults = Faults()
        self.requests: Counter[tuple[int, int]] = Counter()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="modbus-test-server", daemon=True
        )
        self._thread.start()
        self._server: ModbusTcpServer | ModbusSerialServer | None = None

    def reads(self, unit: int | None = None) -> int:
        """Read requests received (for one unit or all)."""
        return sum(
            n for (u, fc), n in self.requests.items() if fc in READ_CODES and unit in (None, u)
        )

    def writes(self, unit: int | None = None) -> int:
        """Write requests received (for one unit or all)."""
        return sum(
            n for (u, fc), n in self.requests.items() if fc in WRITE_CODES and unit in (None, u)
        )

    def start(self) -> None:
        """Start serving (again) the images given at construction."""
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def stop(self) -> None:
        """Stop serving; connected clients see the connection close."""
        if self._server is not None:
            asyncio.run_coroutine_threadsafe(self._server.shutdown(), self._loop).result(10)
            self._server = None

    def close(self) -> None:
        """Stop and end the thread."""
        self.stop()
        asyncio.run_coroutine_threadsafe(self._cancel_pending(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def registers(self, unit: int, register_type: str, address: int, count: int) -> list[Any]:
        """What the server holds right now."""
        assert self._server is not None
        code = _FUNCTION_FOR[register_type]
        future = asyncio.run_coroutine_threadsafe(
            self._server.async_getValues(unit, code, address, count), self._loop
        )
        return list(future.result(10))

    def set_registers(self, unit: int, register_type: str, address: int, values: list[Any]) -> None:
        """Change what the server holds."""
        assert self._server is not None
        code = _FUNCTION_FOR[register_type]
        coro = self._server.async_setValues(unit, code, address, values)
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    @staticmethod
    async def _cancel_pending() -> None:
        """End request handlers still sleeping in a fault delay."""
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _start(self) -> None:
        devices = [self._device(unit, image) for unit, image in self.images.items()]
        if self.serial:
            server: ModbusTcpServer | ModbusSerialServer = ModbusSerialServer(
                devices, port=self.serial, baudrate=19200, trace_pdu=self._trace
            )
        else:
            server = ModbusTcpServer(
                devices, address=("127.0.0.1", self.port), trace_pdu=self._trace
            )
        await server.serve_forever(background=True)
        self._server = server

    def _device(self, unit: int, image: RegisterImage) -> SimDevice:
        blocks = (
            _bit_block(image.coils),
            _bit_block(image.discrete),
            _register_block(image.holding),
            _register_block(image.input),
        )
        return SimDevice(unit, simdata=blocks, action=self._action)

    def _trace(self, sending: bool, pdu: ModbusPDU) -> ModbusPDU:
        if not sending:
            self.requests[(pdu.dev_id, pdu.function_code)] += 1
        return pdu

    async def _action(
        self,
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        if self.faults.delay_s:
            await asyncio.sleep(self.faults.delay_s)
        if function_code in READ_CODES and address in self.faults.fail_reads_at:
            return ExcCodes.DEVICE_FAILURE
        if set_values is not None and self.faults.fail_writes:
            return ExcCodes.ILLEGAL_VALUE
        return None


class PtyPair:
    """Two pseudo-terminals joined like a null-modem cable (``a`` <-> ``b``)."""

    def __init__(self) -> None:
        self._master_a, self._slave_a = pty.openpty()
        self._master_b, self._slave_b = pty.openpty()
        for fd in (self._slave_a, self._slave_b):
            tty.setraw(fd)
        self.a, self.b = os.ttyname(self._slave_a), os.ttyname(self._slave_b)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._copy, name="pty-bridge", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        peer = {self._master_a: self._master_b, self._master_b: self._master_a}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(peer), [], [], 0.05)
            for fd in ready:
                try:
                    os.write(peer[fd], os.read(fd, 4096))
                except OSError:
                    continue

    def close(self) -> None:
        """Stop the bridge and close every descriptor."""
        self._stop.set()
        self._thread.join(5)
        for fd in (self._master_a, self._slave_a, self._master_b, self._slave_b):
            os.close(fd)


class RecordingSink:
    """A DriverSink that keeps everything (thread-safe), for assertions."""

    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self.sources: set[str] = set()
        self.declared: list[TagDeclaration] = []
        self._lock = threading.Lock()

    def emit(self, readings: Sequence[Reading], *, source: str, on_durable: Any = None) -> bool:
        with self._lock:
            self.readings.extend(readings)
            self.sources.add(source)
        return True

    def reject(self, record: Any) -> None:
        raise AssertionError(f"unexpected quarantine: {record}")

    def declare(self, tags: Sequence[TagDeclaration]) -> None:
        with self._lock:
            self.declared.extend(tags)

    def latest(self) -> dict[str, Reading]:
        """Last reading per tag."""
        with self._lock:
            return {r.tag: r for r in self.readings}

    def count(self) -> int:
        """Readings received so far."""
        with self._lock:
            return len(self.readings)


def wait_until(
    condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Poll ``condition`` every 20 ms until true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def device_configs(tables: list[dict[str, Any]], base_dir: Any = ".") -> list[ModbusDeviceConfig]:
    """Parse ``[[modbus]]`` tables as the plant loader does."""
    return parse_modbus_sections(tables, base_dir, "test-plant.toml")


@pytest.fixture
def field_loop() -> Iterator[FieldLoop]:
    """A started FieldLoop, stopped after the test."""
    loop = FieldLoop("test-field-loop")
    loop.start()
    yield loop
    loop.stop()


@pytest.fixture
def sink() -> RecordingSink:
    """A fresh recording sink."""
    return RecordingSink()


@pytest.fixture
def pty_pair() -> Iterator[PtyPair]:
    """A joined pseudo-terminal pair."""
    pair = PtyPair()
    yield pair
    pair.close()


@pytest.fixture
def start_server() -> Iterator[Callable[..., ModbusTestServer]]:
    """Factory: a started ModbusTestServer for ``{unit: RegisterImage}``; all closed afterwards."""
    servers: list[ModbusTestServer] = []

    def start(images: dict[int, RegisterImage], *, serial: str | None = None) -> ModbusTestServer:
        server = ModbusTestServer(images, serial=serial)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def make_driver(field_loop: FieldLoop) -> Iterator[Callable[..., Any]]:
    """Factory: a ModbusDriver for ``[[modbus]]`` tables on the test's field loop; stopped afterwards."""
    drivers: list[ModbusDriver] = []

    def make(tables: list[dict[str, Any]]) -> ModbusDriver:
        driver = ModbusDriver(device_configs(tables), field_loop)
        drivers.append(driver)
        return driver

    yield make
    for driver in drivers:
        driver.stop()
