"""What a Modbus request can end in besides an answer, with the quality it gives the points."""

from __future__ import annotations

from core.model import Quality

EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


class RequestError(Exception):
    """A request that produced no usable answer; ``reason`` is the error counter key."""

    quality = Quality.BAD

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class CommsError(RequestError):
    """No answer: not connected, connect failed, timeout, connection lost."""

    quality = Quality.BAD_COMMS_LOST


class DeviceFault(RequestError):
    """The device answered with a Modbus exception response."""

    quality = Quality.BAD_DEVICE_FAULT

    def __init__(self, code: int) -> None:
        name = EXCEPTION_NAMES.get(code, "unknown exception")
        super().__init__(f"exception_{code}", f"device exception {code} ({name})")
        self.code = code
