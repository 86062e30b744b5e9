"""Building the paho client from an :class:`MqttConfig`: protocol, session, TLS, endpoints."""

from __future__ import annotations

import logging
import socket
import ssl
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import SecretStr

from drivers.mqtt.config import MqttConfig, TlsConfig

log = logging.getLogger(__name__)

SWITCH_AFTER_FAILURES = 1
"""Consecutive failed attempts on one endpoint before trying the other one."""


class _HandshakeClosingSocket(ssl.SSLSocket):
    """An SSL socket that closes itself when the handshake fails.

    paho 2.2 does not close the socket when ``do_handshake`` raises (a wrong CA, an expired
    certificate), so every failed attempt would leak a file descriptor until garbage collection.
    """

    def do_handshake(self, block: bool = False) -> None:
        try:
            super().do_handshake(block)
        except BaseException:
            self.close()
            raise


def tls_context(tls: TlsConfig) -> ssl.SSLContext:
    """A client TLS context: the configured CA (or the system store), optional client cert."""
    context = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=str(tls.ca_file) if tls.ca_file else None
    )
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.sslsocket_class = _HandshakeClosingSocket
    if tls.cert_file is not None and tls.key_file is not None:
        context.load_cert_chain(str(tls.cert_file), str(tls.key_file))
    if not tls.verify:
        log.warning("mqtt TLS verification is off: the broker's identity is not checked")
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def build_client(config: MqttConfig, password: SecretStr | None) -> mqtt.Client:
    """A paho client with manual acks, persistent session (unless ``clean_start``) and TLS."""
    v5 = config.protocol == "5"
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=config.client_id,
        clean_session=None if v5 else config.clean_start,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
        reconnect_on_failure=True,
        manual_ack=True,
    )
    if config.username:
        secret = password.get_secret_value() if password is not None else None
        client.username_pw_set(config.username, secret)
    if config.tls is not None:
        client.tls_set_context(tls_context(config.tls))
    client.reconnect_delay_set(config.reconnect_min_s, config.reconnect_max_s)
    return client


def connect_kwargs(config: MqttConfig) -> dict[str, Any]:
    """Keyword arguments of ``connect_async`` for the primary endpoint."""
    kwargs: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "keepalive": config.keepalive,
    }
    if config.protocol == "5":
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = 0 if config.clean_start else config.session_expiry_s
        properties.ReceiveMaximum = min(config.inbox_limit, 65535)
        kwargs["clean_start"] = config.clean_start
        kwargs["properties"] = properties
    return kwargs


class Failover:
    """Chooses the endpoint of each connection attempt.

    Every reconnection starts with the primary; after ``SWITCH_AFTER_FAILURES`` consecutive
    failures on one endpoint the next attempt goes to the other (when one is configured).
    """

    def __init__(self, endpoints: list[tuple[str, int]]) -> None:
        self._endpoints = endpoints
        self._index = 0
        self._failures = 0

    @property
    def current(self) -> tuple[str, int]:
        """The endpoint of the current (or next) attempt."""
        return self._endpoints[self._index]

    def attempt_failed(self) -> None:
        """An attempt on the current endpoint failed (TCP, TLS or CONNACK refusal)."""
        self._failures += 1
        if self._failures >= SWITCH_AFTER_FAILURES and len(self._endpoints) > 1:
            self._index = (self._index + 1) % len(self._endpoints)
            self._failures = 0
            host, port = self.current
            log.warning("mqtt failing over to %s:%d", host, port)

    def connected(self) -> None:
        """An attempt succeeded."""
        self._failures = 0

    def connection_lost(self) -> None:
        """An established connection dropped: start over from the primary."""
        self._index = 0
        self._failures = 0


def point_client_at(client: mqtt.Client, endpoint: tuple[str, int]) -> None:
    """Set the endpoint of the next attempt (from ``on_pre_connect``, on paho's thread).

    paho's ``host``/``port`` setters refuse while a connection is being opened, which is exactly
    when ``on_pre_connect`` runs, so the attributes they guard are set directly.
    """
    client._host, client._port = endpoint


def discard_unsent_commands(client: mqtt.Client) -> int:
    """Drop outgoing publishes not acknowledged before a reconnect; returns how many.

    paho would resend them on the new connection; a command must never be replayed after a
    reconnect (the write already reported its outcome). Called from ``on_connect``, which paho
    runs before it resends queued messages.
    """
    return len(client.drop_out_messages())


def drop_socket(client: mqtt.Client) -> bool:
    """Shut the connection's socket down so paho reconnects (and the broker redelivers).

    Returns False, doing nothing, while paho still has packets (acks) to write.
    """
    if client.want_write():
        return False
    shut_down(client)
    return True


def shut_down(client: mqtt.Client) -> None:
    """Shut the client's socket down (any thread); paho sees the connection lost."""
    sock = client.socket()
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError as exc:
            log.debug("socket shutdown: %s", exc)


def unwire(client: mqtt.Client) -> None:
    """Drop the callbacks: no reference cycle keeps a stopped client (and its sockets) alive."""
    client.on_pre_connect = None
    client.on_socket_open = None
    client.on_connect = None
    client.on_connect_fail = None
    client.on_disconnect = None
    client.on_message = None
    client.on_subscribe = None


def log_refused_subscriptions(name: str, reasons: list[ReasonCode]) -> bool:
    """Log the subscriptions a SUBACK refused (WARNING); True when there was one."""
    refused = [str(r) for r in reasons if r.is_failure]
    if refused:
        log.warning(
            "mqtt %s: broker refused %d subscription(s): %s", name, len(refused), ", ".join(refused)
        )
    return bool(refused)


def session_lost(config: MqttConfig, session_present: bool) -> bool:
    """True (logged) when a reconnection found no session although one was asked for."""
    if session_present or config.clean_start:
        return False
    log.warning(
        "mqtt %s: the broker had no session for us; messages queued while we were away are lost",
        config.name,
    )
    return True
