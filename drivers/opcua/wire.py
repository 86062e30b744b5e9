"""A fast decoder for Publish responses: data changes straight from the wire into columns.

asyncua decodes a Publish response into one MonitoredItemNotification, DataValue and Variant
object per notification through its generic dataclass decoder: ~30 µs each, ~37 ms for a
response of 1,000 notifications, all of it on the field loop before any of our code runs.
:func:`decode_publish_response` reads each DataChangeNotification into
:class:`~drivers.opcua.notifications.DataChangeColumns` with precompiled structs instead, for
the common DataValue (value, status, source/server timestamps; a scalar Boolean, integer,
Float, Double or String). Everything else is asyncua's own decoding: the response header, the
other notification types (events, status changes), and, item by item, any DataValue that is
not common (picoseconds, arrays, structures, ...). The result equals asyncua's decoding
followed by :func:`~drivers.opcua.notifications.columns_from_items` (tested on encoded
messages). :func:`install_fast_publish` puts it into a session's publish loop.
"""

from __future__ import annotations

import inspect
import logging
import struct
from collections.abc import Callable
from typing import Any

from asyncua import ua
from asyncua.common.utils import Buffer
from asyncua.ua.object_ids import ObjectIds
from asyncua.ua.ua_binary import (
    Primitives,
    extensionobject_from_binary,
    from_binary,
    get_string_encoding,
    nodeid_from_binary,
    struct_from_binary,
)
from asyncua.ua.uaerrors import UaStructParsingError

from drivers.opcua.notifications import DataChangeColumns, add_data_value, to_ns

log = logging.getLogger(__name__)

_DATA_CHANGE = ua.FourByteNodeId(ua.Int32(ObjectIds.DataChangeNotification_Encoding_DefaultBinary))
_HEAD = struct.Struct("<IB")  # ClientHandle, DataValue encoding mask
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_SCALARS: dict[int, struct.Struct] = {
    vtype.value: struct.Struct(fmt)
    for vtype, fmt in (
        (ua.VariantType.Boolean, "<?"),
        (ua.VariantType.SByte, "<b"),
        (ua.VariantType.Byte, "<B"),
        (ua.VariantType.Int16, "<h"),
        (ua.VariantType.UInt16, "<H"),
        (ua.VariantType.Int32, "<i"),
        (ua.VariantType.UInt32, "<I"),
        (ua.VariantType.Int64, "<q"),
        (ua.VariantType.UInt64, "<Q"),
        (ua.VariantType.Float, "<f"),
        (ua.VariantType.Double, "<d"),
    )
}
_NULL, _STRING = ua.VariantType.Null.value, ua.VariantType.String.value
_COMMON_MASK = 0x0F
"""DataValue fields this decoder reads itself: Value, StatusCode, Source/ServerTimestamp."""
_EPOCH_TICKS = 116_444_736_000_000_000
"""1970-01-01 in OPC-UA DateTime ticks (100 ns since 1601-01-01)."""


def ticks_to_ns(ticks: int) -> int | None:
    """UTC epoch ns of an OPC-UA DateTime, truncated to the microsecond like asyncua's."""
    if 0 <= ticks < ua.uatypes.MAX_OPC_FILETIME:
        return (ticks - _EPOCH_TICKS) // 10 * 1000
    return to_ns(ua.uatypes.win_epoch_to_datetime(ticks), None)  # asyncua's clamping


def decode_data_changes(body: bytes) -> DataChangeColumns:
    """The MonitoredItems of a binary DataChangeNotification body, as columns."""
    out = DataChangeColumns()
    (count,) = _I32.unpack_from(body, 0)
    pos = 4
    for _ in range(count):
        pos = _read_item(body, pos, out)
    return out


def _read_item(body: bytes, start: int, out: DataChangeColumns) -> int:
    """The MonitoredItemNotification at ``start`` into ``out``; returns the position after it."""
    handle, mask = _HEAD.unpack_from(body, start)
    if mask & ~_COMMON_MASK:
        return _decode_with_asyncua(body, start, out)
    pos, value = start + 5, None
    if mask & 1:
        read = _read_value(body, pos)
        if read is None:
            return _decode_with_asyncua(body, start, out)
        value, pos = read
    code = 0
    if mask & 2:
        (code,) = _U32.unpack_from(body, pos)
        pos += 4
    stamp = None
    if mask & 4:
        stamp = ticks_to_ns(_I64.unpack_from(body, pos)[0])
        pos += 8
    if mask & 8:
        if stamp is None:
            stamp = ticks_to_ns(_I64.unpack_from(body, pos)[0])
        pos += 8
    out.handles.append(handle)
    out.values.append(value)
    out.stamps.append(stamp)
    out.codes.append(code)
    return pos


