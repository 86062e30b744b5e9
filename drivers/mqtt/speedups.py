"""Two speed-ups for paho's network thread, which is the limit for small messages.

* A read-ahead socket: one ``recv`` for many small MQTT packets. paho reads every packet with at least three ``recv`` calls (the type byte, the length bytes,
the rest), each a system call that also hands the interpreter lock to the other threads. With
small messages arriving by the tens of thousands per second that is most of paho's work.
:class:`ReadAheadSocket` takes over the connection's file descriptor, reads up to 64 KiB at a
time and serves paho's small reads from that buffer. It reports what it holds through
``pending()``, the method paho already asks of TLS sockets, so paho's loop reads on instead of
waiting in ``select`` while packets sit in the buffer.
* No topic-filter walk per message: paho matches every message against the per-topic callbacks
of ``message_callback_add`` even when there are none (the driver uses ``on_message`` only).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.matcher import MQTTMatcher

log = logging.getLogger(__name__)

READ_SIZE = 65536


class ReadAheadSocket(socket.socket):
    """A TCP socket (taken over from ``sock``, which is left detached) that reads ahead."""

    def __init__(self, sock: socket.socket) -> None:
        timeout = sock.gettimeout()
        super().__init__(sock.family, sock.type, sock.proto, fileno=sock.detach())
        self.settimeout(timeout)
        self._ahead = b""
        self._position = 0

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Up to ``bufsize`` bytes: from the read-ahead buffer, else from one large read."""
        ahead, position = self._ahead, self._position
        if position < len(ahead):
            chunk = ahead[position : position + bufsize]
            self._position = position + len(chunk)
            return chunk
        if flags:
            return super().recv(bufsize, flags)
        data = super().recv(max(bufsize, READ_SIZE))
        if len(data) <= bufsize:
            return data
        self._ahead, self._position = data, bufsize
        return data[:bufsize]

    def pending(self) -> int:
        """Bytes read ahead and not yet taken (paho skips ``select``'s wait while there are)."""
        return len(self._ahead) - self._position


def read_ahead(client: mqtt.Client) -> bool:
    """Give ``client``'s plain TCP connection a read-ahead socket; False (nothing done) else.

    Call on paho's thread between two packets (``on_connect`` is such a place): paho reads
    ``client._sock`` afresh for every call. TLS and WebSocket connections are left alone.
    """
    sock = client._sock
    if type(sock) is not socket.socket:
        return False
    client._sock = ReadAheadSocket(sock)
    log.debug("mqtt: read-ahead socket on fd %d", client._sock.fileno())
    return True


class _TopicCallbacks(MQTTMatcher):
    """paho's trie of per-topic callbacks, answering at once while it is empty."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def iter_match(self, topic: str) -> Iterator[Any]:
        """The callbacks whose filter matches ``topic`` (none while no filter was added)."""
        if not self._root._children:
            return iter(())
        return super().iter_match(topic)  # type: ignore[no-untyped-call,no-any-return]


def skip_empty_topic_callbacks(client: mqtt.Client) -> None:
    """Make ``client`` skip the per-topic callback walk while no such callback exists.

    Call before the client connects; ``message_callback_add`` keeps working as before.
    """
    client._on_message_filtered = _TopicCallbacks()
