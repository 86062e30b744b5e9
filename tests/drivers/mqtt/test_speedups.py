"""The paho speed-ups keep paho's behaviour: same bytes read, same acks sent, same callbacks."""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from core.model import now_ns
from drivers.base import DriverStatus
from drivers.mqtt import speedups
from drivers.mqtt.formats.base import Subscription
from drivers.mqtt.handoff import Handoff, HandoffSettings
from drivers.mqtt.inbox import GATHER_ITEMS, AckGate, InboundMessage, Inbox, LinkEvent
from drivers.mqtt.presence import PresenceBook
from drivers.mqtt.routing import Router
from drivers.mqtt.speedups import ReadAheadSocket
from tests.drivers.mqtt.conftest import JsonTestFormat, RecordingSink, format_lookup, wait_until


def _client() -> mqtt.Client:
    return mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, manual_ack=True)


@pytest.fixture
def socket_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    left, right = socket.socketpair()
    yield left, right
    left.close()
    right.close()


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.binary(min_size=1, max_size=3000), min_size=1, max_size=12),
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=50),
)
def test_read_ahead_yields_the_same_byte_stream(chunks: list[bytes], sizes: list[int]) -> None:
    left, right = socket.socketpair()
    reader = ReadAheadSocket(right)
    try:
        sent = b"".join(chunks)
        left.sendall(sent)
        left.shutdown(socket.SHUT_WR)
        received = bytearray()
        for size in sizes * (len(sent) // min(sizes) + 1):
            data = reader.recv(size)
            assert 0 < len(data) <= size or (not data and len(received) == len(sent))
            if not data:
                break
            received += data
        assert bytes(received) == sent
        assert reader.pending() == 0
    finally:
        left.close()
        reader.close()


def test_read_ahead_reports_what_it_holds_and_would_block_when_empty(
    socket_pair: tuple[socket.socket, socket.socket],
) -> None:
    left, right = socket_pair
    right.setblocking(False)
    with ReadAheadSocket(right) as reader:
        assert reader.gettimeout() == 0.0  # still non-blocking, as paho set it
        left.sendall(b"\x30\x05hello")
        assert reader.recv(1) == b"\x30"
        assert reader.pending() == 6
        assert reader.recv(1) == b"\x05" and reader.recv(9) == b"hello"
        assert reader.pending() == 0
        with pytest.raises(BlockingIOError):
            reader.recv(1)
        assert right.fileno() == -1  # the fd now belongs to the reader only


def test_read_ahead_is_installed_on_plain_tcp_only(
    socket_pair: tuple[socket.socket, socket.socket],
) -> None:
    client = _client()
    client._sock = socket_pair[1]
    assert speedups.read_ahead(client)
    reader = client.socket()
    assert isinstance(reader, ReadAheadSocket)
    assert not speedups.read_ahead(client)  # already reading ahead
    reader.close()
    context = ssl.create_default_context()
    plain = socket.socket()
    wrapped = context.wrap_socket(plain, server_hostname="localhost", do_handshake_on_connect=False)
    try:
        client._sock = wrapped
        assert not speedups.read_ahead(client)
        assert client._sock is wrapped
    finally:
        wrapped.close()
        plain.close()


def test_topic_callbacks_still_work_once_added() -> None:
    client = _client()
    speedups.skip_empty_topic_callbacks(client)
    matcher: Any = client._on_message_filtered  # paho leaves it untyped
    assert list(matcher.iter_match("a/b")) == []

    def on_ab(*_: object) -> None:
        raise AssertionError("not called here")

    client.message_callback_add("a/+", on_ab)
    assert list(matcher.iter_match("a/b")) == [on_ab]
    assert list(matcher.iter_match("c/d")) == []
    client.message_callback_remove("a/+")
    assert list(matcher.iter_match("a/b")) == []


def _message(mid: int, qos: int = 1, generation: int = 1) -> InboundMessage:
    return InboundMessage("t/x", b"1", mid, qos, now_ns(), generation)


def test_acks_of_one_call_go_out_as_one_packet_with_pahos_bytes() -> None:
    client = _client()
    gate = AckGate(client)
    generation = gate.next_generation()
    gate.expect(5)
    gate.ack([(7, 1, generation), (65535, 1, generation), (3, 0, generation), (9, 1, 0)])
    gate.ack([(12, 2, generation)])
    packets = [bytes(p["packet"]) for p in client._out_packet]
    paho_pubacks = b"".join(struct.pack("!BBH", mqtt.PUBACK, 2, mid) for mid in (7, 65535))
    assert packets == [paho_pubacks, struct.pack("!BBH", mqtt.PUBCOMP, 2, 12)]
    assert (gate.acked, gate.stale, gate.outstanding) == (3, 1, 0)


def test_inbox_wakes_its_consumer_once_per_arrival_burst() -> None:
    inbox = Inbox(limit=100)
    sets: list[int] = []
    original = inbox._wake.set

    def counting_set() -> None:
        sets.append(len(inbox))
        original()

    inbox._wake.set = counting_set  # type: ignore[method-assign]
    for mid in range(1, 6):
        assert inbox.offer(_message(mid))
    assert sets == [1]  # only the first message of the burst wakes the consumer
    assert inbox.wait(0.0)
    assert [item.mid for item in inbox.drain(100)] == [1, 2, 3, 4, 5]  # type: ignore[union-attr]
    inbox.wait(0.0)  # may report the wake-up already consumed; then nothing is left
    assert not inbox.wait(0.0)
    assert inbox.offer(_message(6)) and sets == [1, 1]
    inbox.put_event(LinkEvent("lost", now_ns()))
    assert len(sets) == 3  # link events always wake


def test_a_consumer_never_sleeps_through_a_queued_message() -> None:
    inbox = Inbox(limit=100_000)
    total = 20_000
    taken = 0

    def produce() -> None:
        for mid in range(total):
            inbox.offer(_message(mid % 65535 + 1))

    producer = threading.Thread(target=produce)
    producer.start()
    while taken < total:
        assert inbox.wait(5.0), f"consumer slept with {len(inbox)} queued after {taken}"
        taken += len(inbox.drain(1000))
    producer.join()


def test_gathering_waits_only_while_few_items_are_queued() -> None:
    inbox = Inbox(limit=1000)
    for mid in range(GATHER_ITEMS):
        inbox.offer(_message(mid + 1))
    assert inbox.wait(5.0, gather_s=60.0)  # enough queued: no gathering pause
    inbox.drain(1000)
    inbox.offer(_message(1))
    threading.Timer(0.05, inbox.wake).start()
    assert inbox.wait(5.0, gather_s=60.0)  # gathering, cut short by wake()


def test_a_new_handoff_keeps_touching_devices_the_presence_book_knows() -> None:
    book = PresenceBook()
    book.update("dev", True, 10)  # learned by an earlier connection's handoff
    gate = AckGate(_client())
    inbox = Inbox(limit=100)
    handoff = Handoff(
        HandoffSettings(source="mqtt:unit", max_payload_bytes=2048, flush_interval_s=0.01),
        inbox,
        Router([Subscription("plant/#", "testjson")], format_lookup(JsonTestFormat())),
        gate,
        DriverStatus(name="unit", kind="mqtt"),
        book,
    )
    sink = RecordingSink()
    handoff.start(sink)
    try:
        inbox.offer(InboundMessage("plant/dev/data", b'{"t": 1.5}', 1, 1, 500, gate.generation))
        wait_until(lambda: gate.acked == 1, timeout=10, what="ack")
    finally:
        handoff.stop()
    assert book.snapshot()["dev"].last_seen_ns == 500
    assert [r.tag for batch, _ in sink.batches for r in batch] == ["dev/t"]
