"""Reading QoS 0/1 PUBLISH packets straight off the read-ahead buffer, beside paho.

For small messages paho's network thread is the limit: per PUBLISH it runs one ``select``, three
``recv`` calls, the packet decoder, an ``MQTTMessage``, two locks and the callback dispatch
(about 15 us here). :class:`FastReadSocket` takes the complete QoS 0 and QoS 1 PUBLISH packets
at the front of its read-ahead buffer in one loop and hands them to ``deliver`` as plain tuples
(about 2 us each), on paho's thread, in arrival order, and only as many as ``room()`` (the
inbox's free space) allows: while the inbox is full it leaves the bytes unread. Everything else reaches paho unchanged:
CONNACK, SUBACK, PINGRESP, QoS 2 flows, packets split across reads, anything malformed (paho
then reports the protocol error as before).

What paho would have done with such a packet, and what replaces it:

* QoS 1 under ``manual_ack``: paho only calls ``on_message`` (the driver acks later through
  :class:`drivers.mqtt.inbox.AckGate`, as before); QoS 0: the same, without an ack.
* Keepalive: paho pings when nothing was received for ``keepalive`` seconds; the receive time it
  reads (``_last_bytes_received``) is updated here for every chunk.
* Per-topic callbacks (``message_callback_add``) would be skipped: the fast path is only for a
  client that uses ``on_message`` alone, and steps aside as soon as one is added.

Packets are taken only when paho stands between two packets, so no byte is seen twice and the
order of packets is kept. Should the fast path ever raise, it logs once and switches itself off;
the connection continues through paho alone.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable

import paho.mqtt.client as mqtt

from core.model import now_ns
from drivers.mqtt.inbox import InboundMessage, Inbox
from drivers.mqtt.speedups import READ_SIZE, ReadAheadSocket

log = logging.getLogger(__name__)

RawPublish = tuple[bytes, bytes, int, int, bool]
"""(topic bytes, payload, packet id (0 for QoS 0), QoS, dup flag) of one PUBLISH."""
Deliver = Callable[[list[RawPublish]], None]

_PUBLISH = 3
PAUSE_S = 0.001
"""How long paho's thread waits for inbox room before it looks again (acks go out between)."""
_MAX_LENGTH_BYTES = 4


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """(value, position after it) of an MQTT variable byte integer; (-1, pos) if incomplete or
    longer than four bytes."""
    value = shift = 0
    for index in range(pos, min(end, pos + _MAX_LENGTH_BYTES)):
        byte = buf[index]
        value |= (byte & 127) << shift
        if byte < 128:
            return value, index + 1
        shift += 7
    return -1, pos


def split_publishes(
    buf: bytes, pos: int, v5: bool, limit: int = 1 << 30
) -> tuple[list[RawPublish], int]:
    """Up to ``limit`` complete QoS 0/1 PUBLISH packets at ``buf[pos:]``; the position after.

    Stops at the first packet that is not one (another type, QoS 2, incomplete, malformed, or
    without a topic, e.g. a v5 topic alias), leaving it and everything after it unread.
    """
    found: list[RawPublish] = []
    end = len(buf)
    while pos < end and len(found) < limit:
        command = buf[pos]
        qos = (command >> 1) & 3
        if command >> 4 != _PUBLISH or qos > 1:
            break
        length, start = _varint(buf, pos + 1, end)
        stop = start + length
        if length < 2 or stop > end:
            break
        topic_end = start + 2 + (buf[start] << 8 | buf[start + 1])
        body = topic_end + 2 if qos else topic_end
        if topic_end == start + 2 or body > stop:
            break
        mid = buf[topic_end] << 8 | buf[topic_end + 1] if qos else 0
        if v5:
            properties, after = _varint(buf, body, stop)
            body = after + properties
            if properties < 0 or body > stop:
                break
        found.append((buf[start + 2 : topic_end], buf[body:stop], mid, qos, bool(command & 8)))
        pos = stop
    return found, pos