def _read_value(body: bytes, pos: int) -> tuple[object, int] | None:
    """(value, next position) of a common scalar Variant at ``pos``; None for any other."""
    vtype = body[pos]
    scalar = _SCALARS.get(vtype)
    if scalar is not None:
        return scalar.unpack_from(body, pos + 1)[0], pos + 1 + scalar.size
    if vtype == _STRING:
        return _string(body, pos + 1)
    if vtype == _NULL:
        return None, pos + 1
    return None


def _string(body: bytes, pos: int) -> tuple[str | None, int]:
    (length,) = _I32.unpack_from(body, pos)
    if length < 0:
        return None, pos + 4
    end = pos + 4 + length
    if end > len(body):
        raise ValueError("String runs past the end of the notification")
    text = bytes(body[pos + 4 : end]).decode(get_string_encoding(), errors="surrogateescape")
    return text, end


def _decode_with_asyncua(body: bytes, pos: int, out: DataChangeColumns) -> int:
    """One MonitoredItemNotification at ``pos`` decoded by asyncua; returns the next position."""
    buffer = Buffer(body, pos)
    item = struct_from_binary(ua.MonitoredItemNotification, buffer)
    add_data_value(out, item.ClientHandle, item.Value)
    return buffer.cur_pos


def _notification_data(data: Buffer) -> list[Any]:
    """NotificationData: data changes as columns, any other notification asyncua's way."""
    notifications: list[Any] = []
    for _ in range(Primitives.Int32.unpack(data)):
        peek = data.copy()
        if nodeid_from_binary(peek) == _DATA_CHANGE and Primitives.Byte.unpack(peek) == 1:
            body = peek.read(Primitives.Int32.unpack(peek))
            data.skip(len(data) - len(peek))
            notifications.append(decode_data_changes(body))
        else:
            notifications.append(extensionobject_from_binary(data))
    return notifications


def decode_publish_response(data: Buffer) -> ua.PublishResponse:
    """A PublishResponse whose DataChangeNotifications are :class:`DataChangeColumns`."""
    type_id = nodeid_from_binary(data)
    header = struct_from_binary(ua.ResponseHeader, data)
    result = ua.PublishResult(
        SubscriptionId=Primitives.UInt32.unpack(data),
        AvailableSequenceNumbers=from_binary(list[ua.UInt32], data),
        MoreNotifications=Primitives.Boolean.unpack(data),
    )
    message = result.NotificationMessage
    message.SequenceNumber = Primitives.UInt32.unpack(data)
    message.PublishTime = Primitives.DateTime.unpack(data)
    message.NotificationData = _notification_data(data)
    result.Results = from_binary(list[ua.StatusCode], data)
    result.DiagnosticInfos = from_binary(list[ua.DiagnosticInfo], data)
    return ua.PublishResponse(TypeId=type_id, ResponseHeader=header, Parameters=result)


def decode_or_fall_back(data: Buffer) -> ua.PublishResponse:
    """:func:`decode_publish_response`; asyncua's decoder when that fails (as asyncua would)."""
    original = data.copy()
    try:
        return decode_publish_response(data)
    except Exception as exc:
        log.debug("fast Publish decoding failed (%r); asyncua decodes this one", exc)
    try:
        return struct_from_binary(ua.PublishResponse, original)
    except Exception as exc:
        log.exception("Error parsing notification from server")
        raise UaStructParsingError from exc  # what asyncua's publish raises: the loop goes on


def install_fast_publish(session: Any) -> bool:
    """Make ``session``'s publish loop decode responses with :func:`decode_or_fall_back`.

    Relies on asyncua's ``UaSession._send_request`` (checked; without it nothing changes and
    False is returned). Only for a session whose subscriptions are all
    :class:`~drivers.opcua.subscription.BatchSubscription`: asyncua's own Subscription
    does not know :class:`DataChangeColumns`.
    """
    send: Callable[..., Any] | None = getattr(session, "_send_request", None)
    if not inspect.iscoroutinefunction(send) or not hasattr(session, "publish"):
        log.info("asyncua's session has no _send_request: its own Publish decoder is used")
        return False

    async def publish(acks: list[ua.SubscriptionAcknowledgement]) -> ua.PublishResponse:
        request = ua.PublishRequest()
        request.Parameters.SubscriptionAcknowledgements = acks if acks else []
        assert send is not None
        return decode_or_fall_back(await send(request, timeout=0))

    session.publish = publish
    return True
