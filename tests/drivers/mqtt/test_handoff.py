"""The pieces behind the driver: routing, failover order, the inbox bound, the handoff thread."""

from __future__ import annotations

import json
from collections.abc import Iterator

import paho.mqtt.client as mqtt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from core.model import Quality, now_ns
from drivers.base import DriverStatus
from drivers.mqtt.connection import Failover
from drivers.mqtt.formats import get_format
from drivers.mqtt.formats.base import Subscription
from drivers.mqtt.handoff import Handoff, HandoffSettings
from drivers.mqtt.inbox import AckGate, InboundMessage, Inbox, LinkEvent
from drivers.mqtt.presence import PresenceBook, device_of
from drivers.mqtt.routing import Router, match_filter
from tests.drivers.mqtt.conftest import JsonTestFormat, RecordingSink, format_lookup, wait_until


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("tele/plug1/SENSOR", "tele/+/SENSOR"),
        ("tele/plug1/STATE", "tele/#"),
        ("zigbee/kitchen/temp", "$share/cd/zigbee/#"),
        ("other/x", None),
    ],
)
def test_router_first_matching_subscription_wins(topic: str, expected: str | None) -> None:
    fmt = JsonTestFormat()
    subs = [Subscription(t, "testjson") for t in ("tele/+/SENSOR", "tele/#", "$share/cd/zigbee/#")]
    route = Router(subs, format_lookup(fmt)).route(topic)
    assert (route[0].topic if route else None) == expected


def test_share_prefix_is_stripped_for_matching() -> None:
    assert match_filter("$share/group/a/+/b") == "a/+/b"
    assert match_filter("a/#") == "a/#"


def test_new_session_is_asked_of_stateful_formats() -> None:
    fmt = JsonTestFormat()
    router = Router(
        [Subscription("a/#", "testjson"), Subscription("b/#", "testjson")], format_lookup(fmt)
    )
    router.new_session()
    router.new_session()
    assert fmt.sessions == 2  # once per connection, shared by both subscriptions


def test_failover_alternates_on_failure_and_returns_to_primary_after_a_loss() -> None:
    failover = Failover([("primary", 1883), ("secondary", 1884)])
    order = [failover.current]
    for _ in range(3):
        failover.attempt_failed()
        order.append(failover.current)
    assert order == [("primary", 1883), ("secondary", 1884), ("primary", 1883), ("secondary", 1884)]
    failover.connected()
    failover.connection_lost()
    assert failover.current == ("primary", 1883)
    single = Failover([("only", 1883)])
    single.attempt_failed()
    assert single.current == ("only", 1883)


def _message(
    i: int, topic: str = "plant/dev/data", payload: bytes = b"{}", qos: int = 1
) -> InboundMessage:
    return InboundMessage(topic, payload, i + 1, qos, now_ns(), 0)


def test_inbox_refuses_beyond_its_bound_but_always_takes_link_events() -> None:
    inbox = Inbox(limit=10)
    accepted = [inbox.offer(_message(i)) for i in range(12)]
    assert accepted == [True] * 10 + [False] * 2
    assert not inbox.offer(_message(99, qos=0))
    inbox.put_event(LinkEvent("lost", now_ns()))
    assert len(inbox) == 11
    assert inbox.take_refused() == 2 and inbox.take_refused() == 0  # QoS 0 needs no redelivery
    assert [type(item).__name__ for item in inbox.drain(100)][-1] == "LinkEvent"


def test_presence_book_tracks_changes_and_last_seen() -> None:
    book = PresenceBook()
    assert book.update("plug1", True, 10)
    assert not book.update("plug1", True, 20)
    book.touch({"plug1", "unknown"}, 30)
    assert book.snapshot()["plug1"].last_seen_ns == 30 and "unknown" not in book.snapshot()
    assert device_of("site/line1/plug1/ENERGY.Power") == "site/line1/plug1"


