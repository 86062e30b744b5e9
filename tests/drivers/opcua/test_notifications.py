"""One publish response, one batch: BatchSubscription, change_batch and the session between them.

The publish results are built as asyncua's publish loop hands them over, after a binary round
trip through asyncua's own encoder and decoder (so timestamps, status codes and variants are
what the wire gives).
"""

from __future__ import annotations

import asyncio
import enum
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from asyncua import ua
from asyncua.ua.status_codes import StatusCodes
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary
from hypothesis import given
from hypothesis import strategies as st

from core.model import Quality, Reading
from core.validation import ReadingColumns
from drivers.base import LinkState
from drivers.opcua.codec import reading_from
from drivers.opcua.monitoring import subscription_parameters
from drivers.opcua.notifications import OVERFLOW_BITS, change_batch, to_ns
from drivers.opcua.session import OpcuaSession
from drivers.opcua.subscription import BatchSubscription
from tests.drivers.opcua.conftest import make_config, wait_state

VT = ua.VariantType
T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


class Mode(enum.IntEnum):
    AUTO = 2


def notification(handle: int, value: Any, code: int = 0, **stamps: Any) -> Any:
    """A MonitoredItemNotification for ``handle``; Double unless ``value`` says otherwise."""
    variant = (
        None
        if value is None
        else ua.Variant(value, VT.Double if isinstance(value, float) else None)
    )
    data = ua.DataValue(variant, StatusCode=ua.StatusCode(code) if code else None, **stamps)
    return ua.MonitoredItemNotification(ClientHandle=handle, Value=data)


def publish_result(data: list[Any] | None, sequence: int = 7) -> ua.PublishResult:
    """A PublishResult as the publish loop passes it (encoded and decoded once)."""
    message = ua.NotificationMessage(SequenceNumber=sequence, PublishTime=T0, NotificationData=data)  # type: ignore[arg-type]
    response = ua.PublishResponse(
        Parameters=ua.PublishResult(SubscriptionId=1, NotificationMessage=message)
    )
    return struct_from_binary(
        ua.PublishResponse, ua.utils.Buffer(struct_to_binary(response))
    ).Parameters


def fake_session() -> Any:
    """Just enough of a UaSession for Subscription's bookkeeping."""
    observer = SimpleNamespace(
        on_notification=lambda *_: None, on_subscription_event=lambda *_: None
    )
    return SimpleNamespace(observer=observer)


class Listener:
    """A SessionListener that keeps every call."""

    def __init__(self) -> None:
        self.batches: list[list[Reading]] = []
        self.kinds: list[type] = []
        self.problems: list[tuple[int, int]] = []

    def on_declarations(self, declarations: Any) -> None: ...
    def on_link_lost(self, reason: str) -> None: ...
    def on_link_restored(self, readings: Any) -> None: ...

    def on_readings(self, readings: Any) -> None:
        self.kinds.append(type(readings))
        self.batches.append(list(readings))

    def on_notification_problems(self, unknown_handles: int, overflows: int) -> None:
        self.problems.append((unknown_handles, overflows))


def session_with(listener: Listener, tags: list[str]) -> OpcuaSession:
    """An OpcuaSession (not connected) whose items 1..N are ``tags``."""
    nodes = [{"tag": tag, "node": f"ns=2;s={tag}"} for tag in tags]
    session = OpcuaSession(make_config("opc.tcp://127.0.0.1:4840", nodes), "e", None, listener)
    session._tag_by_handle.update(enumerate(tags, start=1))
    session.deliver()  # as the driver does once it has taken the session
    return session


STATUS_CASES = [
    (0, Quality.GOOD),
    (StatusCodes.BadSensorFailure, Quality.BAD_SENSOR_FAULT),
    (StatusCodes.BadCommunicationError, Quality.BAD_COMMS_LOST),
    (StatusCodes.BadOutOfRange, Quality.BAD_OUT_OF_RANGE),
    (StatusCodes.BadNodeIdUnknown, Quality.BAD),
    (StatusCodes.UncertainLastUsableValue, Quality.UNCERTAIN_LAST_USABLE),
    (StatusCodes.Uncertain, Quality.UNCERTAIN),
    (StatusCodes.GoodLocalOverride, Quality.GOOD_LOCAL_OVERRIDE),
]


