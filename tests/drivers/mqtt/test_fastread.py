"""The fast PUBLISH reader hands on exactly what paho would have, in order, and steps aside."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from drivers.mqtt.fastread import FastReadSocket, RawPublish, offer_publishes, split_publishes
from drivers.mqtt.inbox import Inbox

PINGRESP = bytes([0xD0, 0])


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 127, value >> 7
        out.append(byte | (128 if value else 0))
        if not value:
            return bytes(out)


def publish_packet(
    topic: bytes, payload: bytes, qos: int, mid: int, dup: bool, v5: bool, props: bytes = b""
) -> bytes:
    """One PUBLISH packet as a broker sends it."""
    body = struct.pack("!H", len(topic)) + topic
    if qos:
        body += struct.pack("!H", mid)
    if v5:
        body += _varint(len(props)) + props
    body += payload
    return bytes([0x30 | (8 if dup else 0) | qos << 1]) + _varint(len(body)) + body


messages = st.lists(
    st.tuples(
        st.binary(min_size=1, max_size=40),  # topic (may be invalid UTF-8)
        st.binary(max_size=300),
        st.sampled_from([0, 1, 2, -1]),  # -1: a PINGRESP in between
        st.integers(1, 65535),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


def _run(
    stream: bytes, cuts: list[int], v5: bool, room: int = 1 << 30
) -> tuple[list[tuple[object, ...]], int]:
    """Feed ``stream`` (in pieces) to a paho client reading through a FastReadSocket.

    Returns every message in arrival order as (topic, payload, mid, qos, dup) and how many
    came through the fast path.
    """
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        manual_ack=True,
        protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311,
    )
    seen: list[tuple[object, ...]] = []
    fast = 0

    def deliver(found: list[RawPublish]) -> None:
        nonlocal fast
        fast += len(found)
        seen.extend(found)

    def on_message(c: mqtt.Client, userdata: object, m: mqtt.MQTTMessage) -> None:
        seen.append((m._topic, m.payload, m.mid if m.qos else 0, m.qos, bool(m.dup)))

    client.on_message = on_message
    left, right = socket.socketpair()
    right.setblocking(False)
    client._sock = FastReadSocket(right, client, deliver, lambda: room)
    try:
        pieces = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        for piece in pieces:
            left.sendall(piece)
            for _ in range(len(stream) + 10):
                if client.loop_read() or not (client._sock.pending() or _readable(client._sock)):
                    break
    finally:
        left.close()
        client._sock.close()
    return seen, fast


def _readable(sock: socket.socket) -> bool:
    try:
        return bool(socket.socket.recv(sock, 1, socket.MSG_PEEK))  # past the read-ahead
    except BlockingIOError:
        return False


@settings(max_examples=80, deadline=None)
@given(items=messages, v5=st.booleans(), cut_points=st.lists(st.integers(0, 20_000), max_size=6))
def test_every_message_arrives_once_in_order_whatever_the_split(
    items: list[tuple[bytes, bytes, int, int, bool]], v5: bool, cut_points: list[int]
) -> None:
    stream = b""
    expected = []
    for topic, payload, qos, mid, dup in items:
        if qos < 0:
            stream += PINGRESP
            continue
        props = b"\x01\x01" if v5 and mid % 2 else b""  # payload-format indicator
        stream += publish_packet(topic, payload, qos, mid, dup, v5, props)
        if qos == 2:  # paho hands a QoS 2 message on when the broker releases it
            stream += bytes([0x62, 2]) + struct.pack("!H", mid)
        expected.append((topic, payload, mid if qos else 0, qos, dup))
    cuts = sorted({c % (len(stream) + 1) for c in cut_points})
    seen, _fast = _run(stream, cuts, v5)
    assert seen == expected


def test_the_leading_qos0_and_qos1_packets_go_the_fast_way() -> None:
    stream = b"".join(
        publish_packet(b"a/b", b"%d" % i, i % 2, i + 1, False, False) for i in range(50)
    )
    seen, fast = _run(stream + PINGRESP, [], v5=False)
    assert fast == 50 and [m[1] for m in seen] == [b"%d" % i for i in range(50)]


def test_split_stops_at_qos2_other_packets_and_incomplete_ones() -> None:
    one = publish_packet(b"t", b"x", 1, 7, False, False)
    two = publish_packet(b"t", b"y", 2, 8, False, False)
    found, pos = split_publishes(one + two + one, 0, v5=False)
    assert found == [(b"t", b"x", 7, 1, False)] and pos == len(one)
    found, pos = split_publishes(one + one[:-1], 0, v5=False)
    assert len(found) == 1 and pos == len(one)
    assert split_publishes(PINGRESP + one, 0, v5=False) == ([], 0)
    assert split_publishes(one * 5, 0, v5=False, limit=2)[1] == 2 * len(one)


def test_a_v5_topic_alias_without_topic_is_left_to_paho() -> None:
    aliased = publish_packet(b"", b"x", 1, 3, False, True, props=b"\x23\x00\x01")
    assert split_publishes(aliased, 0, v5=True) == ([], 0)


def test_a_full_inbox_leaves_the_bytes_unread() -> None:
    stream = b"".join(publish_packet(b"t", b"%d" % i, 1, i + 1, False, False) for i in range(5))
    seen, fast = _run(stream, [], v5=False, room=0)
    assert seen == [] and fast == 0


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    yield Inbox(3)


def test_offered_messages_keep_their_fields_and_refusals_are_reported(inbox: Inbox) -> None:
    raw = [(b"a", b"1", 1, 1, False), (b"\xff", b"2", 2, 1, True), (b"c", b"3", 0, 0, False)]
    raw.append((b"d", b"4", 3, 1, False))
    assert offer_publishes(inbox, raw, generation=4) == [1]
    items = inbox.drain(10)
    assert [(i.topic, i.payload, i.mid, i.qos, i.generation) for i in items] == [  # type: ignore[union-attr]
        ("a", b"1", 1, 1, 4),
        ("", b"2", 2, 1, 4),
        ("c", b"3", 0, 0, 4),
    ]
    assert items[1].topic_valid is False and items[1].dup is True  # type: ignore[union-attr]
