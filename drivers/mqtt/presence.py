"""Device presence learned from LWT / availability messages, readable from any thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DevicePresence:
    """Whether a device last said it is online, and when it was last heard from."""

    online: bool
    last_seen_ns: int


def device_of(tag: str) -> str:
    """The device part of a tag name ``<device>/<field.path>`` (empty when there is none)."""
    return tag.rpartition("/")[0]


class PresenceBook:
    """Thread-safe table of device presence; written by the handoff thread only."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._devices: dict[str, DevicePresence] = {}

    def update(self, device: str, online: bool, ts_ns: int) -> bool:
        """Record a presence event; True when the online state changed (or is new)."""
        with self._lock:
            previous = self._devices.get(device)
            self._devices[device] = DevicePresence(online, ts_ns)
        return previous is None or previous.online != online

    def touch(self, devices: set[str], ts_ns: int) -> None:
        """Mark known devices as seen (a reading arrived from them)."""
        with self._lock:
            for device in devices:
                known = self._devices.get(device)
                if known is not None and known.last_seen_ns < ts_ns:
                    self._devices[device] = DevicePresence(known.online, ts_ns)

    def snapshot(self) -> dict[str, DevicePresence]:
        """A copy of the table."""
        with self._lock:
            return dict(self._devices)