async def test_a_publish_with_n_notifications_becomes_one_batch_of_n_readings() -> None:
    tags = [f"plant/t{i}" for i in range(len(STATUS_CASES))]
    listener = Listener()
    session = session_with(listener, tags)
    subscription = BatchSubscription(
        fake_session(), subscription_parameters(100), session._on_changes
    )
    items = [
        notification(
            i + 1,
            float(i),
            code,
            SourceTimestamp=T0 + timedelta(milliseconds=i),
            ServerTimestamp=T0 + timedelta(days=1),
        )
        for i, (code, _) in enumerate(STATUS_CASES)
    ]
    result = publish_result([ua.DataChangeNotification(MonitoredItems=items)])
    await subscription.publish_callback(result)
    assert listener.kinds == [ReadingColumns], "one columnar batch, no Reading per notification"
    [batch] = listener.batches
    assert [r.tag for r in batch] == tags
    assert [r.ts_ns for r in batch] == [to_ns(T0, None) + i * 1_000_000 for i in range(len(tags))]
    assert [r.quality for r in batch] == [quality for _, quality in STATUS_CASES]
    good = [r.value for r, (code, _) in zip(batch, STATUS_CASES, strict=True) if code == 0]
    assert good == [0.0]
    assert subscription.last_sequence_number == 7
    assert listener.problems == []


def test_values_before_the_driver_takes_the_session_are_held_then_delivered_in_order() -> None:
    listener = Listener()
    nodes = [{"tag": "plant/a", "node": "ns=2;s=plant/a"}]
    session = OpcuaSession(make_config("opc.tcp://127.0.0.1:4840", nodes), "e", None, listener)
    session._tag_by_handle[1] = "plant/a"
    session._on_changes([notification(1, 1.0, 0, SourceTimestamp=T0)], replayed=False)
    session._on_changes(
        [notification(1, 2.0, 0, SourceTimestamp=T0 + timedelta(seconds=1))], replayed=False
    )
    assert listener.batches == [], "nothing reaches the pipeline before the driver has the session"
    session.deliver()
    assert [[r.value for r in b] for b in listener.batches] == [[1.0, 2.0]]
    session._on_changes(
        [notification(1, 3.0, 0, SourceTimestamp=T0 + timedelta(seconds=2))], replayed=False
    )
    assert [[r.value for r in b] for b in listener.batches] == [[1.0, 2.0], [3.0]]


async def test_status_changes_go_to_asyncua_and_the_message_is_left_for_the_ack() -> None:
    changes: list[tuple[int, bool]] = []
    subscription = BatchSubscription(
        fake_session(),
        subscription_parameters(100),
        lambda items, replayed: changes.append((len(items), replayed)),
    )
    status = ua.StatusChangeNotification(Status=ua.StatusCode(StatusCodes.BadTimeout))
    data = [
        ua.DataChangeNotification(MonitoredItems=[notification(1, 1.0), notification(2, 2.0)]),
        status,
    ]
    result = publish_result(data, sequence=42)
    original = result.NotificationMessage.NotificationData
    await subscription.publish_callback(result)
    await asyncio.gather(*subscription._dispatch_tasks)  # the status change, asyncua's way
    assert changes == [(2, False)]
    assert result.NotificationMessage.NotificationData is original and len(original) == 2, (
        "the publish loop acknowledges by this message: it must stay as received"
    )
    assert subscription.last_sequence_number == 42


async def test_keep_alive_and_replayed_messages() -> None:
    changes: list[tuple[int, bool]] = []
    subscription = BatchSubscription(
        fake_session(),
        subscription_parameters(100),
        lambda items, replayed: changes.append((len(items), replayed)),
    )
    await subscription.publish_callback(publish_result(None, sequence=3))
    assert (changes, subscription.last_sequence_number) == ([], None), (
        "a keep-alive carries nothing"
    )
    subscription._replaying = True  # what asyncua sets while it republishes a gap after a reconnect
    await subscription.publish_callback(
        publish_result([ua.DataChangeNotification(MonitoredItems=[notification(1, 5.0)])])
    )
    assert changes == [(1, True)]


