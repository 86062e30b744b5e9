"""Simulated MQTT devices: every family's devices publish once per interval, in batches.

One publisher thread owns every connection (paho in external-loop mode, see
:mod:`drivers.simulator.mqtt_link`), so the simulator never takes more than one core for
publishing. Devices are spread evenly over the interval; every tick (50 ms) the devices whose
turn has come are published as one batch, round-robin over ``connections`` shared connections
(a device always uses the same one, keeping its messages in order). Devices with a last will
(Tasmota) get a connection of their own. The rate is capped at ``max_rate`` messages/s; when
the publisher cannot keep up, it lags at most one interval and then skips the oldest turns
(counted in :attr:`PublishStats.skipped`). A socket the broker does not drain makes its
messages count as skipped instead of piling up in memory.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from drivers.simulator.mqtt_families import Message
from drivers.simulator.mqtt_link import PublisherLink, Will

log = logging.getLogger(__name__)

TICK_S = 0.05
CONNECT_WAIT_S = 5.0
CHUNK = 500
CONGESTION_CHECK_EVERY = 256
STATS_LOG_EVERY_S = 30.0


class DeviceFamily(Protocol):
    """A family of simulated devices of one payload format."""

    format_name: str
    devices: list[str]

    @property
    def size(self) -> int:
        """Number of devices."""

    def will(self, index: int) -> Will | None:
        """Last will of a device that needs its own connection, else None."""

    def reachable(self, t: float) -> npt.NDArray[np.bool_]:
        """Which devices are on the air at ``t`` (comms loss and power outage take them off)."""

    def messages(self, t: float, start: int, stop: int) -> list[Message]:
        """``(device index, topic, payload)`` of devices ``start``..``stop - 1`` at ``t``
        (unreachable ones left out)."""


@dataclass(slots=True)
class PublishStats:
    """Counters of the publisher (read from any thread; updated by the publisher thread)."""

    started: float = field(default_factory=time.monotonic)
    published: int = 0
    skipped: int = 0
    turns: int = 0

    def rate(self, now: float | None = None) -> float:
        """Average messages/s since the start."""
        elapsed = (now if now is not None else time.monotonic()) - self.started
        return self.published / elapsed if elapsed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    """Where and how fast the devices publish."""

    host: str = "127.0.0.1"
    port: int = 1883
    interval_s: float = 5.0
    qos: int = 0
    connections: int = 4
    max_rate: float = 50_000.0
    client_id_prefix: str = "cd-sim"


class MqttDeviceSimulator:
    """Publishes every device of ``families`` once per ``interval_s`` until stopped."""

    def __init__(
        self,
        families: Sequence[DeviceFamily],
        settings: PublisherSettings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.families = list(families)
        self.settings = settings
        self._clock = clock
        self._offsets: list[int] = []
        total = 0
        for family in self.families:
            self._offsets.append(total)
            total += family.size
        self.total = total
        self.stats = PublishStats()
        self._shared = [
            PublisherLink(f"{settings.client_id_prefix}-{n}", settings.host, settings.port)
            for n in range(settings.connections)
        ]
        self._own: dict[int, PublisherLink] = self._own_links()
        self._cursor = 0.0
        self._tokens = 0.0

    def _own_links(self) -> dict[int, PublisherLink]:
        links: dict[int, PublisherLink] = {}
        for family, offset in zip(self.families, self._offsets, strict=True):
            for index in range(family.size):
                will = family.will(index)
                if will is not None:
                    client_id = f"{self.settings.client_id_prefix}-{family.devices[index]}"
                    links[offset + index] = PublisherLink(
                        client_id, self.settings.host, self.settings.port, will=will
                    )
        return links

    @property
    def links(self) -> list[PublisherLink]:
        """Every connection (shared first, then the devices' own)."""
        return [*self._shared, *self._own.values()]

    def _connect_all(self, stop: threading.Event) -> None:
        """Give every link up to CONNECT_WAIT_S to be accepted before the first turn."""
        deadline = time.monotonic() + CONNECT_WAIT_S
        while not stop.is_set() and time.monotonic() < deadline:
            for link in self.links:
                link.service(self._clock())
            if all(link.connected for link in self.links):
                return
            stop.wait(0.01)
        log.warning("mqtt devices: not every connection is up; publishing goes on regardless")

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set, then disconnect cleanly."""
        self._connect_all(stop)
        start = self._clock()
        last, last_log = start, time.monotonic()
        self.stats.started = time.monotonic()
        try:
            while not stop.is_set():
                now = self._clock()
                self._follow_availability(now)
                for link in self.links:
                    link.service(now)
                self._tokens = min(
                    self._tokens + (now - last) * self.settings.max_rate, self.settings.max_rate
                )
                last = now
                self._publish_due(now, start)
                if time.monotonic() - last_log > STATS_LOG_EVERY_S:
                    last_log = time.monotonic()
                    log.info(
                        "mqtt devices: %d published (%.0f/s), %d skipped",
                        self.stats.published,
                        self.stats.rate(),
                        self.stats.skipped,
                    )
                stop.wait(max(0.0, TICK_S - (self._clock() - now)))
        finally:
            for link in self.links:
                link.close()

    def _follow_availability(self, now: float) -> None:
        """Take the own-connection devices (Tasmota) off the air during their faults."""
        masks: dict[int, npt.NDArray[np.bool_]] = {}
        for position, link in self._own.items():
            family, index = self._locate(position)
            if id(family) not in masks:
                masks[id(family)] = family.reachable(now)
            if masks[id(family)][index]:
                link.resume()
            else:
                link.suspend()

    def _locate(self, position: int) -> tuple[DeviceFamily, int]:
        slot = bisect.bisect_right(self._offsets, position) - 1
        return self.families[slot], position - self._offsets[slot]

    def _publish_due(self, now: float, start: float) -> None:
        if self.total == 0:
            return
        target = (now - start) / self.settings.interval_s * self.total
        if target - self._cursor > self.total:
            lagging = int(target - self.total) - int(self._cursor)
            self.stats.skipped += lagging
            self._cursor += lagging
        due = min(int(target) - int(self._cursor), int(self._tokens))
        deadline = time.monotonic() + TICK_S
        while due > 0 and time.monotonic() < deadline:
            chunk = min(due, CHUNK)
            first = int(self._cursor)
            self._cursor += chunk
            self._tokens -= chunk
            self.stats.turns += chunk
            due -= chunk
            for begin, end in _wrap(first % self.total, chunk, self.total):
                self._publish_range(now, begin, end)
            if self.settings.qos:
                for link in self._shared:
                    link.service(now)  # read acknowledgements to free in-flight slots

    def _publish_range(self, now: float, begin: int, end: int) -> None:
        """Publish global positions ``begin``..``end - 1`` (within one pass over the devices)."""
        slot = bisect.bisect_right(self._offsets, begin) - 1
        while begin < end:
            family, offset = self.families[slot], self._offsets[slot]
            stop = min(end, offset + family.size)
            if stop > begin:
                self._send(offset, family.messages(now, begin - offset, stop - offset))
            begin, slot = stop, slot + 1

    def _send(self, offset: int, messages: list[Message]) -> None:
        qos = self.settings.qos
        congested: set[int] = set()
        sent = 0
        for n, (index, topic, payload) in enumerate(messages):
            position = offset + index
            link = self._own.get(position) or self._shared[position % len(self._shared)]
            key = id(link)
            if n % CONGESTION_CHECK_EVERY == 0 and link.congested():
                congested.add(key)
            if key not in congested and link.publish(topic, payload, qos):
                sent += 1
        self.stats.published += sent
        self.stats.skipped += len(messages) - sent
        for link in self.links:
            link.flush()


def _wrap(first: int, count: int, total: int) -> list[tuple[int, int]]:
    """Split ``count`` positions from ``first`` into ranges that do not pass ``total``."""
    ranges: list[tuple[int, int]] = []
    while count > 0:
        size = min(count, total - first)
        ranges.append((first, first + size))
        count -= size
        first = 0
    return ranges
