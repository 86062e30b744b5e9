"""One publishing MQTT connection of the simulator, driven by the publisher's own thread.

The paho client runs in its external-loop mode (``loop_read``/``loop_write``/``loop_misc``
called by :class:`PublisherLink` owners, no network thread of its own). Its socket is wrapped in
a :class:`BatchingSocket`: the packets paho sends are collected and handed to the kernel in
large writes (:meth:`PublisherLink.flush`, once per batch), because one ``send`` system call
per message costs more than building the message. A link whose unsent bytes exceed a bound
reports back-pressure instead of queueing without limit. Lost connections are retried with
exponential backoff.
"""

from __future__ import annotations

import logging
import random
import select
import socket
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from drivers.base import Backoff

log = logging.getLogger(__name__)

MAX_UNACKED_QOS1 = 5000
FLUSH_AT_BYTES = 256 * 1024
CONGESTED_BYTES = 4 * 1024 * 1024


class BatchingSocket:
    """A non-blocking socket whose ``send`` only collects bytes; :meth:`flush` writes them.

    Everything else (``recv``, ``fileno``, ``setblocking``...) goes to the real socket.
    """

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def send(self, data: bytes | bytearray | memoryview) -> int:
        """Take ``data`` (always all of it); writes once enough has been collected."""
        self._buffer += data
        if len(self._buffer) >= FLUSH_AT_BYTES:
            self.flush()
        return len(data)

    @property
    def unsent(self) -> int:
        """Bytes collected but not yet taken by the kernel."""
        return len(self._buffer)

    def flush(self) -> None:
        """Write as much as the kernel takes now; the rest waits for the next flush."""
        while self._buffer:
            try:
                written = self._sock.send(self._buffer)
            except BlockingIOError:
                return
            except OSError as exc:  # the connection is gone: paho notices on its next read
                log.debug("send failed, dropping %d bytes: %s", len(self._buffer), exc)
                self._buffer.clear()
                return
            del self._buffer[:written]

    def close(self) -> None:
        """Write what is left (best effort) and close."""
        self.flush()
        self._sock.close()

    def fileno(self) -> int:
        """The real socket's descriptor (for select)."""
        return self._sock.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _BatchingClient(mqtt.Client):
    """paho's client with its socket wrapped in a :class:`BatchingSocket`."""

    def _create_socket(self) -> Any:
        sock = super()._create_socket()
        return BatchingSocket(sock) if isinstance(sock, socket.socket) else sock


@dataclass(frozen=True, slots=True)
class Will:
    """Last will: published by the broker when the link dies without saying goodbye."""

    topic: str
    payload: bytes
    online_payload: bytes
    qos: int = 1
    retain: bool = True