def test_unknown_handles_and_server_queue_overflows_are_counted() -> None:
    listener = Listener()
    session = session_with(listener, ["a", "b"])
    items = [
        notification(1, 1.0, SourceTimestamp=T0),
        notification(99, 2.0, SourceTimestamp=T0),
        notification(2, 3.0, StatusCodes.Good | OVERFLOW_BITS, SourceTimestamp=T0),
    ]
    session._on_changes(items, False)
    assert listener.problems == [(1, 1)]
    [batch] = listener.batches
    assert [(r.tag, r.value, r.quality) for r in batch] == [
        ("a", 1.0, Quality.GOOD),
        ("b", 3.0, Quality.GOOD),
    ]


def test_a_closing_session_hands_over_nothing() -> None:
    listener = Listener()
    session = session_with(listener, ["a"])
    session._closing = True
    session._on_changes([notification(1, 1.0, SourceTimestamp=T0)], False)
    assert listener.batches == []


EDGE_VALUES = [
    ua.DataValue(ua.Variant(1.5, VT.Double), SourceTimestamp=T0, SourcePicoseconds=12_340),
    ua.DataValue(ua.Variant(7, VT.Int32), ServerTimestamp=T0, ServerPicoseconds=50),
    ua.DataValue(ua.Variant(True, VT.Boolean), SourceTimestamp=T0.replace(tzinfo=None)),
    ua.DataValue(ua.Variant(ua.LocalizedText("on"), VT.LocalizedText), SourceTimestamp=T0),
    ua.DataValue(ua.Variant(Mode.AUTO, VT.Int32), SourceTimestamp=T0),
    ua.DataValue(StatusCode=ua.StatusCode(StatusCodes.BadSensorFailure), SourceTimestamp=T0),
    ua.DataValue(ua.Variant(2.5, VT.Double)),
    ua.DataValue(ua.Variant(-3.0, VT.Double), SourceTimestamp=datetime(1960, 1, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize("data", EDGE_VALUES)
def test_change_batch_agrees_with_reading_from(data: ua.DataValue) -> None:
    items = [ua.MonitoredItemNotification(ClientHandle=1, Value=data)]
    assert list(change_batch(items, {1: "t"}).readings) == [reading_from("t", data)]


@given(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    st.integers(min_value=0, max_value=99_999),
)
def test_fast_timestamps_equal_the_codec(moment: datetime, picoseconds: int) -> None:
    aware = moment.replace(tzinfo=UTC)
    data = ua.DataValue(
        ua.Variant(1.0, VT.Double), SourceTimestamp=aware, SourcePicoseconds=picoseconds
    )
    [reading] = change_batch(
        [ua.MonitoredItemNotification(ClientHandle=1, Value=data)], {1: "t"}
    ).readings
    assert reading == reading_from("t", data)


LIVE_NODES = [
    {"tag": "boiler/temperature", "node": "ns=2;s=Boiler.Temperature", "sampling_interval_ms": 100},
    {"tag": "boiler/setpoint", "node": "ns=2;s=Boiler.Setpoint"},
    {"tag": "boiler/fluegas", "node": "ns=2;s=Boiler.FlueGas"},
]


def test_the_batch_subscription_is_restored_after_a_server_restart(
    start_server, run_driver
) -> None:
    server = start_server("--security", "none")
    driver, sink = run_driver(make_config(server.endpoint, LIVE_NODES))
    first = {n["tag"] for n in LIVE_NODES}
    assert sink.wait_for(lambda rs: {r.tag for r in rs} >= first, 15), server.log_text()
    assert {r.quality for r in sink.readings() if r.tag == "boiler/fluegas"} == {
        Quality.BAD_SENSOR_FAULT
    }
    server.kill()
    assert wait_state(driver, LinkState.OFFLINE, 15)
    mark = sink.mark()
    server.start()

    def resumed(readings: list[Reading]) -> bool:
        fresh = [r for r in readings[mark:] if r.quality is Quality.GOOD]
        return len([r for r in fresh if r.tag == "boiler/temperature"]) >= 3

    assert sink.wait_for(resumed, 20), server.log_text()
    assert wait_state(driver, LinkState.ONLINE, 10)
    client = driver._session.client
    assert [type(s) for s in client._subscriptions] == [BatchSubscription], "one, restored"
    assert driver.status.errors_by_reason.get("unknown_client_handle", 0) == 0
