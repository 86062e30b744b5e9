"""The Modbus driver: every configured unit, grouped by shared port/gateway, on the field loop.

``ModbusDriver(configs, loop)`` builds one :class:`ModbusLink` per serial port or TCP endpoint
and one :class:`ModbusDevice` per ``[[modbus]]`` table. ``start(sink)`` declares the tags and
starts one poll task per unit on the shared :class:`~drivers.loop.FieldLoop`; readings go to
``sink.emit`` with ``source="modbus:<device>"``. Writes are absolute, checked against the point
(writable, type, min/max) and the unit's state before anything is sent, sent once, and read back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections import Counter
from collections.abc import Sequence

from core.model import Reading
from drivers.base import (
    BrowseNode,
    DriverSink,
    DriverStatus,
    LinkState,
    WriteOutcome,
    WriteRequest,
    WriteResult,
)
from drivers.loop import FieldLoop
from drivers.modbus.config import ModbusDeviceConfig
from drivers.modbus.device import ModbusDevice
from drivers.modbus.link import LinkSettings, ModbusLink

log = logging.getLogger(__name__)

_EMIT_TRIES = 5
_EMIT_RETRY_S = 0.05
_STOP_TIMEOUT_S = 10.0
_REGISTER_CODES = {"coil": "co", "discrete": "di", "holding": "hr", "input": "ir"}


class ModbusDriver:
    """All Modbus devices of a plant, behind the :class:`drivers.base.Driver` interface."""

    def __init__(
        self, configs: Sequence[ModbusDeviceConfig], loop: FieldLoop, *, name: str = "modbus"
    ) -> None:
        self.name = name
        self.status = DriverStatus(name=name, kind="modbus")
        self.links: dict[str, ModbusLink] = {}
        self.devices: dict[str, ModbusDevice] = {}
        self._loop = loop
        self._sink: DriverSink | None = None
        self._tasks: list[asyncio.Task[None]] = []
        units = Counter(config.link_key for config in configs)
        for config in configs:
            link = self.links.get(config.link_key)
            if link is None:
                settings = LinkSettings.from_config(config)
                link = self.links[config.link_key] = ModbusLink(
                    settings, units=units[config.link_key]
                )
            self.devices[config.name] = ModbusDevice(config, link)
        self.status.endpoint = ", ".join(self.links)

    def start(self, sink: DriverSink) -> None:
        """Declare every tag and start polling; returns at once."""
        if self._tasks:
            return
        self._sink = sink
        sink.declare([d for device in self.devices.values() for d in device.declarations()])
        self.status.set_state(LinkState.CONNECTING)
        self._loop.run(self._start_tasks())
        log.info(
            "modbus driver %s started: %d devices on %d links",
            self.name,
            len(self.devices),
            len(self.links),
        )

    def stop(self) -> None:
        """Stop polling and close every connection; idempotent."""
        if self._tasks or any(link.connected for link in self.links.values()):
            self._loop.run(self._shutdown(), timeout=_STOP_TIMEOUT_S)
        self.status.set_state(LinkState.STOPPED)

    def write(self, request: WriteRequest) -> WriteResult:
        """Write an absolute value to ``<device>/<point>``; blocks until read back (never retried).

        Call from any thread except the field loop's own.
        """
        device_name, _, point_name = request.tag.partition("/")
        device = self.devices.get(device_name)
        point = device.profile.find(point_name) if device else None
        if device is None or point is None:
            return WriteResult(WriteOutcome.FAILED, f"unknown tag {request.tag}")
        refusal = device.check_write(point, request.value)
        if refusal:
            log.info("modbus write to %s refused: %s", request.tag, refusal)
            return WriteResult(WriteOutcome.FAILED, refusal)
        future = self._loop.submit(device.write(point, request.value))
        budget = device.config.timeout * (4 + 2 * device.config.retries) + 5.0
        try:
            result, readings = future.result(budget)
        except concurrent.futures.TimeoutError:
            future.cancel()
            return WriteResult(WriteOutcome.UNCONFIRMED, f"no outcome within {budget:.0f} s")
        if readings and self._sink is not None:
            self._sink.emit(readings, source=f"modbus:{device.name}")
        log.info(
            "modbus write %s = %r by %s: %s",
            request.tag,
            request.value,
            request.user or "?",
            result.outcome.value,
        )
        return result

    def browse(self) -> list[BrowseNode]:
        """Devices and their points, with ``modbus://device/hr/40?type=float32&order=ABCD`` addresses."""
        nodes = []
        for device in self.devices.values():
            children = tuple(
                BrowseNode(
                    address=f"modbus://{device.name}/{_REGISTER_CODES[p.register_type]}/{p.address}"
                    f"?type={p.dtype}&order={p.order}",
                    name=p.name,
                    is_variable=True,
                )
                for p in device.profile.points
            )
            nodes.append(BrowseNode(f"modbus://{device.name}", device.name, False, children))
        return nodes

    def device_status(self) -> dict[str, DriverStatus]:
        """Health of every unit, by device name."""
        return {name: device.status for name, device in self.devices.items()}

    def poll_now(self, device: str) -> list[Reading]:
        """Poll one unit once from any thread except the field loop's and return its readings.

        Nothing is emitted; meant for benchmarks and diagnostics (``bench/modbus_bench.py``).
        """
        return list(self._loop.run(self.devices[device].poll_once()))

    def poll_cycles(self, device: str, cycles: int) -> int:
        """Poll one unit ``cycles`` times back to back on the field loop; returns readings made.

        One hop to the loop for all cycles, so a benchmark measures Modbus round trips only.
        """

        async def run() -> int:
            made = 0
            for _ in range(cycles):
                made += len(await self.devices[device].poll_once())
            return made

        return self._loop.run(run())

    async def _start_tasks(self) -> None:
        for device in self.devices.values():
            task = asyncio.create_task(self._poll_forever(device), name=f"modbus:{device.name}")
            self._tasks.append(task)

    async def _shutdown(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for link in self.links.values():
            await link.close()

    async def _poll_forever(self, device: ModbusDevice) -> None:
        loop = asyncio.get_running_loop()
        interval = device.config.poll_interval
        next_at = loop.time()
        while True:
            try:
                readings = await device.poll_once()
                self._refresh_status()
                if readings:
                    await self._deliver(device, readings)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("modbus %s: poll cycle failed", device.name)
                device.status.count_error("internal")
            next_at += interval
            if next_at < loop.time():  # overran: skip the missed slots, keep a full rest
                next_at = loop.time() + interval
            await asyncio.sleep(next_at - loop.time())

    async def _deliver(self, device: ModbusDevice, readings: Sequence[Reading]) -> None:
        sink = self._sink
        if sink is None:
            return
        for _ in range(_EMIT_TRIES):
            if sink.emit(readings, source=f"modbus:{device.name}"):
                return
            await asyncio.sleep(_EMIT_RETRY_S)
        device.status.count_error("queue_full")
        log.warning(
            "modbus %s: ingest queue full, %d readings not taken", device.name, len(readings)
        )

    def _refresh_status(self) -> None:
        statuses = [device.status for device in self.devices.values()]
        states = {s.state for s in statuses}
        if states == {LinkState.ONLINE}:
            state = LinkState.ONLINE
        elif states == {LinkState.OFFLINE}:
            state = LinkState.OFFLINE
        elif states & {LinkState.OFFLINE, LinkState.DEGRADED}:
            state = LinkState.DEGRADED
        else:
            state = LinkState.CONNECTING
        failing = [s for s in statuses if s.state in (LinkState.OFFLINE, LinkState.DEGRADED)]
        error = f"{failing[0].name}: {failing[0].last_error}" if failing else ""
        self.status.messages = sum(s.messages for s in statuses)
        self.status.errors = sum(s.errors for s in statuses)
        self.status.reconnects = sum(max(0, link.connects - 1) for link in self.links.values())
        self.status.set_state(state, error)