class FastReadSocket(ReadAheadSocket):
    """A :class:`ReadAheadSocket` that passes QoS 0/1 PUBLISH packets to ``deliver`` itself."""

    def __init__(
        self, sock: socket.socket, client: mqtt.Client, deliver: Deliver, room: Callable[[], int]
    ) -> None:
        super().__init__(sock)
        self._client = client
        self._deliver: Deliver | None = deliver
        self._room = room
        self._v5 = client._protocol == mqtt.MQTTv5

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        """Between two packets: deliver the PUBLISH packets at hand first; then as before."""
        if self._deliver is not None and not flags and self._between_packets():
            try:
                self._take_publishes()
            except (BlockingIOError, InterruptedError):
                raise
            except OSError:
                pass  # the plain read below reports it to paho
            except Exception:
                log.exception("mqtt fast read failed; continuing with paho's reader alone")
                self._deliver = None
        return super().recv(bufsize, flags)

    def _between_packets(self) -> bool:
        client = self._client
        if client._on_message_filtered._root._children:  # per-topic callbacks: paho's job
            return False
        return bool(client._in_packet["command"] == 0)

    def _take_publishes(self) -> None:
        """Read once if nothing is buffered, deliver the leading PUBLISH packets.

        Raises ``BlockingIOError`` when every buffered byte was delivered, so that paho (which
        asked for one byte) goes back to ``select`` instead of reading on; and, after a pause of
        ``PAUSE_S``, when the inbox has no room: the bytes stay unread (TCP flow control holds
        the broker back) instead of being refused and redelivered.
        """
        room = self._room()
        if room <= 0:
            time.sleep(PAUSE_S)
            raise BlockingIOError("the inbox is full")
        ahead, position = self._ahead, self._position
        if position >= len(ahead):
            data = socket_recv(self, READ_SIZE)
            if not data:
                return  # closed: the plain read reports it
            ahead, position = data, 0
        elif len(ahead) - position < READ_SIZE // 4:  # a packet may be split: read on
            ahead, position = self._topped_up(ahead, position)
        found, position = split_publishes(ahead, position, self._v5, room)
        self._ahead, self._position = ahead, position
        if found:
            self._client._last_bytes_received = time.monotonic()
            assert self._deliver is not None
            self._deliver(found)
        if position >= len(ahead) or len(found) >= room:  # nothing left, or the inbox is full
            raise BlockingIOError("every buffered PUBLISH that fits was delivered")

    def _topped_up(self, ahead: bytes, position: int) -> tuple[bytes, int]:
        """The unread rest with whatever the socket has now (a packet may be split)."""
        try:
            more = socket_recv(self, READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return ahead, position
        if not more:
            return ahead, position
        return ahead[position:] + more, 0


def socket_recv(sock: FastReadSocket, size: int) -> bytes:
    """One plain ``recv`` on the underlying socket (bypassing the read-ahead buffer)."""
    return super(ReadAheadSocket, sock).recv(size)


def fast_read(client: mqtt.Client, deliver: Deliver, room: Callable[[], int]) -> bool:
    """Give ``client``'s plain TCP connection a :class:`FastReadSocket`; False if not plain TCP.

    Call from ``on_connect`` (paho's thread, between two packets), like
    :func:`drivers.mqtt.speedups.read_ahead`.
    """
    sock = client._sock
    if type(sock) is not socket.socket:
        return False
    client._sock = FastReadSocket(sock, client, deliver, room)
    log.debug("mqtt: fast PUBLISH reader on fd %d", client._sock.fileno())
    return True


def offer_publishes(inbox: Inbox, messages: list[RawPublish], generation: int) -> list[int]:
    """Offer fast-read messages to ``inbox`` as :class:`InboundMessage`; the QoS of each refused.

    A topic that is not UTF-8 arrives as ``topic_valid=False`` (quarantined by the handoff).
    The entries are made with ``tuple.__new__``: the named tuple's own constructor is a Python
    function, several times slower (one runs per message on paho's thread).
    """
    received_ns, offer, refused, make = now_ns(), inbox.offer, [], tuple.__new__
    for raw_topic, payload, mid, qos, dup in messages:
        try:
            topic, valid = raw_topic.decode("utf-8"), True
        except UnicodeDecodeError:
            topic, valid = "", False
        fields = (topic, payload, mid, qos, received_ns, generation, dup, valid)
        if not offer(make(InboundMessage, fields)):
            refused.append(qos)
    return refused
