"""The OPC-UA driver: one server (with an optional failover endpoint) on the shared field loop.

Life of a connection:
* connect (with :class:`~drivers.base.Backoff` between failed attempts, alternating between
  the primary and the secondary endpoint), resolve nodes, declare tags, subscribe;
* while connected, each publish response's data changes are emitted at once as one columnar
  batch (``source="opcua:<name>"``); a refused batch is kept and retried; what has to go is
  counted (``queue_full_dropped``), as are server queue overflows (``server_queue_overflow``);
* on a loss, the status goes OFFLINE (logged once) and every tag gets one BAD_COMMS_LOST
  reading; asyncua's auto-reconnect restores session and subscription, the current values
  are re-read, "recovered" is logged once and the reconnect is counted;
* a connection that stays down longer than ``failover_after_s`` is dropped and rebuilt on the
  next endpoint (the secondary one when configured).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import logging
import time
from collections.abc import Callable, Sequence

from asyncua.ua.uaerrors import UaStatusCodeError

from core.model import Quality, Reading, now_ns
from drivers.base import (
    Backoff,
    BrowseNode,
    DriverSink,
    DriverStatus,
    LinkState,
    TagDeclaration,
    WriteOutcome,
    WriteRequest,
    WriteResult,
)
from drivers.loop import FieldLoop
from drivers.opcua.batcher import ReadingBatcher
from drivers.opcua.browse import Resolution, browse_tree
from drivers.opcua.codec import describe_error
from drivers.opcua.config import OpcuaConfig
from drivers.opcua.security import ApplicationIdentity, ensure_application_identity
from drivers.opcua.session import OpcuaSession

log = logging.getLogger(__name__)

BROWSE_TIMEOUT_S = 30.0


class OpcuaDriver:
    """:class:`drivers.base.Driver` for one OPC-UA server."""

    kind = "opcua"

    def __init__(
        self,
        config: OpcuaConfig,
        loop: FieldLoop,
        *,
        backoff: Backoff | None = None,
        batch_window_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = config.name
        self.config = config
        self.status = DriverStatus(name=config.name, kind=self.kind, endpoint=config.endpoint)
        self._loop = loop
        self._backoff = backoff or Backoff(base_s=0.5, cap_s=config.reconnect_max_delay_s)
        self._batch_window_s = batch_window_s
        self._clock = clock
        self._tags = {node.tag: node for node in config.nodes}
        self._sink: DriverSink | None = None
        self._future: concurrent.futures.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop_event: asyncio.Event | None = None
        self._stopped = False
        self._session: OpcuaSession | None = None
        self._batcher: ReadingBatcher | None = None
        self._identity: ApplicationIdentity | None = None
        self._ever_online = False
        self._comms_lost_sent = False
        self._warned_tags: set[str] = set()

    def start(self, sink: DriverSink) -> None:
        """Begin connecting in the background on the field loop; returns at once."""
        if self._future is not None or self._stopped:
            return
        self._sink = sink
        self._future = self._loop.submit(self._supervise())

    def stop(self) -> None:
        """Close the session, flush pending readings and stop; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self._future is not None:
            try:
                self._loop.run(self._shutdown(), timeout=15)
            except Exception as exc:
                log.warning("opcua %s did not stop cleanly: %s", self.name, describe_error(exc))
        self.status.set_state(LinkState.STOPPED)

    def write(self, request: WriteRequest) -> WriteResult:
        """Write an absolute value (typed after the node's DataType) and read it back.

        Refused while offline; blocks up to ``write_timeout_s``. Never call it on the field loop.
        """
        refusal = self._refusal(request)
        if refusal:
            return WriteResult(WriteOutcome.FAILED, refusal)
        future = self._loop.submit(self._write(request))
        try:
            return future.result(timeout=self.config.write_timeout_s)
        except TimeoutError:
            future.cancel()
            return WriteResult(
                WriteOutcome.UNCONFIRMED, f"no answer within {self.config.write_timeout_s:g} s"
            )

    def _refusal(self, request: WriteRequest) -> str:
        node = self._tags.get(request.tag)
        if node is None:
            return f"{request.tag} is not a tag of opcua {self.name}"
        if not node.writable:
            return f"{request.tag} is not writable (writable = false)"
        if self.status.state is not LinkState.ONLINE:
            return f"offline: {self.status.last_error or 'not connected'}"
        return ""

    def browse(self) -> list[BrowseNode]:
        """The server's address space below Objects, ``browse_depth`` levels deep.

        Raises ConnectionError while offline. Never call it on the field loop.
        """
        return self._loop.run(self._browse(), timeout=BROWSE_TIMEOUT_S)

    async def _supervise(self) -> None:
        self._task = asyncio.current_task()
        self._stop_event = asyncio.Event()
        self._batcher = ReadingBatcher(
            asyncio.get_running_loop(),
            self._emit,
            window_s=self._batch_window_s,
            on_dropped=functools.partial(self._count, "queue_full_dropped"),
        )
        try:
            await self._connect_loop()
        finally:
            session, self._session = self._session, None
            if session is not None:
                await session.close()
            self._batcher.close()

    async def _shutdown(self) -> None:
        if self._stop_event is not None:
            self._stop_event.set()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=10)

    async def _connect_loop(self) -> None:
        endpoints = self.config.endpoints
        attempt = index = 0
        while not self._stopping():
            endpoint = endpoints[index % len(endpoints)]
            session = await self._open(endpoint)
            if session is None:
                index += 1
                await self._pause(self._backoff.delay(attempt))
                attempt += 1
                continue
            attempt = 0
            await self._hold(session)
            self._session = None
            await session.close()
            index += 1

    def _stopping(self) -> bool:
        return self._stopped or (self._stop_event is not None and self._stop_event.is_set())

    async def _pause(self, seconds: float) -> None:
        assert self._stop_event is not None
        try:
            await asyncio.wait_for(self._stop_event.wait(), seconds)
        except TimeoutError:
            return

    async def _open(self, endpoint: str) -> OpcuaSession | None:
        self.status.endpoint = endpoint
        try:
            if self.config.secure and self._identity is None:
                self._identity = await asyncio.to_thread(
                    ensure_application_identity, self.config.pki_dir
                )
            session = OpcuaSession(self.config, endpoint, self._identity, self, self._clock)
            unusable = await session.open()
        except Exception as exc:
            log.debug("opcua %s: connecting to %s failed", self.name, endpoint, exc_info=True)
            self.status.count_error("connect_failed")
            self.on_link_lost(f"{endpoint}: {describe_error(exc)}")
            return None
        self._session = session
        self._report_unusable(unusable)
        log.info("opcua %s connected to %s", self.name, endpoint)
        self._came_up()
        session.deliver()
        return session

    async def _hold(self, session: OpcuaSession) -> None:
        """Keep ``session`` until stop, or until it has been down longer than failover_after_s."""
        while not self._stopping():
            await self._pause(0.25)
            down_for = session.down_for()
            if down_for > self.config.failover_after_s:
                where = f"{self.name}: {session.endpoint}"
                log.warning("opcua %s down for %.0f s; rebuilding the connection", where, down_for)
                return

    def _report_unusable(self, unusable: list[Resolution]) -> None:
        readings = []
        for item in unusable:
            tag = item.config.tag
            self.status.count_error("node_unusable")
            if tag not in self._warned_tags:
                self._warned_tags.add(tag)
                log.warning(
                    "opcua %s: %s (%s) %s", self.name, tag, item.config.address, item.problem
                )
            readings.append(Reading(tag, None, now_ns(), Quality.BAD_CONFIG))
        if self._batcher is not None:
            self._batcher.add(readings)

    def on_declarations(self, declarations: list[TagDeclaration]) -> None:
        """Tag metadata from the server, handed to the registry before values flow."""
        if self._sink is not None and declarations:
            self._sink.declare(declarations)

    def on_readings(self, readings: Sequence[Reading]) -> None:
        """One publish response's data changes: counted and handed on."""
        self.status.messages += len(readings)
        if self._batcher is not None:
            self._batcher.add(readings)

    def on_notification_problems(self, unknown_handles: int, overflows: int) -> None:
        """Counted: notifications for no known item; values the server's queue overflowed for."""
        self._count("unknown_client_handle", unknown_handles)
        self._count("server_queue_overflow", overflows)

    def on_link_restored(self, readings: list[Reading]) -> None:
        """asyncua re-established the session; ``readings`` are the re-read current values."""
        self._came_up()
        if self._batcher is not None:
            self._batcher.add(readings)

    def on_link_lost(self, reason: str) -> None:
        """The connection is down: OFFLINE (logged once) and one BAD_COMMS_LOST per tag."""
        self.status.set_state(LinkState.OFFLINE, reason)
        if self._comms_lost_sent or self._batcher is None:
            return
        self._comms_lost_sent = True
        stamp = now_ns()
        self._batcher.add([Reading(tag, None, stamp, Quality.BAD_COMMS_LOST) for tag in self._tags])

    def _came_up(self) -> None:
        if self._ever_online and self.status.state is not LinkState.ONLINE:
            self.status.reconnects += 1
        self._ever_online = True
        self._comms_lost_sent = False
        self.status.set_state(LinkState.ONLINE)

    def _emit(self, readings: Sequence[Reading]) -> bool:
        return self._sink is None or self._sink.emit(readings, source=f"opcua:{self.name}")

    def _count(self, reason: str, count: int) -> None:
        for _ in range(count):
            self.status.count_error(reason)

    async def _write(self, request: WriteRequest) -> WriteResult:
        session = self._session
        if session is None or not session.up:
            return WriteResult(WriteOutcome.FAILED, "offline: not connected")
        try:
            return await session.write(request.tag, request.value)
        except UaStatusCodeError as exc:
            return WriteResult(WriteOutcome.FAILED, describe_error(exc))
        except (ConnectionError, TimeoutError) as exc:
            return WriteResult(
                WriteOutcome.UNCONFIRMED, f"connection lost during write: {describe_error(exc)}"
            )
        except Exception as exc:
            return WriteResult(WriteOutcome.FAILED, describe_error(exc))

    async def _browse(self) -> list[BrowseNode]:
        session = self._session
        if session is None or not session.up or session.client is None:
            raise ConnectionError(f"opcua {self.name} is offline")
        return await browse_tree(session.client, self.config.browse_depth)
