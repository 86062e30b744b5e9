"""The MQTT driver: one broker connection feeding the ingest pipeline without loss.

Threads: paho's network thread (``loop_start``) runs the callbacks and only appends to the
inbox; the handoff thread decodes, batches and emits (see :mod:`drivers.mqtt.handoff`).
Delivery: QoS 1 subscriptions on a persistent session, manual acks, and the PUBACK of a message
sent only once the sink reports its batch durable (or the message quarantined). A crash before
that makes the broker redeliver; the store's uniqueness makes the duplicate harmless.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from core.model import now_ns
from drivers.base import (
    BrowseNode,
    DriverSink,
    DriverStatus,
    LinkState,
    WriteRequest,
    WriteResult,
)
from drivers.mqtt import speedups
from drivers.mqtt.commands import ConfirmWaiters, write_command
from drivers.mqtt.config import DriverConfigError, FormatLookup, MqttConfig
from drivers.mqtt.connection import (
    Failover,
    build_client,
    connect_kwargs,
    discard_unsent_commands,
    drop_socket,
    log_refused_subscriptions,
    point_client_at,
    session_lost,
    unwire,
)
from drivers.mqtt.fastread import RawPublish, fast_read, offer_publishes
from drivers.mqtt.handoff import Handoff, HandoffSettings
from drivers.mqtt.inbox import AckGate, Inbox, LinkEvent, inbound_message
from drivers.mqtt.negotiation import ProtocolNegotiation, protocol_name
from drivers.mqtt.presence import DevicePresence, PresenceBook
from drivers.mqtt.routing import Router

log = logging.getLogger(__name__)


class MqttDriver:
    """One ``[[mqtt]]`` broker connection (implements :class:`drivers.base.Driver`)."""

    def __init__(self, config: MqttConfig, *, format_lookup: FormatLookup | None = None) -> None:
        self.config = config
        self.name = config.name
        self.status = DriverStatus(name=config.name, kind="mqtt")
        self._format_lookup = format_lookup
        self._presence = PresenceBook()
        self._confirmations = ConfirmWaiters()
        self._failover = Failover(config.endpoints)
        self._protocol = ProtocolNegotiation(config)
        self._client: mqtt.Client | None = None
        self._gate: AckGate | None = None
        self._inbox = Inbox(config.inbox_limit)
        self._handoff: Handoff | None = None
        self._routes: Router | None = None
        self._connected = threading.Event()
        self._ever_connected = False
        self._stopping = False
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MqttDriver(name={self.name!r}, endpoint={self.status.endpoint!r})"

    @property
    def source(self) -> str:
        """The ``source`` given to the sink: ``mqtt:<name>``."""
        return f"mqtt:{self.name}"

    def start(self, sink: DriverSink) -> None:
        """Connect in the background and start delivering readings to ``sink``.

        Raises :class:`DriverConfigError` when the password source or a format is missing.
        """
        with self._lock:
            if self._client is not None:
                return
            client = build_client(self.config, self.config.resolve_password())
            self._inbox = Inbox(self.config.inbox_limit)  # generations restart with the gate
            self._protocol = ProtocolNegotiation(self.config)  # a new client speaks 5 again
            self._gate = AckGate(client)
            self._routes = self._router()
            self._handoff = self._build_handoff(self._routes, self._gate)
            self._wire(client)
            self._client = client
            self._stopping = False
            self.status.set_state(LinkState.CONNECTING)
            self._handoff.start(sink)
            client.connect_async(**connect_kwargs(self.config))
            client.loop_start()

    def _build_handoff(self, router: Router, gate: AckGate) -> Handoff:
        settings = HandoffSettings(
            source=self.source,
            max_payload_bytes=self.config.max_payload_bytes,
            flush_interval_s=self.config.flush_interval_s,
            max_batch=self.config.max_batch,
        )
        return Handoff(
            settings,
            self._inbox,
            router,
            gate,
            self.status,
            self._presence,
            observers=[self._confirmations.observe],
            on_refused=self._recycle_connection,
            on_topics=self._subscribe_learned,
        )

    def _router(self) -> Router:
        lookup = self._format_lookup
        if lookup is None:
            from drivers.mqtt.formats import get_format

            lookup = get_format
        subscriptions = [s.subscription() for s in self.config.subscribe]
        try:
            return Router(subscriptions, lookup)
        except (LookupError, ValueError) as exc:
            raise DriverConfigError(f"mqtt {self.name}", "subscribe", "", str(exc)) from None

    def _subscribe_learned(self, topics: list[str]) -> None:
        """Subscribe to topics: the configured ones, state topics a format learned (discovery)."""
        client = self._client
        if client is not None and topics:
            log.info("mqtt %s: subscribing to %d topic(s)", self.name, len(topics))
            client.subscribe([(t, int(self.config.qos)) for t in topics])

    def _wire(self, client: mqtt.Client) -> None:
        speedups.skip_empty_topic_callbacks(client)
        client.on_pre_connect = self._on_pre_connect
        client.on_socket_open = self._protocol.socket_open
        client.on_connect = self._on_connect
        client.on_connect_fail = self._on_connect_fail
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe

    def stop(self) -> None:
        """Disconnect and stop both threads; unacknowledged messages stay with the broker."""
        with self._lock:
            client, self._client = self._client, None
            if client is None:
                return
            self._stopping = True
            self._protocol.cancel()
            if self._gate is not None:
                self._gate.close()
            if self._handoff is not None:
                self._handoff.stop()
            client.disconnect()
            client.loop_stop()
            unwire(client)
            self._connected.clear()
            self.status.set_state(LinkState.STOPPED)

    def browse(self) -> list[BrowseNode]:
        """MQTT has no address space to browse."""
        return []

    def device_presence(self) -> dict[str, DevicePresence]:
        """Online state and last-seen time of every device that announced its presence."""
        return self._presence.snapshot()

    def counters(self) -> dict[str, int]:
        """Delivery counters beyond :class:`DriverStatus` (acks, stale acks, redeliveries)."""
        gate, handoff = self._gate, self._handoff
        return {
            "acked": gate.acked if gate else 0,
            "stale_acks": gate.stale if gate else 0,
            "redelivered": handoff.redelivered if handoff else 0,
            "comms_lost_events": handoff.comms_lost_events if handoff else 0,
            "inbox": len(self._inbox),
        }

    # -- paho callbacks (paho's network thread; they never block and never raise) ----------

    def _on_pre_connect(self, client: mqtt.Client, userdata: Any) -> None:
        point_client_at(client, self._failover.current)
        self._protocol.attempt_started()

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            self._refused(client, reason)
            return
        self._protocol.connack(client, reason)
        assert self._gate is not None
        self._gate.next_generation()
        if not fast_read(client, self._on_publishes, self._inbox.room):
            speedups.read_ahead(client)
        dropped = discard_unsent_commands(client)
        if dropped:
            log.warning("mqtt %s: %d unacknowledged command(s) not replayed", self.name, dropped)
        # Subscribing again on every connection makes the broker resend retained messages
        # (Home Assistant discovery) to the fresh format session.
        adopted = self._routes.adopted_topics() if self._routes is not None else []
        self._subscribe_learned([s.topic for s in self.config.subscribe] + list(adopted))
        self._failover.connected()
        if self._ever_connected:
            self.status.reconnects += 1
            if session_lost(self.config, bool(flags.session_present)):
                self.status.count_error("session_lost")
        self._ever_connected = True
        self.status.endpoint = f"{client.host}:{client.port}"
        self.status.protocol = protocol_name(client)
        self._inbox.put_event(LinkEvent("connected", now_ns()))
        self._connected.set()
        self.status.set_state(LinkState.ONLINE)

    def _refused(self, client: mqtt.Client, reason: ReasonCode) -> None:
        if not self._protocol.connack(client, reason):  # not retried with MQTT 3.1.1
            self.status.set_state(LinkState.OFFLINE, self._protocol.error(client, reason))

    def _attempt_ended(self, client: mqtt.Client, reason: ReasonCode, from_broker: bool) -> None:
        """An attempt ended before it was online: refused (reported), fallen back, unanswered."""
        if self._protocol.closed(client, reason, from_broker):
            return
        self._failover.attempt_failed()
        if not self._protocol.connack_seen and not self._stopping:
            self.status.set_state(LinkState.OFFLINE, self._protocol.error(client, reason))

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        error = sys.exc_info()[1]
        self._protocol.cancel()
        host, port = self._failover.current
        self._failover.attempt_failed()
        self.status.set_state(LinkState.OFFLINE, f"{host}:{port}: {error or 'connect failed'}")

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if self._gate is not None:
            self._gate.next_generation()
        if not self._connected.is_set():
            self._attempt_ended(client, reason, bool(flags.is_disconnect_packet_from_server))
            return
        self._connected.clear()
        self._failover.connection_lost()
        self._inbox.put_event(LinkEvent("lost", now_ns()))
        if not self._stopping:
            self.status.set_state(LinkState.OFFLINE, f"connection lost: {reason}")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        try:
            assert self._gate is not None
            item = inbound_message(message, self._gate.generation)
            if not self._inbox.offer(item):
                self.status.count_error("backpressure" if item.qos else "dropped_qos0")
        except Exception:
            log.exception("mqtt %s: on_message failed", self.name)

    def _on_publishes(self, messages: list[RawPublish]) -> None:
        """QoS 0/1 PUBLISH packets from the fast reader (paho's thread), as ``_on_message``."""
        try:
            assert self._gate is not None
            for qos in offer_publishes(self._inbox, messages, self._gate.generation):
                self.status.count_error("backpressure" if qos else "dropped_qos0")
        except Exception:
            log.exception("mqtt %s: on_publishes failed", self.name)

    def _on_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: list[ReasonCode], props: Any
    ) -> None:
        if log_refused_subscriptions(self.name, reasons):
            self.status.count_error("subscribe_refused")

    def _recycle_connection(self) -> bool:
        """Make paho reconnect so the broker redelivers what the inbox refused."""
        client = self._client
        if client is None:
            return True
        if not drop_socket(client):
            return False
        log.warning("mqtt %s: inbox overflowed; reconnected for redelivery", self.name)
        return True

    # -- writes ---------------------------------------------------------------------------

    def write(self, request: WriteRequest) -> WriteResult:
        """Publish the tag's command at QoS 1 and wait for its confirm tag (never queued)."""
        client = self._client if self._connected.is_set() else None
        return write_command(self.config, client, request, self._confirmations)
