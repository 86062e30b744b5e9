"""Simulated Modbus TCP devices: one pymodbus server per meter or drive, filled from its profile.

The register image of each register type spans the profile's points (gaps read as 0, like
most meters). Every ``update_interval_s`` the device's :class:`PointSource` gives engineering
values, :func:`drivers.modbus.codec.encode` turns them into registers and the image is stored
in the server. Writes from clients are accepted only on registers a writable point covers
(else ``ILLEGAL_ADDRESS``) and within its min/max (else ``ILLEGAL_VALUE``); the written value
is kept, shown on the next read and handed to the source (a drive follows its frequency
setpoint). During a comms-loss or power-outage fault the server closes and reopens afterwards.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from drivers.modbus.codec import CodecError, decode, encode
from drivers.modbus.points import Point
from drivers.modbus.profile import Profile

log = logging.getLogger(__name__)

Value = float | int | bool
BLOCKS = ("coil", "discrete", "holding", "input")
_WRITE_FC = {"coil": 15, "discrete": 2, "holding": 16, "input": 4}
_FC_BLOCK = {1: "coil", 5: "coil", 15: "coil", 2: "discrete", 3: "holding", 6: "holding"}
_FC_BLOCK.update({16: "holding", 22: "holding", 23: "holding", 4: "input"})


class PointSource(Protocol):
    """Engineering values of a simulated device's points at a time."""

    def values(self, t: float, written: Mapping[str, Value]) -> Mapping[str, Value]:
        """Values by point name (points left out keep their registers)."""

    def reachable(self, t: float) -> bool:
        """False while the device is off the network (comms loss, power outage)."""


@dataclass(slots=True)
class _Image:
    """The registers (or bits) of one register type, from ``start``."""

    start: int
    cells: list[int]  # bit blocks hold bools (bool is an int)
    points: list[Point] = field(default_factory=list)
    bits: bool = False

    def payload(self) -> list[int] | list[bool]:
        """The cells as pymodbus wants them: bools for coils and discrete inputs."""
        return [bool(c) for c in self.cells] if self.bits else [int(c) for c in self.cells]


def _images(profile: Profile) -> dict[str, _Image]:
    images: dict[str, _Image] = {}
    for kind in BLOCKS:
        points = [p for p in profile.points if p.register_type == kind]
        if not points:
            continue
        start = min(p.address for p in points)
        size = max(p.end for p in points) - start
        bits = kind in ("coil", "discrete")
        cells: list[int] = [False] * size if bits else [0] * size
        images[kind] = _Image(start, cells, points, bits)
    return images


def _clamped_encode(point: Point, value: Value, current: int) -> list[int] | list[bool]:
    """Encode, pulling a value that does not fit back into the point's min..max."""
    try:
        return encode(point, value, current)
    except CodecError:
        if point.is_boolean or isinstance(value, bool) or math.isnan(value):
            raise
        low = point.min if point.min is not None else -math.inf
        high = point.max if point.max is not None else math.inf
        return encode(point, min(max(float(value), low), high), current)


