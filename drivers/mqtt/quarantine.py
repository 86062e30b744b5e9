"""Quarantine records for MQTT input the driver could not use (with topic and excerpt)."""

from __future__ import annotations

from collections.abc import Sequence

from core.model import QuarantineRecord, Reading, now_ns
from drivers.mqtt.inbox import InboundMessage


def message_record(
    source: str, message: InboundMessage, reason: str, detail: str
) -> QuarantineRecord:
    """One undecodable message: reason, topic and a bounded excerpt of the payload."""
    excerpt = QuarantineRecord.excerpt(message.payload[: QuarantineRecord.MAX_EXCERPT * 4])
    size = len(message.payload)
    return QuarantineRecord(
        source=source,
        reason=reason,
        detail=f"topic {message.topic!r}: {detail}; payload ({size} bytes): {excerpt}",
        ts_ns=now_ns(),
        value_text=excerpt,
        sample_ts_ns=message.received_ns,
    )


def batch_record(source: str, readings: Sequence[Reading]) -> QuarantineRecord:
    """A decoded batch the sink kept failing on (so it cannot block the driver)."""
    tags = sorted({r.tag for r in readings})
    return QuarantineRecord(
        source=source,
        reason="emit_failed",
        detail=f"{len(readings)} readings of {len(tags)} tags: {', '.join(tags[:20])}",
        ts_ns=now_ns(),
        value_text=QuarantineRecord.excerpt(repr(list(readings[:20]))),
    )
