"""The fast Publish decoder equals asyncua's decoding, falls back to it, and runs in the driver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.status_codes import StatusCodes
from asyncua.ua.ua_binary import struct_from_binary, struct_to_binary
from asyncua.ua.uaerrors import UaStructParsingError
from hypothesis import given, settings
from hypothesis import strategies as st

from core.model import Quality, Reading
from drivers.opcua import wire
from drivers.opcua.monitoring import subscription_parameters
from drivers.opcua.notifications import DataChangeColumns, columns_from_items
from drivers.opcua.subscription import BatchSubscription
from drivers.opcua.wire import decode_or_fall_back, decode_publish_response, install_fast_publish
from tests.drivers.opcua.conftest import make_config
from tests.drivers.opcua.test_notifications import fake_session

VT = ua.VariantType
T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)

SCALARS = st.one_of(
    st.floats(allow_nan=False).map(lambda v: ua.Variant(v, VT.Double)),
    st.floats(width=32, allow_nan=False).map(lambda v: ua.Variant(v, VT.Float)),
    st.integers(-(2**31), 2**31 - 1).map(lambda v: ua.Variant(v, VT.Int32)),
    st.integers(0, 2**64 - 1).map(lambda v: ua.Variant(v, VT.UInt64)),
    st.integers(-128, 127).map(lambda v: ua.Variant(v, VT.SByte)),
    st.booleans().map(lambda v: ua.Variant(v, VT.Boolean)),
    st.one_of(st.none(), st.text(max_size=20)).map(lambda v: ua.Variant(v, VT.String)),
    st.just(ua.Variant(None, VT.Null)),
)
UNCOMMON = st.one_of(
    st.lists(st.floats(allow_nan=False), max_size=3).map(lambda v: ua.Variant(v, VT.Double)),
    st.text(max_size=5).map(lambda v: ua.Variant(ua.LocalizedText(v), VT.LocalizedText)),
    st.datetimes().map(lambda v: ua.Variant(v.replace(tzinfo=UTC), VT.DateTime)),
)
MOMENTS = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1601, 1, 2), max_value=datetime(9999, 1, 1)).map(
        lambda v: v.replace(tzinfo=UTC)
    ),
)
CODES = st.sampled_from(
    [0, StatusCodes.BadSensorFailure, StatusCodes.UncertainLastUsableValue, 0x0480]
)


@st.composite
def data_values(draw: st.DrawFn) -> ua.DataValue:
    """DataValues, mostly of the common shape, some with what only asyncua decodes."""
    variant = draw(st.one_of(st.none(), SCALARS, UNCOMMON))
    code = draw(CODES)
    picoseconds = draw(st.one_of(st.none(), st.integers(0, 9_999))) if draw(st.booleans()) else None
    return ua.DataValue(
        variant,
        StatusCode=ua.StatusCode(code) if code else None,
        SourceTimestamp=draw(MOMENTS),
        ServerTimestamp=draw(MOMENTS),
        SourcePicoseconds=picoseconds,
    )


def encoded(data: list[Any], sequence: int = 9, available: list[int] | None = None) -> bytes:
    """A PublishResponse as a server sends it."""
    message = ua.NotificationMessage(SequenceNumber=sequence, PublishTime=T0, NotificationData=data)  # type: ignore[arg-type]
    result = ua.PublishResult(
        SubscriptionId=3,
        AvailableSequenceNumbers=available or [],
        NotificationMessage=message,
        Results=[ua.StatusCode(StatusCodes.BadSequenceNumberUnknown)],
    )
    return struct_to_binary(ua.PublishResponse(Parameters=result))


def asyncua_as_columns(binary: bytes) -> ua.PublishResponse:
    """asyncua's decoding, its DataChangeNotifications turned into columns our way."""
    response = struct_from_binary(ua.PublishResponse, Buffer(binary))
    message = response.Parameters.NotificationMessage
    message.NotificationData = [
        columns_from_items(n.MonitoredItems) if isinstance(n, ua.DataChangeNotification) else n
        for n in message.NotificationData
    ]
    return response


@settings(max_examples=150, deadline=None)
@given(st.lists(data_values(), max_size=12), st.lists(st.integers(0, 2**32 - 1), max_size=3))
def test_fast_decoding_equals_asyncuas(values: list[ua.DataValue], available: list[int]) -> None:
    items = [ua.MonitoredItemNotification(ClientHandle=i, Value=v) for i, v in enumerate(values)]
    status = ua.StatusChangeNotification(Status=ua.StatusCode(StatusCodes.BadTimeout))
    binary = encoded([ua.DataChangeNotification(MonitoredItems=items), status], 9, available)
    fast = decode_publish_response(Buffer(binary))
    assert fast == asyncua_as_columns(binary)
    [columns, other] = fast.Parameters.NotificationMessage.NotificationData
    assert isinstance(columns, DataChangeColumns) and len(columns) == len(values)
    assert other == status


