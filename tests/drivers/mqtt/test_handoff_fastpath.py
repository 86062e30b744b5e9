"""The handoff's per-message shortcuts give what the plain path gave: last values, presence
touches (once per batch), cached routes, declarations retried after a failure."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.model import Reading
from drivers.base import DriverStatus, TagDeclaration
from drivers.mqtt.batching import HandoffSettings
from drivers.mqtt.formats import get_format
from drivers.mqtt.formats.base import LeafColumns, Subscription
from drivers.mqtt.handoff import Handoff
from drivers.mqtt.inbox import InboundMessage, Inbox
from drivers.mqtt.presence import PresenceBook, SeenDevices
from drivers.mqtt.routing import Router
from tests.drivers.mqtt.conftest import JsonTestFormat, RecordingSink, format_lookup

LAYOUTS = [("a/x", "a/y"), ("b/x",), ("a/y", "c/z", "a/x"), ()]


def test_seen_devices_touch_each_known_device_once_at_its_latest_time() -> None:
    book = PresenceBook()
    book.update("a", True, 10)
    book.update("b", False, 50)
    seen = SeenDevices()
    tags = ("a/x", "a/y", "c/z")
    seen.note(LeafColumns(tags, [1, 2, 3], None), 20)
    seen.note(LeafColumns(tags, [1, 2, 3], None), 30)  # the same layout again: cached devices
    seen.note([Reading("b/online", 1, 40)], 40)  # older than b's presence event: kept at 50
    seen.apply(book)
    snapshot = book.snapshot()
    assert snapshot["a"].last_seen_ns == 30 and snapshot["a"].online
    assert snapshot["b"].last_seen_ns == 50 and not snapshot["b"].online
    assert "c" not in snapshot  # touching never adds devices
    book.update("a", True, 100)
    seen.apply(book)  # nothing noted since: nothing changes
    assert book.snapshot()["a"].last_seen_ns == 100


def test_routes_are_cached_per_topic_and_renewed_with_each_session() -> None:
    fmt = JsonTestFormat()
    router = Router([Subscription("plant/#", "testjson")], format_lookup(fmt))
    route = router.resolve("plant/d/data")
    assert route is not None and route.learned is None
    assert route.decode == fmt.decode  # no decode_columns: the plain decode
    assert router.resolve("plant/d/data") is route
    assert router.resolve("other/topic") is None and router.route("other/topic") is None
    router.new_session()
    assert router.resolve("plant/d/data") is not route
    tasmota = Router([Subscription("tele/+/SENSOR", "tasmota")], get_format).resolve(
        "tele/p/SENSOR"
    )
    assert tasmota is not None and tasmota.decode == get_format("tasmota").decode_columns  # type: ignore[attr-defined]


class _FailingOnceSink(RecordingSink):
    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def declare(self, tags: Sequence[TagDeclaration]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("registry busy")
        super().declare(tags)


class _SharedListFormat(JsonTestFormat):
    """Returns the same declarations list for every message (as the real formats do)."""

    def __init__(self) -> None:
        super().__init__()
        self.shared: list[TagDeclaration] = [TagDeclaration("d/t", unit="W", device="d")]

    def decode(self, topic: str, payload: bytes, sub: Subscription, received_ns: int) -> Any:
        decoded = super().decode(topic, payload, sub, received_ns)
        decoded.declarations = self.shared
        return decoded


def test_a_declaration_list_that_failed_is_declared_again_with_the_next_message() -> None:
    status = DriverStatus(name="unit", kind="mqtt")
    handoff = Handoff(
        HandoffSettings(source="mqtt:unit", max_payload_bytes=2048),
        Inbox(limit=10),
        Router([Subscription("plant/#", "testjson")], format_lookup(_SharedListFormat())),
        None,  # type: ignore[arg-type]  # no acks or quarantine in this test
        status,
        PresenceBook(),
    )
    sink = _FailingOnceSink()
    handoff._sink = sink
    for received in (1, 2, 3):
        handoff._process(InboundMessage("plant/d/data", b'{"t": 1}', received, 0, received, 1))
    assert [d.name for d in sink.declared] == ["d/t"]  # failed once, then declared once
    assert status.as_dict()["errors_by_reason"] == {"declare_failed": 1}
