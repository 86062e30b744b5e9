"""Pure conversions: StatusCode -> Quality, DateTime -> ns, values for writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from asyncua import ua
from asyncua.ua.status_codes import StatusCodes
from asyncua.ua.uaerrors import BadNotWritable
from hypothesis import given
from hypothesis import strategies as st

from core.model import Quality
from drivers.opcua.codec import (
    WriteValueError,
    coerce_for_write,
    datetime_to_ns,
    describe_error,
    python_value,
    quality_of,
    reading_from,
    status_text,
    values_match,
)

VT = ua.VariantType


@pytest.mark.parametrize(
    ("code", "quality"),
    [
        (None, Quality.GOOD),
        (StatusCodes.Good, Quality.GOOD),
        (StatusCodes.Good | 0x0400, Quality.GOOD),  # info bits (overflow, limits) are ignored
        (StatusCodes.GoodLocalOverride, Quality.GOOD_LOCAL_OVERRIDE),
        (StatusCodes.GoodClamped, Quality.GOOD),
        (StatusCodes.Uncertain, Quality.UNCERTAIN),
        (StatusCodes.UncertainInitialValue, Quality.UNCERTAIN),
        (StatusCodes.UncertainLastUsableValue, Quality.UNCERTAIN_LAST_USABLE),
        (StatusCodes.UncertainLastUsableValue | 0x0100, Quality.UNCERTAIN_LAST_USABLE),
        (StatusCodes.UncertainSubstituteValue, Quality.UNCERTAIN_SUBSTITUTED),
        (StatusCodes.UncertainNoCommunicationLastUsableValue, Quality.UNCERTAIN_STALE),
        (StatusCodes.UncertainSensorNotAccurate, Quality.UNCERTAIN_SENSOR_CAL),
        (StatusCodes.UncertainSensorCalibration, Quality.UNCERTAIN_SENSOR_CAL),
        (StatusCodes.BadCommunicationError, Quality.BAD_COMMS_LOST),
        (StatusCodes.BadNotConnected, Quality.BAD_COMMS_LOST),
        (StatusCodes.BadServerNotConnected, Quality.BAD_COMMS_LOST),
        (StatusCodes.BadNoCommunication, Quality.BAD_COMMS_LOST),
        (StatusCodes.BadSensorFailure, Quality.BAD_SENSOR_FAULT),
        (StatusCodes.BadOutOfRange, Quality.BAD_OUT_OF_RANGE),
        (StatusCodes.BadDeviceFailure, Quality.BAD_DEVICE_FAULT),
        (StatusCodes.BadConfigurationError, Quality.BAD_CONFIG),
        (StatusCodes.BadNodeIdUnknown, Quality.BAD),
        (StatusCodes.BadWaitingForInitialData, Quality.BAD),
        (0xC0000000, Quality.BAD),  # reserved severity bits count as bad
    ],
)
def test_quality_of_status_code(code, quality) -> None:
    assert quality_of(code) is quality
    if code is not None:
        assert quality_of(ua.StatusCode(code)) is quality


@given(st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_every_code_maps_to_its_class(code: int) -> None:
    severity = code >> 30
    quality = quality_of(code)
    assert quality.is_good == (severity == 0)
    assert quality.is_bad == (severity >= 2)


def test_status_text() -> None:
    assert status_text(ua.StatusCode(StatusCodes.BadNotWritable)) == "BadNotWritable (0x803B0000)"
    assert status_text(None) == "Good (0x00000000)"
    assert describe_error(BadNotWritable()).startswith("BadNotWritable: ")
    assert describe_error(ConnectionError("refused")) == "refused"
    assert describe_error(ValueError("x")) == "ValueError: x"


@pytest.mark.parametrize(
    ("moment", "pico", "expected"),
    [
        (None, None, None),
        (datetime(1970, 1, 1, tzinfo=UTC), None, 0),
        (datetime(2024, 1, 2, 3, 4, 5, 250000, tzinfo=UTC), None, 1_704_164_645_250_000_000),
        (datetime(2024, 1, 2, 3, 4, 5, 250000), None, 1_704_164_645_250_000_000),  # naive = UTC
        (
            datetime(2024, 1, 2, 4, 4, 5, 250000, tzinfo=UTC).astimezone(),
            None,
            1_704_168_245_250_000_000,
        ),
        (datetime(2024, 1, 2, 3, 4, 5, 250001, tzinfo=UTC), 55, 1_704_164_645_250_001_000),
        (datetime(2024, 1, 2, 3, 4, 5, 250001, tzinfo=UTC), 99, 1_704_164_645_250_001_000),
        (datetime(1601, 1, 1, tzinfo=UTC), None, -11_644_473_600_000_000_000),
    ],
)
def test_datetime_to_ns(moment, pico, expected) -> None:
    assert datetime_to_ns(moment, pico) == expected


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)))
def test_datetime_to_ns_is_exact_to_the_microsecond(moment: datetime) -> None:
    ns = datetime_to_ns(moment.replace(tzinfo=UTC))
    assert ns is not None and ns % 1000 == 0
    back = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
    assert back == moment.replace(tzinfo=UTC)


SOURCE = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
SERVER = datetime(2024, 5, 6, 7, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("source", "server", "prefer_server", "expected"),
    [
        (SOURCE, SERVER, False, SOURCE),
        (SOURCE, SERVER, True, SERVER),
        (None, SERVER, False, SERVER),
        (SOURCE, None, True, SOURCE),
        (None, None, False, None),
    ],
)
def test_reading_timestamp_choice(source, server, prefer_server, expected) -> None:
    data = ua.DataValue(ua.Variant(1.5, VT.Double), SourceTimestamp=source, ServerTimestamp=server)
    reading = reading_from("t", data, prefer_server_time=prefer_server)
    assert reading.ts_ns == datetime_to_ns(expected)
    assert (reading.tag, reading.value, reading.quality) == ("t", 1.5, Quality.GOOD)


def test_reading_of_bad_value_without_variant() -> None:
    data = ua.DataValue(StatusCode=ua.StatusCode(StatusCodes.BadSensorFailure))
    reading = reading_from("t", data)
    assert (reading.value, reading.quality) == (None, Quality.BAD_SENSOR_FAULT)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        (True, True),
        (7, 7),
        (2.5, 2.5),
        ("text", "text"),
        (ua.LocalizedText("Auto"), "Auto"),
        (ua.NodeClass.Variable, 2),
        (ua.NodeId(5, 2), "ns=2;i=5"),
    ],
)
def test_python_value(raw, expected) -> None:
    assert python_value(raw) == expected


@pytest.mark.parametrize(
    ("value", "vtype", "expected"),
    [
        (True, VT.Boolean, True),
        (0, VT.Boolean, False),
        (1.0, VT.Boolean, True),
        (61.5, VT.Double, 61.5),
        (61, VT.Double, 61.0),
        (1e38, VT.Float, 1e38),
        (3, VT.Int16, 3),
        (3.0, VT.Int16, 3),
        (-32768, VT.Int16, -32768),
        (255, VT.Byte, 255),
        (2**63 - 1, VT.Int64, 2**63 - 1),
        (2**64 - 1, VT.UInt64, 2**64 - 1),
        (True, VT.Int32, 1),
    ],
)
def test_coerce_for_write(value, vtype, expected) -> None:
    result = coerce_for_write(value, vtype)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "vtype", "fragment"),
    [
        (2, VT.Boolean, "not a boolean"),
        (0.5, VT.Boolean, "not a boolean"),
        (2.5, VT.Int16, "not a whole number"),
        (32768, VT.Int16, "outside the Int16 range"),
        (-1, VT.UInt32, "outside the UInt32 range"),
        (256, VT.Byte, "outside the Byte range"),
        (float("nan"), VT.Double, "not a finite number"),
        (float("inf"), VT.Int32, "not a finite number"),
        (1e39, VT.Float, "does not fit a Float"),
        (1.0, VT.String, "String is not supported"),
        (1.0, VT.DateTime, "DateTime is not supported"),
    ],
)
def test_coerce_for_write_refuses(value, vtype, fragment) -> None:
    with pytest.raises(WriteValueError, match=fragment):
        coerce_for_write(value, vtype)


@given(st.integers(min_value=-(2**15), max_value=2**15 - 1))
def test_int16_values_round_trip(value: int) -> None:
    assert coerce_for_write(float(value), VT.Int16) == value


@pytest.mark.parametrize(
    ("written", "read_back", "match"),
    [
        (61.5, 61.5, True),
        (0.1, 0.10000000149011612, True),  # float32 storage
        (61.5, 61.0, False),
        (3, 3, True),
        (True, True, True),
        (True, 1, True),
        (False, True, False),
        (1, "1", False),
    ],
)
def test_values_match(written, read_back, match) -> None:
    assert values_match(written, read_back) is match
