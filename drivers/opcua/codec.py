"""Pure conversions between OPC-UA values and ControlDeck's: status codes, timestamps, writes."""

from __future__ import annotations

import enum
import math
from datetime import UTC, datetime

from asyncua import ua
from asyncua.ua.status_codes import StatusCodes, get_name_and_doc
from asyncua.ua.uaerrors import UaStatusCodeError

from core.model import Quality, Reading

_SEVERITY_MASK = 0xC0000000
_CODE_MASK = 0xFFFF0000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_QUALITY_BY_CODE: dict[int, Quality] = {
    StatusCodes.GoodLocalOverride: Quality.GOOD_LOCAL_OVERRIDE,
    StatusCodes.UncertainSubstituteValue: Quality.UNCERTAIN_SUBSTITUTED,
    StatusCodes.UncertainLastUsableValue: Quality.UNCERTAIN_LAST_USABLE,
    StatusCodes.UncertainNoCommunicationLastUsableValue: Quality.UNCERTAIN_STALE,
    StatusCodes.UncertainSensorCalibration: Quality.UNCERTAIN_SENSOR_CAL,
    StatusCodes.UncertainSensorNotAccurate: Quality.UNCERTAIN_SENSOR_CAL,
    StatusCodes.BadCommunicationError: Quality.BAD_COMMS_LOST,
    StatusCodes.BadNotConnected: Quality.BAD_COMMS_LOST,
    StatusCodes.BadServerNotConnected: Quality.BAD_COMMS_LOST,
    StatusCodes.BadNoCommunication: Quality.BAD_COMMS_LOST,
    StatusCodes.BadSensorFailure: Quality.BAD_SENSOR_FAULT,
    StatusCodes.BadOutOfRange: Quality.BAD_OUT_OF_RANGE,
    StatusCodes.BadDeviceFailure: Quality.BAD_DEVICE_FAULT,
    StatusCodes.BadConfigurationError: Quality.BAD_CONFIG,
}

_INTEGER_RANGES: dict[ua.VariantType, tuple[int, int]] = {
    ua.VariantType.SByte: (-(2**7), 2**7 - 1),
    ua.VariantType.Byte: (0, 2**8 - 1),
    ua.VariantType.Int16: (-(2**15), 2**15 - 1),
    ua.VariantType.UInt16: (0, 2**16 - 1),
    ua.VariantType.Int32: (-(2**31), 2**31 - 1),
    ua.VariantType.UInt32: (0, 2**32 - 1),
    ua.VariantType.Int64: (-(2**63), 2**63 - 1),
    ua.VariantType.UInt64: (0, 2**64 - 1),
}
_FLOATS = (ua.VariantType.Float, ua.VariantType.Double)
_FLOAT32_MAX = 3.4028234663852886e38


class WriteValueError(ValueError):
    """The requested value does not fit the node's data type."""


def status_value(status: ua.StatusCode | int | None) -> int:
    """The raw 32-bit code (0 = Good for None)."""
    if status is None:
        return 0
    return int(status.value if isinstance(status, ua.StatusCode) else status)


def status_text(status: ua.StatusCode | int | None) -> str:
    """``BadNotWritable (0x803B0000)``: name and hex of a status code."""
    code = status_value(status)
    name, _ = get_name_and_doc(code & _CODE_MASK)
    return f"{name} (0x{code:08X})"


def quality_of(status: ua.StatusCode | int | None) -> Quality:
    """Map an OPC-UA StatusCode to a :class:`Quality` (info bits are ignored)."""
    code = status_value(status) & _CODE_MASK
    known = _QUALITY_BY_CODE.get(code)
    if known is not None:
        return known
    severity = code & _SEVERITY_MASK
    if severity == 0:
        return Quality.GOOD
    if severity == 0x40000000:
        return Quality.UNCERTAIN
    return Quality.BAD


def datetime_to_ns(moment: datetime | None, picoseconds: int | None = None) -> int | None:
    """UTC epoch nanoseconds of an OPC-UA DateTime (naive means UTC); None stays None.

    ``picoseconds`` is the DataValue's 10-picosecond count within the microsecond.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return micros * 1000 + ((picoseconds or 0) * 10) // 1000


def python_value(value: object) -> object:
    """A value the ingest pipeline understands: numbers and bools as is, enums as int, else text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return int(value.value) if isinstance(value.value, int) else str(value.value)
    if isinstance(value, ua.LocalizedText):
        return value.Text
    if isinstance(value, ua.NodeId):
        return value.to_string()
    return str(value)


def reading_from(tag: str, data: ua.DataValue, *, prefer_server_time: bool = False) -> Reading:
    """A :class:`Reading` from a DataValue: value, timestamp, quality.

    The source timestamp wins (else the server's). A value *re-read* after a reconnect is
    stamped with the server's read time instead (``prefer_server_time``): the value is known
    to hold at that moment, later than the comms-lost marker written during the outage.
    """
    variant = data.Value
    value = python_value(variant.Value) if variant is not None else None
    source = datetime_to_ns(data.SourceTimestamp, data.SourcePicoseconds)
    server = datetime_to_ns(data.ServerTimestamp, data.ServerPicoseconds)
    first, second = (server, source) if prefer_server_time else (source, server)
    ts_ns = first if first is not None else second
    return Reading(tag=tag, value=value, ts_ns=ts_ns, quality=quality_of(data.StatusCode))


def coerce_for_write(value: float | int | bool, vtype: ua.VariantType) -> float | int | bool:
    """The value as the node's data type expects it, or :class:`WriteValueError`."""
    if vtype is ua.VariantType.Boolean:
        if isinstance(value, bool) or value in (0, 1):
            return bool(value)
        raise WriteValueError(f"{value!r} is not a boolean (0/1/true/false)")
    if isinstance(value, float) and not math.isfinite(value):
        raise WriteValueError(f"{value!r} is not a finite number")
    if vtype in _INTEGER_RANGES:
        return _coerce_integer(value, vtype)
    if vtype in _FLOATS:
        number = float(value)
        if vtype is ua.VariantType.Float and abs(number) > _FLOAT32_MAX:
            raise WriteValueError(f"{value!r} does not fit a Float")
        return number
    raise WriteValueError(f"writing to a node of data type {vtype.name} is not supported")


def _coerce_integer(value: float | int | bool, vtype: ua.VariantType) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise WriteValueError(f"{value!r} is not a whole number ({vtype.name})")
    number = int(value)
    low, high = _INTEGER_RANGES[vtype]
    if not low <= number <= high:
        raise WriteValueError(f"{value!r} is outside the {vtype.name} range [{low}, {high}]")
    return number


def values_match(written: float | int | bool, read_back: object) -> bool:
    """True when a read-back value equals what was written (floats to float32 precision)."""
    if isinstance(read_back, bool) or isinstance(written, bool):
        return bool(read_back) == bool(written) if isinstance(read_back, bool | int) else False
    if isinstance(read_back, int | float):
        return math.isclose(float(read_back), float(written), rel_tol=1e-6, abs_tol=1e-9)
    return False


def describe_error(exc: BaseException) -> str:
    """A one-line reason for the status bar (status-code name for OPC-UA service faults)."""
    if isinstance(exc, UaStatusCodeError):
        return f"{type(exc).__name__}: {exc}"
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, ConnectionError) else f"{type(exc).__name__}: {text}"