class ModbusDeviceServer:
    """One simulated device: a pymodbus TCP server, its register image and its write log."""

    def __init__(
        self,
        name: str,
        profile: Profile,
        source: PointSource,
        *,
        host: str = "127.0.0.1",
        port: int = 15020,
        unit: int = 1,
        update_interval_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name, self.profile, self.source = name, profile, source
        self.host, self.port, self.unit = host, port, unit
        self._interval, self._clock = update_interval_s, clock
        self._images = _images(profile)
        self.written: dict[str, Value] = {}
        self.writes_received = 0
        self.writes_refused = 0
        self._server: ModbusTcpServer | None = None
        self._task: asyncio.Task[None] | None = None
        self._updating = False

    @property
    def online(self) -> bool:
        """True while the server listens."""
        return self._server is not None

    def _sim_device(self) -> SimDevice:
        blocks: list[list[SimData]] = []
        for kind in BLOCKS:
            image = self._images.get(kind)
            bits = kind in ("coil", "discrete")
            if image is None:  # pymodbus needs every block; one invalid cell answers exceptions
                blocks.append([SimData(0, datatype=DataType.BITS if bits else DataType.INVALID)])
                continue
            datatype = DataType.BITS if bits else DataType.REGISTERS
            blocks.append([SimData(image.start, values=image.payload(), datatype=datatype)])
        return SimDevice(
            self.unit, simdata=(blocks[0], blocks[1], blocks[2], blocks[3]), action=self._action
        )

    async def start(self) -> None:
        """Fill the registers, start listening and start the update task."""
        await self._listen()
        self._task = asyncio.create_task(self._run(), name=f"modbus-sim-{self.name}")

    async def _listen(self) -> None:
        server = ModbusTcpServer(self._sim_device(), address=(self.host, self.port))
        try:
            await server.serve_forever(background=True)
        except RuntimeError as exc:  # pymodbus reports a failed bind this way
            raise OSError(f"{self.name}: cannot listen on {self.host}:{self.port}: {exc}") from exc
        self._server = server
        await self.update()
        log.info(
            "simulated %s (%s) on %s:%d unit %d",
            self.name,
            self.profile.name,
            self.host,
            self.port,
            self.unit,
        )

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self._follow_availability()
                await self.update()
            except Exception:  # one bad tick must not end the simulation
                log.exception("%s: update failed", self.name)

    async def _follow_availability(self) -> None:
        reachable = self.source.reachable(self._clock())
        if reachable and self._server is None:
            await self._listen()
            log.info("%s back on the network", self.name)
        elif not reachable and self._server is not None:
            await _shutdown(self._server)
            self._server = None
            log.info("%s off the network (fault)", self.name)

    async def update(self) -> None:
        """Compute the values now and store them in the server's registers."""
        values = self.source.values(self._clock(), dict(self.written))
        for image in self._images.values():
            for point in image.points:
                if point.name not in values:
                    continue
                self._store(image, point, values[point.name])
                if point.writable:  # the device changed a setting itself (e.g. cleared a reset)
                    self.written[point.name] = values[point.name]
        if self._server is None:
            return
        self._updating = True
        try:
            for kind, image in self._images.items():
                await self._server.async_setValues(
                    self.unit, _WRITE_FC[kind], image.start, image.payload()
                )
        finally:
            self._updating = False

    def _store(self, image: _Image, point: Point, value: Value) -> None:
        offset = point.address - image.start
        current = int(image.cells[offset]) if point.dtype == "bit" else 0
        try:
            cells = _clamped_encode(point, value, current)
        except CodecError as exc:
            log.warning("%s: cannot encode %s = %r: %s", self.name, point.name, value, exc)
            return
        image.cells[offset : offset + len(cells)] = [int(c) for c in cells]

    def set_written(self, name: str, value: Value) -> None:
        """Set a writable point as if a client had written it (initial settings)."""
        point = self.profile.point(name)
        self._store(self._images[point.register_type], point, value)
        self.written[name] = value

    async def _action(
        self,
        function_code: int,
        _start_address: int,
        address: int,
        count: int,
        _registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        if set_values is None or self._updating:
            return None
        kind = _FC_BLOCK.get(function_code, "")
        refusal = self._accept_write(kind, address, list(set_values))
        if refusal is not None:
            self.writes_refused += 1
            log.info(
                "%s: refused write fc=%d address=%d count=%d: %s",
                self.name,
                function_code,
                address,
                count,
                refusal.name,
            )
        return refusal

    def _accept_write(
        self, kind: str, address: int, values: list[int] | list[bool]
    ) -> ExcCodes | None:
        image = self._images.get(kind)
        if image is None:
            return ExcCodes.ILLEGAL_ADDRESS
        end = address + len(values)
        writable = [p for p in image.points if p.writable and p.address < end and p.end > address]
        covered = {a for p in writable for a in range(p.address, p.end)}
        if not writable or any(a not in covered for a in range(address, end)):
            return ExcCodes.ILLEGAL_ADDRESS
        proposed = list(image.cells)
        proposed[address - image.start : end - image.start] = [int(v) for v in values]
        decoded: dict[str, Value] = {}
        for point in writable:
            offset = point.address - image.start
            value = decode(point, proposed[offset : offset + point.count])
            if not point.is_boolean and not _within(point, float(value)):
                return ExcCodes.ILLEGAL_VALUE
            decoded[point.name] = value
        image.cells[:] = proposed
        self.written.update(decoded)
        self.writes_received += 1
        log.info("%s: write %s", self.name, decoded)
        return None

    async def stop(self) -> None:
        """Stop the update task and the server."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._server is not None:
            await _shutdown(self._server)
            self._server = None


async def _shutdown(server: ModbusTcpServer) -> None:
    """Close the listener and every client connection (pymodbus' shutdown is untyped)."""
    shutdown: Any = server.shutdown
    await shutdown()


def _within(point: Point, value: float) -> bool:
    if math.isnan(value):
        return False
    if point.min is not None and value < point.min:
        return False
    return point.max is None or value <= point.max
