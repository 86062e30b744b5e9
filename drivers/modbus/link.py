"""One shared Modbus connection (a serial port or a TCP endpoint) for every unit behind it.

Requests of all units on the link are serialised by one ``asyncio.Lock``, each with its unit id
and timeout (pymodbus times responses out; a :class:`RequestGuard`, one lazy timer per link, ends
requests pymodbus left hanging). RTU keeps the 3.5-character gap. pymodbus' retries and
reconnect are off: reads are retried here, writes never; reconnects follow Backoff, primary first.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

from pymodbus import FramerType
from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.client.base import ModbusBaseClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.pdu import ModbusPDU

from drivers.base import Backoff
from drivers.modbus.config import ModbusDeviceConfig
from drivers.modbus.deadline import RequestGuard
from drivers.modbus.errors import CommsError, DeviceFault
from drivers.modbus.points import BIT_REGISTER_TYPES

log = logging.getLogger(__name__)

_READ_METHODS = {
    "coil": "read_coils",
    "discrete": "read_discrete_inputs",
    "holding": "read_holding_registers",
    "input": "read_input_registers",
}
_RESPONSE_GUARD_S = 1.0
_FAST_RTU_GAP_S = 0.00175
_NO_RESPONSES_PER_UNIT = 3

Call = Callable[[ModbusBaseClient], Awaitable[ModbusPDU]]


def inter_frame_gap_s(baudrate: int, bytesize: int, parity: str, stopbits: int) -> float:
    """RTU silent interval: 3.5 character times, fixed at 1.75 ms above 19200 baud."""
    if baudrate > 19200:
        return _FAST_RTU_GAP_S
    bits_per_char = 1 + bytesize + (0 if parity == "N" else 1) + stopbits
    return 3.5 * bits_per_char / baudrate


@dataclass(frozen=True, slots=True)
class LinkSettings:
    """How to reach one port or gateway (taken from the first device configured on it)."""

    key: str
    host: str | None
    port: int
    secondary_host: str | None
    secondary_port: int | None
    serial: str | None
    baudrate: int
    parity: str
    stopbits: int
    bytesize: int
    framer: str
    connect_timeout: float
    backoff: Backoff

    @classmethod
    def from_config(cls, config: ModbusDeviceConfig) -> LinkSettings:
        """Settings of the link ``config`` is on."""
        return cls(
            key=config.link_key,
            host=config.host,
            port=config.port,
            secondary_host=config.secondary_host,
            secondary_port=config.secondary_port or config.port,
            serial=config.serial,
            baudrate=config.baudrate,
            parity=config.parity,
            stopbits=config.stopbits,
            bytesize=config.bytesize,
            framer=config.effective_framer,
            connect_timeout=config.timeout,
            backoff=Backoff(config.reconnect_delay, config.reconnect_delay_max),
        )

    @property
    def frame_gap_s(self) -> float:
        """Silence to keep between frames (RTU only)."""
        if self.framer != "rtu":
            return 0.0
        return inter_frame_gap_s(self.baudrate, self.bytesize, self.parity, self.stopbits)


class ModbusLink:
    """The connection of one port/gateway; every coroutine runs on the field loop."""

    def __init__(
        self,
        settings: LinkSettings,
        *,
        units: int = 1,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings
        self.units = units
        self.requests_sent = 0
        self.connects = 0
        self._clock = clock
        self._rng = rng
        self._client: ModbusBaseClient | None = None
        self._endpoint = ""
        self._lock = asyncio.Lock()
        self._attempt = 0
        self._next_connect_at = 0.0
        self._last_frame_at = 0.0
        self._guard = RequestGuard()

    @property
    def connected(self) -> bool:
        """True while a connection is open."""
        return self._client is not None and self._client.connected

    @property
    def endpoint(self) -> str:
        """The endpoint in use (``host:port`` or the serial path), or the primary one."""
        return self._endpoint or (
            self.settings.serial or f"{self.settings.host}:{self.settings.port}"
        )

    async def read(
        self,
        unit: int,
        register_type: str,
        address: int,
        count: int,
        *,
        timeout: float,
        retries: int,
    ) -> list[int] | list[bool]:
        """Read ``count`` values; raises :class:`CommsError` or :class:`DeviceFault`."""
        method = _READ_METHODS[register_type]

        def call(client: ModbusBaseClient) -> Awaitable[ModbusPDU]:
            reader = cast(Callable[..., Awaitable[ModbusPDU]], getattr(client, method))
            return reader(address, count=count, device_id=unit)

        response = await self._execute(call, timeout=timeout, attempts=retries + 1)
        values: list[int] | list[bool]
        if register_type in BIT_REGISTER_TYPES:
            values = list(response.bits)[:count]
        else:
            values = list(response.registers)[:count]
        if len(values) < count:
            raise CommsError("short_response", f"asked for {count} values, got {len(values)}")
        return values

    async def write(
        self,
        unit: int,
        register_type: str,
        address: int,
        values: list[int] | list[bool],
        *,
        timeout: float,
    ) -> None:
        """Write coils or holding registers once (never retried)."""

        def call(client: ModbusBaseClient) -> Awaitable[ModbusPDU]:
            if register_type == "coil":
                bits = [bool(v) for v in values]
                if len(bits) == 1:
                    return client.write_coil(address, bits[0], device_id=unit)
                return client.write_coils(address, bits, device_id=unit)
            words = [int(v) for v in values]
            if len(words) == 1:
                return client.write_register(address, words[0], device_id=unit)
            return client.write_registers(address, words, device_id=unit)

        await self._execute(call, timeout=timeout, attempts=1)

    async def close(self) -> None:
        """Close the connection (a later request reconnects)."""
        async with self._lock:
            self._discard_client()

    async def _execute(self, call: Call, *, timeout: float, attempts: int) -> ModbusPDU:
        async with self._lock:
            failure = CommsError("timeout", "no attempt made")
            for _ in range(attempts):
                client = await self._connected_client()
                await self._keep_frame_gap()
                try:
                    return await self._send(client, call, timeout)
                except CommsError as exc:
                    failure = exc
            raise failure

    async def _send(self, client: ModbusBaseClient, call: Call, timeout: float) -> ModbusPDU:
        """One request; pymodbus times out after ``timeout``, the guard ends what it left hanging."""
        client.ctx.comm_params.timeout_connect = timeout
        self.requests_sent += 1
        try:
            response = await self._guard.run(call(client), timeout + _RESPONSE_GUARD_S)
        except (ModbusIOException, TimeoutError) as exc:
            raise CommsError("timeout", f"no response within {timeout:g} s") from exc
        except (ConnectionException, OSError) as exc:
            self._discard_client()
            raise CommsError("connection_lost", f"connection lost: {exc}") from exc
        except ModbusException as exc:
            raise CommsError("protocol_error", f"protocol error: {exc}") from exc
        finally:
            self._last_frame_at = self._clock()
        if response.isError():
            raise DeviceFault(int(getattr(response, "exception_code", 0)))
        return response

    async def _connected_client(self) -> ModbusBaseClient:
        if self._client is not None and self._client.connected:
            return self._client
        self._discard_client()
        now = self._clock()
        if now < self._next_connect_at:
            wait = self._next_connect_at - now
            raise CommsError(
                "not_connected", f"{self.endpoint} unreachable; next try in {wait:.1f} s"
            )
        for host, port in self._endpoints():
            client = self._make_client(host, port)
            # pymodbus drops a TCP connection after retries+3 unanswered requests; behind a
            # gateway one silent unit must not cut off the others that often.
            client.set_max_no_responses(_NO_RESPONSES_PER_UNIT * self.units)
            if await client.connect():
                self._client, self._attempt = client, 0
                self._endpoint = host if self.settings.serial else f"{host}:{port}"
                self.connects += 1
                log.debug("modbus link %s connected to %s", self.settings.key, self._endpoint)
                return client
            client.close()
        delay = self.settings.backoff.delay(self._attempt, self._rng)
        self._attempt += 1
        self._next_connect_at = now + delay
        raise CommsError(
            "connect_failed", f"cannot connect to {self.endpoint}; retry in {delay:.1f} s"
        )

    def _endpoints(self) -> list[tuple[str, int]]:
        settings = self.settings
        if settings.serial:
            return [(settings.serial, 0)]
        assert settings.host is not None
        endpoints = [(settings.host, settings.port)]
        if settings.secondary_host:
            endpoints.append((settings.secondary_host, settings.secondary_port or settings.port))
        return endpoints

    def _make_client(self, host: str, port: int) -> ModbusBaseClient:
        settings = self.settings
        framer = FramerType.RTU if settings.framer == "rtu" else FramerType.SOCKET
        if settings.serial:
            return AsyncModbusSerialClient(
                host,
                framer=framer,
                baudrate=settings.baudrate,
                bytesize=settings.bytesize,
                parity=settings.parity,
                stopbits=settings.stopbits,
                name=settings.key,
                reconnect_delay=0,
                timeout=settings.connect_timeout,
                retries=0,
            )
        return AsyncModbusTcpClient(
            host,
            port=port,
            framer=framer,
            name=settings.key,
            reconnect_delay=0,
            timeout=settings.connect_timeout,
            retries=0,
        )

    def _discard_client(self) -> None:
        self._guard.close()
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _keep_frame_gap(self) -> None:
        gap = self.settings.frame_gap_s
        if gap > 0:
            wait = self._last_frame_at + gap - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