def test_common_values_are_read_without_asyncua(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: Any) -> int:
        raise AssertionError("asyncua decoded a common DataValue")

    monkeypatch.setattr(wire, "_decode_with_asyncua", refuse)
    values = [ua.DataValue(ua.Variant(float(i), VT.Double), SourceTimestamp=T0) for i in range(3)]
    items = [ua.MonitoredItemNotification(ClientHandle=i, Value=v) for i, v in enumerate(values)]
    binary = encoded([ua.DataChangeNotification(MonitoredItems=items)])
    [columns] = decode_publish_response(
        Buffer(binary)
    ).Parameters.NotificationMessage.NotificationData
    stamp = int((T0 - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1)) * 1000
    assert columns == DataChangeColumns([0, 1, 2], [0.0, 1.0, 2.0], [stamp] * 3, [0, 0, 0])


def test_a_keep_alive_decodes_like_asyncuas() -> None:
    binary = encoded([], sequence=4)
    assert decode_publish_response(Buffer(binary)) == asyncua_as_columns(binary)


def test_when_the_fast_decoder_fails_asyncua_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_: Buffer) -> Any:
        raise ValueError("not this time")

    monkeypatch.setattr(wire, "decode_publish_response", broken)
    item = ua.MonitoredItemNotification(ClientHandle=1, Value=ua.DataValue(ua.Variant(2.0)))
    binary = encoded([ua.DataChangeNotification(MonitoredItems=[item])])
    response = decode_or_fall_back(Buffer(binary))
    assert response == struct_from_binary(ua.PublishResponse, Buffer(binary))


def test_a_truncated_response_fails_as_asyncuas_does() -> None:
    item = ua.MonitoredItemNotification(ClientHandle=1, Value=ua.DataValue(ua.Variant("long")))
    binary = encoded([ua.DataChangeNotification(MonitoredItems=[item])])
    with pytest.raises(UaStructParsingError):
        decode_or_fall_back(Buffer(binary[:-20]))


def test_a_session_without_send_request_keeps_asyncuas_publish() -> None:
    original = object()
    session = SimpleNamespace(publish=original)
    assert install_fast_publish(session) is False
    assert session.publish is original


async def test_the_installed_publish_sends_the_acks_and_decodes_fast() -> None:
    sent: list[Any] = []
    item = ua.MonitoredItemNotification(ClientHandle=5, Value=ua.DataValue(ua.Variant(1.5)))
    binary = encoded([ua.DataChangeNotification(MonitoredItems=[item])])

    async def send_request(request: Any, timeout: float | None = None) -> Buffer:
        sent.append((request, timeout))
        return Buffer(binary)

    session = SimpleNamespace(_send_request=send_request, publish=None)
    assert install_fast_publish(session) is True
    acks = [ua.SubscriptionAcknowledgement(SubscriptionId=3, SequenceNumber=8)]
    response = await session.publish(acks)
    [(request, timeout)] = sent
    assert isinstance(request, ua.PublishRequest) and timeout == 0
    assert request.Parameters.SubscriptionAcknowledgements == acks
    [columns] = response.Parameters.NotificationMessage.NotificationData
    assert columns == DataChangeColumns([5], [1.5], [None], [0])


async def test_the_batch_subscription_hands_decoded_columns_on_whole() -> None:
    got: list[tuple[Any, bool]] = []
    subscription = BatchSubscription(
        fake_session(), subscription_parameters(100), lambda c, r: got.append((c, r))
    )
    columns = DataChangeColumns([1, 2], [2.0, None], [5, 6], [0, StatusCodes.BadSensorFailure])
    message = ua.NotificationMessage(SequenceNumber=4, PublishTime=T0, NotificationData=[columns])  # type: ignore[list-item]
    await subscription.publish_callback(ua.PublishResult(1, NotificationMessage=message))
    assert got == [(columns, False)]
    assert subscription.last_sequence_number == 4


LIVE_NODES = [
    {"tag": "boiler/temperature", "node": "ns=2;s=Boiler.Temperature", "sampling_interval_ms": 100},
    {"tag": "boiler/mode", "node": "ns=2;s=Boiler.Mode"},
    {"tag": "boiler/running", "node": "ns=2;s=Boiler.Running"},
    {"tag": "boiler/fluegas", "node": "ns=2;s=Boiler.FlueGas"},
    {"tag": "boiler/serviced", "node": "ns=2;s=Boiler.Serviced"},
]


def test_a_live_subscription_is_decoded_by_the_fast_decoder(
    start_server: Any, run_driver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    original = wire.decode_publish_response

    def counting(data: Buffer) -> ua.PublishResponse:
        response = original(data)
        notifications = response.Parameters.NotificationMessage.NotificationData
        decoded.extend(len(n) for n in notifications if isinstance(n, DataChangeColumns))
        return response

    monkeypatch.setattr(wire, "decode_publish_response", counting)
    server = start_server("--security", "none")
    _, sink = run_driver(make_config(server.endpoint, LIVE_NODES))
    tags = {n["tag"] for n in LIVE_NODES}
    assert sink.wait_for(lambda rs: {r.tag for r in rs} >= tags, 15), server.log_text()
    assert sink.wait_for(lambda rs: sum(decoded) >= len(tags) + 3, 10)
    latest: dict[str, Reading] = {r.tag: r for r in sink.readings()}
    assert latest["boiler/mode"].value == 1 and latest["boiler/running"].value is True
    assert latest["boiler/fluegas"].quality is Quality.BAD_SENSOR_FAULT
    serviced = datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC)
    assert latest["boiler/serviced"].ts_ns == int(serviced.timestamp() * 1e6) * 1000
    assert isinstance(latest["boiler/temperature"].value, float)
