"""The handoff thread: decode inbox messages, batch readings, emit, and ack once durable.

Flush policy: a batch is emitted when it holds ``max_batch`` readings, when its first message is
``flush_interval_s`` old, or when no message arrived for a short linger (the broker stops sending
once its in-flight window of unacknowledged messages is full, so waiting longer gains nothing).

Back-pressure: when ``sink.emit`` returns False the batch is kept and retried with backoff on
this thread; nothing is acked meanwhile, so the broker stops at its in-flight window and keeps
the rest. Should the window exceed the inbox bound (a v3.1.1 broker configured that way; v5
brokers are told the bound as Receive Maximum), ``on_message`` refuses the excess without
blocking: counted as ``backpressure``, not acked, and once everything accepted is acked the
connection is recycled so the broker redelivers it. QoS 0 excess cannot be redelivered and is
counted as ``dropped_qos0``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial

from core.model import Quality, Reading
from drivers.base import DriverSink, DriverStatus
from drivers.mqtt.batching import Batch, HandoffSettings
from drivers.mqtt.declared import DeclaredTags
from drivers.mqtt.formats.base import Decoded, DecodeError
from drivers.mqtt.inbox import AckGate, InboundMessage, Inbox, LinkEvent
from drivers.mqtt.presence import PresenceBook, SeenDevices
from drivers.mqtt.quarantine import batch_record, message_record
from drivers.mqtt.routing import Route, Router

__all__ = ["Handoff", "HandoffSettings", "Observer"]

log = logging.getLogger(__name__)

Observer = Callable[[Sequence[Reading]], None]
_LINGER_S = 0.005
_IDLE_WAIT_S = 0.5
_GATHER_S = 0.001
_MAX_EMIT_FAILURES = 3


class Handoff:
    """Consumes an :class:`Inbox` on its own thread and feeds a :class:`DriverSink`."""

    def __init__(
        self,
        settings: HandoffSettings,
        inbox: Inbox,
        router: Router,
        gate: AckGate,
        status: DriverStatus,
        presence: PresenceBook,
        *,
        observers: Sequence[Observer] = (),
        on_refused: Callable[[], bool] | None = None,
        on_topics: Callable[[list[str]], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._inbox, self._router, self._gate = inbox, router, gate
        self._status, self._presence = status, presence
        self._observers = list(observers)
        self._on_refused = on_refused
        self._on_topics = on_topics
        self._clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sink: DriverSink | None = None
        self._batch = Batch()
        self._last_values: dict[str, object] = {}
        self._declared = DeclaredTags(settings.source, status)
        self._present: set[str] = set(presence.snapshot())  # devices the book knows
        self._seen = SeenDevices()  # devices heard from in the current batch
        self._last_declarations: object = None  # the list declared for the previous message
        self._failed_formats: set[str] = set()
        self._refused_pending = 0
        self.redelivered = 0
        self.comms_lost_events = 0

    def start(self, sink: DriverSink) -> None:
        """Start the thread."""
        self._sink = sink
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-handoff-{self._settings.source}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread; a batch not yet taken by the sink stays unacked (redelivered)."""
        self._stop.set()
        self._inbox.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def is_alive(self) -> bool:
        """True while the thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._step()
            except Exception:
                log.exception("mqtt handoff %s: unexpected error", self._settings.source)
                self._status.count_error("internal")
                self._stop.wait(0.1)

    def _step(self) -> None:
        arrived = self._inbox.wait(_LINGER_S if self._batch else _IDLE_WAIT_S, gather_s=_GATHER_S)
        for item in self._inbox.drain(self._settings.max_batch):
            if self._stop.is_set():
                return
            if isinstance(item, LinkEvent):
                self._flush()
                self._on_link(item)
            else:
                self._process(item)
                if len(self._batch.readings.values) >= self._settings.max_batch:
                    self._flush()
        batch = self._batch
        if batch and (
            not arrived or self._clock() - (batch.started or 0.0) >= self._settings.flush_interval_s
        ):
            self._flush()
        self._redeliver_refused()

    def _redeliver_refused(self) -> None:
        """Recycle the connection so messages the inbox refused are redelivered.

        Only once everything accepted so far is emitted and acked (and the acks written), so
        each cycle makes progress instead of redelivering the same window again.
        """
        self._refused_pending += self._inbox.take_refused()
        if not self._refused_pending or self._on_refused is None:
            return
        if len(self._inbox) or self._batch or self._gate.outstanding:
            return
        if self._on_refused():
            self._refused_pending = 0

    def _on_link(self, event: LinkEvent) -> None:
        if event.kind == "connected":
            self._router.new_session()
            return
        self.comms_lost_events += 1
        lost = [
            Reading(tag, value, event.ts_ns, Quality.BAD_COMMS_LOST)
            for tag, value in self._last_values.items()
        ]
        if lost:
            self._emit_until_taken(lost, None)

    def _process(self, message: InboundMessage) -> None:
        self._status.messages += 1
        if message.dup:
            self.redelivered += 1
        if not message.topic_valid:
            self._quarantine(message, "invalid_topic", "topic is not valid UTF-8")
            return
        if len(message.payload) > self._settings.max_payload_bytes:
            limit = self._settings.max_payload_bytes
            self._quarantine(message, "oversize", f"{len(message.payload)} bytes > {limit}")
            return
        route = self._router.resolve(message.topic)
        if route is None:
            self._quarantine(message, "no_subscription", "no [[mqtt.subscribe]] filter matches")
            return
        try:
            decoded = route.decode(
                message.topic, message.payload, route.subscription, message.received_ns
            )
        except DecodeError as exc:
            self._quarantine(message, exc.reason, exc.detail)
            return
        except Exception as exc:
            self._decoder_failed(route, message, exc)
            return
        self._absorb(decoded, message)
        if route.learned is not None:
            self._adopt_topics(route)

    def _decoder_failed(self, route: Route, message: InboundMessage, exc: Exception) -> None:
        """A format raised something other than DecodeError: logged once per format."""
        name = route.subscription.format
        if name not in self._failed_formats:
            self._failed_formats.add(name)
            log.error("payload format %s raised on %s", name, message.topic, exc_info=exc)
        self._quarantine(message, "decoder_error", f"{type(exc).__name__}: {exc}")

    def _adopt_topics(self, route: Route) -> None:
        """Formats that learn topics (Home Assistant discovery) get them subscribed and routed."""
        if route.learned is None or self._on_topics is None:
            return
        fresh = self._router.adopt(route.learned(), route.subscription)
        if fresh:
            self._on_topics(fresh)

    def _absorb(self, decoded: Decoded, message: InboundMessage) -> None:
        declarations = decoded.declarations
        fresh = declarations and declarations is not self._last_declarations
        if fresh and self._declared.declare(self._sink, declarations):
            self._last_declarations = declarations  # formats share one list per layout
        columns = decoded.columns
        readings: Sequence[Reading] = decoded.readings if columns is None else columns
        if decoded.presence:
            readings = list(readings)
            for event in decoded.presence:
                self._presence.update(event.device, event.online, message.received_ns)
                self._present.add(event.device)
                online = Reading(f"{event.device}/online", int(event.online), message.received_ns)
                readings.append(online)
        if self._present:  # touch() only concerns devices that announced their presence
            self._seen.note(readings, message.received_ns)
        for observer in self._observers:
            observer(readings)
        batch = self._batch
        if batch.started is None:
            batch.started = self._clock()
        batch.add(readings)
        if message.qos > 0:
            batch.acks.append((message.mid, message.qos, message.generation))

    def _quarantine(self, message: InboundMessage, reason: str, detail: str) -> None:
        record = message_record(self._settings.source, message, reason, detail)
        self._status.count_error(reason)
        assert self._sink is not None
        try:
            self._sink.reject(record)
        except Exception:
            log.exception("mqtt %s: quarantine failed; message left unacked", message.topic)
            self._status.count_error("reject_failed")
            return
        self._gate.expect(1)
        self._gate.ack([(message.mid, message.qos, message.generation)])

    def _flush(self) -> None:
        batch, self._batch = self._batch, Batch()
        self._seen.apply(self._presence)
        # For the comms-lost readings (a link event flushes the batch before it is handled).
        batch.readings.last_values_into(self._last_values)
        self._gate.expect(len(batch.acks))
        if not batch.readings:
            self._gate.ack(batch.acks)
            return
        on_durable = partial(self._gate.ack, batch.acks) if batch.acks else None
        self._emit_until_taken(batch.readings, on_durable)

    def _emit_until_taken(
        self, readings: Sequence[Reading], on_durable: Callable[[], None] | None
    ) -> bool:
        """Emit, retrying with backoff while the sink is full; False only when stopping."""
        assert self._sink is not None
        attempt = failures = 0
        while True:
            try:
                if self._sink.emit(readings, source=self._settings.source, on_durable=on_durable):
                    return True
            except Exception:
                log.exception("mqtt %s: sink.emit raised", self._settings.source)
                failures += 1
                if failures >= _MAX_EMIT_FAILURES:
                    return self._quarantine_batch(readings, on_durable)
            if attempt == 0:
                self._status.count_error("backpressure")
            if self._stop.wait(self._settings.backoff.delay(attempt)):
                return False
            attempt += 1

    def _quarantine_batch(
        self, readings: Sequence[Reading], on_durable: Callable[[], None] | None
    ) -> bool:
        """A batch the sink keeps raising on goes to quarantine whole, so it cannot block."""
        assert self._sink is not None
        record = batch_record(self._settings.source, readings)
        self._status.count_error("emit_failed")
        try:
            self._sink.reject(record)
        except Exception:
            log.exception("mqtt %s: quarantine of a failing batch failed", self._settings.source)
            return False
        if on_durable is not None:
            on_durable()
        return True
