"""One connected session to one endpoint: resolved nodes, one subscription, link watching, writes.

asyncua (>= 2.0) re-establishes a lost connection by itself (``auto_reconnect=True``):
reactivate the session, TransferSubscriptions + Republish, or recreate the subscription and
its monitored items when the server forgot them. This class watches the client's state so
the driver learns of every loss and recovery, and re-reads current values after recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from asyncua import ua
from asyncua.client.client import Client
from asyncua.client.ua_client import StateSubscription, UaClientState
from asyncua.common.node import Node
from asyncua.ua.attribute_ids import AttributeIds

from core.model import Reading
from drivers.base import TagDeclaration, WriteOutcome, WriteResult
from drivers.opcua.browse import Resolution, read_metadata, resolve_nodes
from drivers.opcua.client import build_client
from drivers.opcua.codec import (
    WriteValueError,
    coerce_for_write,
    python_value,
    reading_from,
    status_text,
    values_match,
)
from drivers.opcua.config import OpcuaConfig
from drivers.opcua.monitoring import monitored_item_request, subscription_parameters
from drivers.opcua.notifications import Changes, change_batch
from drivers.opcua.security import ApplicationIdentity
from drivers.opcua.subscription import create_batch_subscription, strict_republish
from drivers.opcua.wire import install_fast_publish

log = logging.getLogger(__name__)

_DOWN_STATES = (UaClientState.DISCONNECTED, UaClientState.RECONNECTING, UaClientState.CONNECTING)


class SessionListener(Protocol):
    """What a session reports to its driver (called on the event loop)."""

    def on_declarations(self, declarations: list[TagDeclaration]) -> None:
        """Metadata of the resolved nodes, before their first values."""

    def on_readings(self, readings: Sequence[Reading]) -> None:
        """The data changes of one publish response, converted (one call per response)."""

    def on_notification_problems(self, unknown_handles: int, overflows: int) -> None:
        """Notifications for no known item, and values whose server queue overflowed."""

    def on_link_lost(self, reason: str) -> None:
        """The connection went down (asyncua is reconnecting)."""

    def on_link_restored(self, readings: list[Reading]) -> None:
        """The connection is back; ``readings`` are the re-read current values."""


class OpcuaSession:
    """An asyncua client on one endpoint with a subscription of every resolvable configured node."""

    def __init__(
        self,
        config: OpcuaConfig,
        endpoint: str,
        identity: ApplicationIdentity | None,
        listener: SessionListener,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.endpoint = endpoint
        self._identity = identity
        self._listener = listener
        self._clock = clock
        self._client: Client | None = None
        self._nodes: dict[str, Node] = {}
        self._tag_by_handle: dict[int, str] = {}
        self._vtypes: dict[str, ua.VariantType] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._up = False
        self._closing = False
        self._connected = False
        self._down_since: float | None = None
        self._held: list[Reading] | None = []
        """Values that arrived before :meth:`deliver` (None from then on)."""

    @property
    def up(self) -> bool:
        """True while the session is connected."""
        return self._up

    def down_for(self) -> float:
        """Seconds since the connection was lost (0 while it is up)."""
        return 0.0 if self._down_since is None else self._clock() - self._down_since

    async def open(self) -> list[Resolution]:
        """Connect, resolve the nodes, declare them and subscribe; raises on failure.

        Returns the configured nodes that could not be used (not found, not monitorable).
        """
        client = await build_client(self.config, self.endpoint, self._identity)
        client.connection_lost_callback = self._connection_lost
        strict_republish(client.uaclient.session)
        install_fast_publish(client.uaclient.session)
        self._client = client
        try:
            await client.connect(
                auto_reconnect=True,
                reconnect_max_delay=self.config.reconnect_max_delay_s,
                reconnect_request_timeout=self.config.request_timeout_s,
            )
            self._connected = True
            states = client.uaclient.subscribe_state()
            await states.__aenter__()  # listening from now on: no state change slips by
            self._spawn(self._watch(states))
            unusable = await self._prepare(client)
        except BaseException:
            await self.close()
            raise
        self._up = True
        return unusable

    def deliver(self) -> None:
        """Hand on the values held since subscribing, and later ones at once (nobody sees a
        good value before the driver has taken the session and can write)."""
        held, self._held = self._held or [], None
        if held:
            self._listener.on_readings(held)

    async def _prepare(self, client: Client) -> list[Resolution]:
        resolutions = await resolve_nodes(client, self.config.nodes)
        usable = [r for r in resolutions if r.node is not None]
        metadata = await read_metadata(client, [r.node for r in usable if r.node is not None])
        declarations = [
            TagDeclaration(
                name=r.config.tag,
                unit=r.config.unit or meta.unit,
                description=r.config.description or meta.description,
                device=self.config.name,
                writable=r.config.writable,
            )
            for r, meta in zip(usable, metadata, strict=True)
        ]
        self._listener.on_declarations(declarations)
        failed = await self._subscribe(client, usable)
        return [r for r in resolutions if r.node is None] + failed

    async def _subscribe(self, client: Client, usable: list[Resolution]) -> list[Resolution]:
        subscription = await create_batch_subscription(
            client, subscription_parameters(self.config.publishing_interval_ms), self._on_changes
        )
        interval = self.config.publishing_interval_ms
        requests = [
            monitored_item_request(r.config, r.node, handle, interval)
            for handle, r in enumerate(usable, start=1)
            if r.node is not None
        ]
        # known before the first values: they may arrive before create_monitored_items returns
        self._tag_by_handle.update((h, r.config.tag) for h, r in enumerate(usable, start=1))
        results = await subscription.create_monitored_items(requests) if requests else []
        failed: list[Resolution] = []
        for handle, (resolution, result) in enumerate(zip(usable, results, strict=True), start=1):
            if isinstance(result, ua.StatusCode):
                del self._tag_by_handle[handle]
                failed.append(
                    Resolution(resolution.config, None, f"not monitored ({status_text(result)})")
                )
                continue
            assert resolution.node is not None
            self._nodes[resolution.config.tag] = resolution.node
        return failed

    def _on_changes(self, items: Changes, replayed: bool) -> None:
        """One DataChangeNotification: one columnar batch to the listener."""
        if self._closing:
            return
        batch = change_batch(items, self._tag_by_handle)
        if replayed:
            log.info(
                "%s: %d notifications republished after a reconnect", self.endpoint, len(items)
            )
        if batch.unknown_handles or batch.overflows:
            self._listener.on_notification_problems(batch.unknown_handles, batch.overflows)
        if not batch.readings:
            return
        if self._held is not None:
            self._held.extend(batch.readings)
        else:
            self._listener.on_readings(batch.readings)

    async def _connection_lost(self, exc: Exception) -> None:
        if not self._closing:
            self._mark_down(f"connection to {self.endpoint} lost: {exc!r}")

    async def _watch(self, states: StateSubscription) -> None:
        try:
            while not self._closing:
                state = await states.next_change()
                if self._closing:
                    return
                if state is UaClientState.CONNECTED and not self._up:
                    self._up, self._down_since = True, None
                    self._spawn(self._restore())
                elif state in _DOWN_STATES and self._up:
                    self._mark_down(f"connection to {self.endpoint} lost")
        finally:
            await states.__aexit__(None, None, None)

    def _mark_down(self, reason: str) -> None:
        if self._up:
            self._up, self._down_since = False, self._clock()
        self._listener.on_link_lost(reason)

    async def _restore(self) -> None:
        try:
            readings = await self.read_current()
        except Exception as exc:
            log.info("re-reading %s after reconnect failed: %r", self.config.name, exc)
            readings = []
        if self._up and not self._closing:
            self._listener.on_link_restored(readings)

    async def read_current(self) -> list[Reading]:
        """Current value of every monitored node, stamped with the server's read time."""
        if self._client is None or not self._nodes:
            return []
        tags = list(self._nodes)
        params = ua.ReadParameters(
            NodesToRead=[
                ua.ReadValueId(NodeId=self._nodes[t].nodeid, AttributeId=AttributeIds.Value)
                for t in tags
            ],
            TimestampsToReturn=ua.TimestampsToReturn.Both,
        )
        values = await self._client.uaclient.session.read(params)
        return [
            reading_from(tag, dv, prefer_server_time=True)
            for tag, dv in zip(tags, values, strict=True)
        ]

    async def write(self, tag: str, value: float | int | bool) -> WriteResult:
        """Write an absolute value with the node's data type, then read it back."""
        node = self._nodes.get(tag)
        if node is None:
            return WriteResult(WriteOutcome.FAILED, f"node of {tag} is not available on the server")
        vtype = self._vtypes.get(tag) or await node.read_data_type_as_variant_type()
        self._vtypes[tag] = vtype
        try:
            coerced = coerce_for_write(value, vtype)
        except WriteValueError as exc:
            return WriteResult(WriteOutcome.FAILED, str(exc))
        data = ua.DataValue(ua.Variant(coerced, vtype))
        write = ua.WriteValue(NodeId=node.nodeid, AttributeId=AttributeIds.Value, Value=data)
        status = (await node.write_params(ua.WriteParameters(NodesToWrite=[write])))[0]
        if not status.is_good():
            return WriteResult(WriteOutcome.FAILED, status_text(status))
        back = await node.read_data_value(raise_on_bad_status=False)
        read_back = python_value(back.Value.Value) if back.Value is not None else None
        number = read_back if isinstance(read_back, bool | int | float) else None
        if number is not None and values_match(coerced, number):
            return WriteResult(
                WriteOutcome.CONFIRMED, f"{status_text(status)}; read back {number!r}", number
            )
        return WriteResult(
            WriteOutcome.UNCONFIRMED, f"{status_text(status)}; read back {read_back!r}", number
        )

    @property
    def client(self) -> Client | None:
        """The asyncua client (None before :meth:`open`)."""
        return self._client

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self, timeout: float = 3.0) -> None:
        """Disconnect and stop watching; idempotent, bounded by ``timeout``."""
        self._closing = True
        self._up = False
        for task in list(self._tasks):
            task.cancel()
        client, self._client = self._client, None
        if client is None or not self._connected:
            return
        try:
            await asyncio.wait_for(client.disconnect(), timeout)
        except Exception as exc:
            log.debug("disconnecting %s: %r", self.endpoint, exc)
        with contextlib.suppress(Exception):
            client.disconnect_socket()
