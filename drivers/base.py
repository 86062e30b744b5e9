"""The one interface every field driver implements, and what a driver may call back.

A driver owns the connection to one peer (a broker, a Modbus port, an OPC-UA server). It never
touches Qt, the database or the alarm engine: it hands readings to a :class:`DriverSink`
(the ingest pipeline implements it) and reports its state through :class:`DriverStatus`.
"""

from __future__ import annotations

import enum
import logging
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from core.model import QuarantineRecord, Reading, now_ns

log = logging.getLogger(__name__)


class LinkState(enum.Enum):
    """Connection state shown in the status bar and by ``controldeck status``."""

    CONNECTING = "connecting"
    ONLINE = "online"
    DEGRADED = "degraded"
    OFFLINE = "offline"
    STOPPED = "stopped"


class WriteOutcome(enum.Enum):
    """Result of a write: confirmed by read-back / state message, sent but unconfirmed, failed."""

    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class WriteRequest:
    """An absolute value to write to one tag (never a toggle or an increment)."""

    tag: str
    value: float | int | bool
    user: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What became of a :class:`WriteRequest`."""

    outcome: WriteOutcome
    detail: str = ""
    read_back: float | int | bool | None = None


@dataclass(frozen=True, slots=True)
class BrowseNode:
    """One node of a browsable address space (OPC-UA), for the tag browser."""

    address: str
    name: str
    is_variable: bool
    children: tuple[BrowseNode, ...] = ()


@dataclass(frozen=True, slots=True)
class TagDeclaration:
    """Metadata a driver learns about a tag (e.g. Home Assistant discovery, a Modbus profile)."""

    name: str
    unit: str = ""
    description: str = ""
    device: str = ""
    device_class: str = ""
    writable: bool = False
    eng_min: float | None = None
    eng_max: float | None = None
    """Engineering range (writes outside it are refused; the HMI scales gauges to it)."""


@runtime_checkable
class DriverSink(Protocol):
    """What the ingest pipeline offers a driver. Every method is thread-safe."""

    def emit(
        self,
        readings: Sequence[Reading],
        *,
        source: str,
        on_durable: Callable[[], None] | None = None,
    ) -> bool:
        """Queue readings; ``on_durable`` runs once they are stored, spooled or quarantined.

        Returns False when the queue is full and the batch was not taken (the caller keeps it).
        """

    def reject(self, record: QuarantineRecord) -> None:
        """Quarantine an input the driver could not decode, with its reason."""

    def declare(self, tags: Sequence[TagDeclaration]) -> None:
        """Tell the registry about tags and their metadata before their samples flow."""


@dataclass(slots=True)
class DriverStatus:
    """Live health of one driver; updated by the driver, read by status views."""

    name: str
    kind: str
    state: LinkState = LinkState.CONNECTING
    last_error: str = ""
    last_change_ns: int = field(default_factory=now_ns)
    reconnects: int = 0
    messages: int = 0
    errors: int = 0
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    endpoint: str = ""
    protocol: str = ""
    """The protocol version the peer negotiated, where a driver has a choice (MQTT: 5, 3.1.1)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _was_down: bool = field(default=False, repr=False)

    def set_state(self, state: LinkState, error: str = "") -> None:
        """Change state, logging a failure once and the recovery once (before it is visible)."""
        with self._lock:
            previous = self.state
            if error:
                self.last_error = error
            if previous is state:
                return
            if state is LinkState.OFFLINE:
                self._was_down = True
                log.warning("%s %s offline: %s", self.kind, self.name, error or "connection lost")
            elif state is LinkState.ONLINE and self._was_down:
                self._was_down = False
                log.info("%s %s recovered", self.kind, self.name)
            self.last_change_ns = now_ns()
            self.state = state

    def count_error(self, reason: str) -> None:
        """Count one error under its reason."""
        with self._lock:
            self.errors += 1
            self.errors_by_reason[reason] = self.errors_by_reason.get(reason, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly snapshot."""
        with self._lock:
            return {
                "name": self.name,
                "kind": self.kind,
                "state": self.state.value,
                "endpoint": self.endpoint,
                "protocol": self.protocol,
                "last_error": self.last_error,
                "last_change_ns": self.last_change_ns,
                "reconnects": self.reconnects,
                "messages": self.messages,
                "errors": self.errors,
                "errors_by_reason": dict(self.errors_by_reason),
            }


class Driver(Protocol):
    """One field connection. ``start`` returns at once; the work runs on the driver's thread/loop."""

    name: str
    status: DriverStatus

    def start(self, sink: DriverSink) -> None:
        """Connect (in the background) and begin delivering readings to ``sink``."""

    def stop(self) -> None:
        """Disconnect and release every resource; idempotent."""

    def write(self, request: WriteRequest) -> WriteResult:
        """Write an absolute value; blocks up to the driver's write timeout."""

    def browse(self) -> list[BrowseNode]:
        """The peer's address space where the protocol has one, else an empty list."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential reconnect delay with full jitter: ``uniform(0, min(cap, base * 2**n))``."""

    base_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before reconnect attempt ``attempt`` (0-based)."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(attempt, 30)))
        return (rng or random).uniform(ceiling / 2, ceiling)
