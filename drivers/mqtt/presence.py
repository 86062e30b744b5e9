"""Device presence learned from LWT / availability messages, readable from any thread."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from core.model import Reading
from drivers.mqtt.formats.base import LeafColumns

_LAYOUT_LIMIT = 4096


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
        self.touch_each(dict.fromkeys(devices, ts_ns))

    def touch_each(self, seen: dict[str, int]) -> None:
        """Mark known devices as seen, each at its own time (``{device: ts_ns}``)."""
        with self._lock:
            for device, ts_ns in seen.items():
                known = self._devices.get(device)
                if known is not None and known.last_seen_ns < ts_ns:
                    self._devices[device] = DevicePresence(known.online, ts_ns)

    def snapshot(self) -> dict[str, DevicePresence]:
        """A copy of the table."""
        with self._lock:
            return dict(self._devices)


class SeenDevices:
    """The devices readings came from since the last :meth:`apply`, each with its latest time.

    The handoff notes every message here and touches the :class:`PresenceBook` once per batch
    (one lock, one entry per device) instead of once per message. The devices of a
    :class:`LeafColumns` message are worked out once per tag layout (formats share the layout).
    """

    def __init__(self) -> None:
        self._latest: dict[str, int] = {}
        self._layouts: dict[int, tuple[Sequence[str], tuple[str, ...]]] = {}

    def note(self, readings: Sequence[Reading], ts_ns: int) -> None:
        """Readings arrived at ``ts_ns``; their devices were seen then."""
        if type(readings) is LeafColumns:
            devices = self._layout_devices(readings.tags)
        else:
            devices = tuple({device_of(r.tag) for r in readings})
        latest = self._latest
        for device in devices:
            latest[device] = ts_ns

    def _layout_devices(self, tags: Sequence[str]) -> tuple[str, ...]:
        entry = self._layouts.get(id(tags))
        if entry is not None and entry[0] is tags:
            return entry[1]
        devices = tuple({device_of(tag) for tag in tags})
        if len(self._layouts) >= _LAYOUT_LIMIT:
            self._layouts.clear()
        self._layouts[id(tags)] = (tags, devices)
        return devices

    def apply(self, book: PresenceBook) -> None:
        """Touch ``book`` with every device noted since the last call."""
        if self._latest:
            latest, self._latest = self._latest, {}
            book.touch_each(latest)
