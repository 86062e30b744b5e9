"""What crosses from paho's network thread to the handoff thread, and how acks go back.

``on_message`` runs on paho's thread and must never block: it only appends to :class:`Inbox`.
The handoff thread decodes, batches and emits; once the sink reports a batch durable, the
:class:`AckGate` sends the PUBACKs. An ack is only sent on the connection that received the
message: after a reconnect the broker resends unacknowledged messages and may reuse their
packet ids, so a late ack for an old connection could acknowledge a different message.
"""

from __future__ import annotations

import collections
import logging
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

import paho.mqtt.client as mqtt

from core.model import now_ns

log = logging.getLogger(__name__)


class InboundMessage(NamedTuple):
    """One MQTT message as received, tagged with the connection generation it came on.

    A named tuple rather than a dataclass: one is made per message on paho's thread, where a
    tuple is built several times faster.
    """

    topic: str
    payload: bytes
    mid: int
    qos: int
    received_ns: int
    generation: int
    dup: bool = False
    topic_valid: bool = True


def inbound_message(message: mqtt.MQTTMessage, generation: int) -> InboundMessage:
    """The inbox entry of a message paho decoded (``on_message``); a bad topic is kept, flagged."""
    try:
        topic, valid = message.topic, True
    except UnicodeDecodeError:
        topic, valid = "", False
    return InboundMessage(
        topic,
        bytes(message.payload),
        message.mid,
        message.qos,
        now_ns(),
        generation,
        bool(message.dup),
        valid,
    )


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """The connection came up or went down; queued in order with the messages."""

    kind: Literal["connected", "lost"]
    ts_ns: int


InboxItem = InboundMessage | LinkEvent


GATHER_ITEMS = 64
"""Below this many queued items a gathering consumer waits a little for more."""


class Inbox:
    """A bounded FIFO from paho's thread to the handoff thread.

    ``offer`` never blocks: when the bound is reached it refuses the message (the caller counts
    it and does not ack it, so the broker keeps it). Link events always enter.
    """

    def __init__(self, limit: int) -> None:
        self._items: collections.deque[InboxItem] = collections.deque()
        self._limit = limit
        self._wake = threading.Event()
        self._refused_lock = threading.Lock()
        self._refused_acked = 0

    @property
    def limit(self) -> int:
        """Most messages held at once."""
        return self._limit

    def __len__(self) -> int:
        return len(self._items)

    def room(self) -> int:
        """How many more messages :meth:`offer` would take now."""
        return self._limit - len(self._items)

    def offer(self, message: InboundMessage) -> bool:
        """Append unless full; False means refused."""
        if len(self._items) >= self._limit:
            if message.qos > 0:
                with self._refused_lock:
                    self._refused_acked += 1
            return False
        items = self._items
        items.append(message)
        # Only the first item needs a wake-up: the consumer looks at the deque before waiting,
        # and this (the only producer) adds items one at a time.
        if len(items) == 1:
            self._wake.set()
        return True

    def put_event(self, event: LinkEvent) -> None:
        """Append a link event (never refused)."""
        self._items.append(event)
        self._wake.set()

    def wake(self) -> None:
        """Wake the consumer (used on stop)."""
        self._wake.set()

    def wait(self, timeout: float, *, gather_s: float = 0.0) -> bool:
        """Wait until something is queued or ``timeout``; True when items arrived.

        With ``gather_s``, a consumer that finds only a few items waits that long for more:
        waking up once per small message costs paho's thread (and the CPU) more than the
        decoding does. :meth:`wake` cuts the wait short.
        """
        if not self._items:
            arrived = self._wake.wait(timeout)
            self._wake.clear()
            if not (arrived or self._items):
                return False
        if gather_s > 0 and len(self._items) < GATHER_ITEMS and self._wake.wait(gather_s):
            self._wake.clear()
        return True

    def drain(self, limit: int) -> list[InboxItem]:
        """Take up to ``limit`` items in arrival order."""
        take = self._items.popleft  # this consumer is the only one that removes items
        return [take() for _ in range(min(limit, len(self._items)))]

    def take_refused(self) -> int:
        """How many QoS>0 messages were refused since the last call (they need redelivery)."""
        with self._refused_lock:
            count, self._refused_acked = self._refused_acked, 0
        return count


_PUBACK_HEADER = (mqtt.PUBACK << 24) | (2 << 16)
"""First two bytes of a PUBACK: type, remaining length 2 (packet id follows; v5: success)."""

AckEntry = tuple[int, int, int]
"""(mid, qos, generation) of one received message."""


class AckGate:
    """Sends PUBACKs from any thread, but only for messages of the current connection.

    paho's ``ack`` only appends a packet to its outgoing deque (as ``publish`` does from user
    threads); the lock here orders acks against connection changes. The QoS 1 acks of one call
    go out as one write: their PUBACK packets are queued together as a single outgoing packet
    (paho otherwise wakes its thread and calls ``send`` once per 4-byte PUBACK).
    """

    def __init__(self, client: mqtt.Client) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._generation = 0
        self._closed = False
        self._outstanding = 0
        self.acked = 0
        self.stale = 0

    @property
    def generation(self) -> int:
        """The current connection generation (read without the lock: an int read is atomic)."""
        return self._generation

    def next_generation(self) -> int:
        """Start a new generation (on connect and on disconnect): older acks are dropped."""
        with self._lock:
            self._generation += 1
            return self._generation

    @property
    def outstanding(self) -> int:
        """Messages handed on (emitted or quarantined) whose ack has not been decided yet."""
        return self._outstanding

    def expect(self, count: int) -> None:
        """``count`` messages were handed on; their :meth:`ack` will follow."""
        with self._lock:
            self._outstanding += count

    def close(self) -> None:
        """Drop every later ack (the driver stopped; the broker will redeliver)."""
        with self._lock:
            self._closed = True
            self._generation += 1

    def ack(self, entries: Iterable[AckEntry]) -> None:
        """Acknowledge messages; entries of an older connection are dropped (redelivered)."""
        with self._lock:
            pubacks: list[int] = []
            for mid, qos, generation in entries:
                self._outstanding -= 1
                if qos == 0:
                    continue
                if self._closed or generation != self._generation:
                    self.stale += 1
                    continue
                if qos == 1:
                    pubacks.append(mid)
                else:
                    self._client.ack(mid, qos)
                self.acked += 1
            if pubacks:
                self._send_pubacks(pubacks)

    def _send_pubacks(self, mids: list[int]) -> None:
        """Queue the PUBACKs of ``mids`` as one outgoing packet (under the lock)."""
        queue_packet = getattr(self._client, "_packet_queue", None)
        if queue_packet is None:  # not the paho 2.x client this was written against
            for mid in mids:
                self._client.ack(mid, 1)
            return
        acks = struct.pack(f"!{len(mids)}I", *[_PUBACK_HEADER | mid for mid in mids])
        queue_packet(mqtt.PUBACK, acks, 0, 1)