class PublisherLink:
    """A paho client in external-loop mode with reconnect and back-pressure."""

    def __init__(
        self,
        client_id: str,
        host: str,
        port: int,
        *,
        keepalive: int = 30,
        will: Will | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.client_id, self.host, self.port = client_id, host, port
        self._keepalive = keepalive
        self._will = will
        self._backoff = backoff or Backoff(base_s=0.5, cap_s=10.0)
        self._attempt = 0
        self._next_attempt = 0.0
        self._suspended = False
        self._rng = random.Random(client_id)
        self._unacked: set[int] = set()
        self.client = self._new_client()
        self.connected_once = False

    def _new_client(self) -> mqtt.Client:
        client = _BatchingClient(
            CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv311
        )
        # No paho in-flight limit: with one, paho scans every stored message on each PUBACK.
        # The link bounds the unacknowledged QoS 1 messages itself (see congested()).
        client.max_inflight_messages_set(0)
        client.on_publish = self._on_publish
        if self._will is not None:
            will = self._will
            client.will_set(will.topic, will.payload, qos=will.qos, retain=will.retain)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        return client

    def _on_connect(
        self, client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object
    ) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("%s: broker refused the connection: %s", self.client_id, reason)
            return
        if self._attempt or not self.connected_once:
            log.info("%s: connected to %s:%d", self.client_id, self.host, self.port)
        self._attempt = 0
        self.connected_once = True
        if self._will is not None:
            client.publish(self._will.topic, self._will.online_payload, qos=1, retain=True)

    def _on_publish(
        self, _client: mqtt.Client, _userdata: object, mid: int, _reason: object, _props: object
    ) -> None:
        self._unacked.discard(mid)

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: object,
        _flags: object,
        reason: object,
        _props: object,
    ) -> None:
        if not self._suspended:
            log.warning("%s: connection lost (%s)", self.client_id, reason)

    @property
    def connected(self) -> bool:
        """True once the broker has accepted the connection (CONNACK) and until it is lost."""
        return self.client.is_connected()

    def service(self, now: float) -> None:
        """Read acknowledgements, send pings and queued packets; reconnect when due."""
        if self._suspended:
            return
        sock = self.client.socket()
        if sock is None:
            self._maybe_connect(now)
            return
        for step in (self._read, self.client.loop_write, self.client.loop_misc):
            if step() != MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._schedule_retry(now)
                return
        self.flush()

    def flush(self) -> None:
        """Hand the collected packets to the kernel."""
        sock = self.client.socket()
        if isinstance(sock, BatchingSocket):
            sock.flush()

    def _read(self) -> MQTTErrorCode:
        sock = self.client.socket()
        if sock is None:
            return MQTTErrorCode.MQTT_ERR_NO_CONN
        rc = MQTTErrorCode.MQTT_ERR_SUCCESS
        while rc == MQTTErrorCode.MQTT_ERR_SUCCESS and _readable(sock):
            rc = self.client.loop_read(max_packets=100)
            sock = self.client.socket()
            if sock is None:
                break
        return rc

    def _schedule_retry(self, now: float) -> None:
        delay = self._backoff.delay(self._attempt, self._rng)
        self._attempt += 1
        self._next_attempt = now + delay
        self.client.disconnect()

    def _maybe_connect(self, now: float) -> None:
        if now < self._next_attempt:
            return
        try:
            if self.connected_once or self._attempt:
                self.client.reconnect()
            else:
                self.client.connect(self.host, self.port, keepalive=self._keepalive)
        except (OSError, ValueError) as exc:
            if self._attempt == 0:
                log.warning(
                    "%s: cannot connect to %s:%d: %s", self.client_id, self.host, self.port, exc
                )
            self._attempt += 1
            self._next_attempt = now + self._backoff.delay(self._attempt, self._rng)

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool = False) -> bool:
        """Send one message; False when it was not accepted (not connected or back-pressure)."""
        if not self.client.is_connected():
            return False
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            return False
        if qos > 0 and not info.is_published():
            self._unacked.add(info.mid)
        return True

    def congested(self) -> bool:
        """True while the broker does not keep up: too many unsent bytes or unacknowledged
        QoS 1 messages."""
        if len(self._unacked) >= MAX_UNACKED_QOS1:
            self._read()
            if len(self._unacked) >= MAX_UNACKED_QOS1:
                return True
        sock = self.client.socket()
        if not isinstance(sock, BatchingSocket) or sock.unsent < CONGESTED_BYTES:
            return False
        sock.flush()
        return sock.unsent >= CONGESTED_BYTES

    def suspend(self) -> None:
        """Drop off the network without a DISCONNECT, so the broker publishes the will."""
        if self._suspended:
            return
        self._suspended = True
        shutdown = getattr(self.client.socket(), "shutdown", None)
        if shutdown is not None:
            try:
                shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("%s: socket already closed", self.client_id)
        self.client.loop_read()  # paho notices the closed socket and cleans up

    def resume(self) -> None:
        """Come back after :meth:`suspend` (reconnects at the next :meth:`service`)."""
        if self._suspended:
            self._suspended = False
            self._next_attempt = 0.0

    def close(self) -> None:
        """Disconnect cleanly (the will is not published)."""
        self._suspended = True
        if self.client.socket() is not None:
            self.client.disconnect()
            deadline = time.monotonic() + 1.0
            while self.client.want_write() and time.monotonic() < deadline:
                self.client.loop_write()
            self.flush()


def _readable(sock: Any) -> bool:
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError, TypeError):
        return False
    return bool(readable)