@pytest.fixture
def running_handoff() -> Iterator[tuple[Handoff, Inbox, AckGate, RecordingSink, DriverStatus]]:
    """A handoff thread fed by hand; acks go to a paho client that is not connected."""
    fmt = JsonTestFormat()
    inbox = Inbox(limit=1000)
    gate = AckGate(mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, manual_ack=True))
    status = DriverStatus(name="unit", kind="mqtt")
    handoff = Handoff(
        HandoffSettings(source="mqtt:unit", max_payload_bytes=2048, flush_interval_s=0.01),
        inbox,
        Router([Subscription("plant/#", "testjson")], format_lookup(fmt)),
        gate,
        status,
        PresenceBook(),
    )
    sink = RecordingSink()
    handoff.start(sink)
    yield handoff, inbox, gate, sink, status
    handoff.stop()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    topic=st.sampled_from(["plant/dev/data", "plant/dev/LWT", "plant", "elsewhere/x", ""]),
    payload=st.one_of(
        st.binary(max_size=3000),
        st.dictionaries(
            st.text(max_size=5), st.one_of(st.integers(), st.floats(), st.text(max_size=5))
        ).map(lambda d: json.dumps(d).encode()),
    ),
)
def test_any_message_is_either_emitted_or_quarantined_and_always_acked(
    running_handoff: tuple[Handoff, Inbox, AckGate, RecordingSink, DriverStatus],
    topic: str,
    payload: bytes,
) -> None:
    handoff, inbox, gate, sink, status = running_handoff
    decided = gate.acked + gate.stale
    rejected = len(sink.rejected)
    assert inbox.offer(InboundMessage(topic, payload, 1, 1, now_ns(), gate.generation))
    wait_until(lambda: gate.acked + gate.stale == decided + 1, timeout=10, what="ack decision")
    assert gate.outstanding == 0
    assert handoff.is_alive()
    if len(sink.rejected) > rejected:
        record = sink.rejected[-1]
        assert record.reason and status.errors_by_reason[record.reason] >= 1
        assert len(record.detail) < 3000


def test_comms_lost_readings_carry_each_tags_last_value_across_layouts() -> None:
    """Tasmota messages become one segment each; on a lost link every tag seen gets its last
    value, also when a device changed its payload shape in between."""
    inbox = Inbox(limit=100)
    gate = AckGate(mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, manual_ack=True))
    handoff = Handoff(
        HandoffSettings(source="mqtt:unit", max_payload_bytes=4096, max_batch=3),
        inbox,
        Router([Subscription("tele/+/SENSOR", "tasmota")], get_format),
        gate,
        DriverStatus(name="unit", kind="mqtt"),
        PresenceBook(),
    )
    payloads = [
        ("tele/a/SENSOR", {"ENERGY": {"Power": 1, "Voltage": 230}}),
        ("tele/b/SENSOR", {"ENERGY": {"Power": 2, "Voltage": 231}}),
        ("tele/a/SENSOR", {"ENERGY": {"Power": 3, "Voltage": 232}}),
        ("tele/a/SENSOR", {"ENERGY": {"Power": 4}}),  # another shape: Voltage keeps 232
        ("tele/b/SENSOR", {"ENERGY": {"Power": 5, "Voltage": 233}}),
    ]
    for mid, (topic, body) in enumerate(payloads, start=1):
        inbox.offer(InboundMessage(topic, json.dumps(body).encode(), mid, 1, now_ns(), 1))
    inbox.put_event(LinkEvent("lost", now_ns()))
    sink = RecordingSink()
    handoff.start(sink)
    try:
        wait_until(lambda: handoff.comms_lost_events == 1, what="the lost link handled")
    finally:
        handoff.stop()
    readings = sink.readings()
    assert [(r.tag, r.value) for r in readings[:9]] == [
        (f"{device}/ENERGY.{key}", value)
        for (topic, body) in payloads
        for device in [topic.split("/")[1]]
        for key, value in body["ENERGY"].items()
    ]
    lost = {(r.tag, r.value) for r in readings if r.quality is Quality.BAD_COMMS_LOST}
    assert lost == {
        ("a/ENERGY.Power", 4),
        ("a/ENERGY.Voltage", 232),
        ("b/ENERGY.Power", 5),
        ("b/ENERGY.Voltage", 233),
    }
