"""Where the OPC-UA bench's source-to-store latency goes, stage by stage.

For every Publish response the driver decodes, :class:`StageClock` notes the server's
PublishTime (stamped by the server process when it builds the response) and the moment our
decoding ended, keyed by the response's first source timestamp; the bench's TimedDriver notes
emit and commit of the batch that starts with that timestamp. Per GOOD reading of the window:

* source -> server publish: the server's sampling queue and publishing interval (its process);
* server publish -> decoded: the server encoding and sending, our receiving and decoding;
* decoded -> emit: our batch (notifications to readings, the batcher);
* emit -> commit: ingest pipeline and historian writer, up to the committed transaction.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
from asyncua import ua
from asyncua.common.utils import Buffer

from bench.common import Row
from core.model import Quality, Reading
from drivers.opcua import wire
from drivers.opcua.notifications import DataChangeColumns, to_ns

STAGES = (
    "source to server publish",
    "server publish to decoded",
    "decoded to emit",
    "emit to commit",
)
Record = tuple[int, int, Sequence[Reading]]
"""(emit ns, commit ns, readings) of one batch, as the bench's TimedDriver notes them."""


class StageClock:
    """Server PublishTime and end of decoding of each decoded Publish response."""

    def __init__(self) -> None:
        self.messages: dict[int, tuple[int, int]] = {}

    @contextmanager
    def installed(self) -> Iterator[StageClock]:
        """Time the driver's fast Publish decoder while inside the block."""
        original = wire.decode_publish_response

        def timed(data: Buffer) -> ua.PublishResponse:
            response = original(data)
            self._note(response.Parameters.NotificationMessage, time.time_ns())
            return response

        wire.decode_publish_response = timed
        try:
            yield self
        finally:
            wire.decode_publish_response = original

    def _note(self, message: ua.NotificationMessage, decoded_ns: int) -> None:
        published = to_ns(message.PublishTime, None)
        for columns in message.NotificationData or ():
            if isinstance(columns, DataChangeColumns) and columns.stamps:
                first = columns.stamps[0]
                if first is not None and published is not None:
                    self.messages[first] = (published, decoded_ns)
                return

    def stages_ms(self, records: Sequence[Record], start_ns: int, end_ns: int) -> np.ndarray:
        """One row per GOOD reading sourced in the window, one column per :data:`STAGES`."""
        rows: list[tuple[int, int, int, int]] = []
        for emitted, committed, readings in records:
            times = self.messages.get(readings[0].ts_ns or 0) if len(readings) else None
            if times is None:
                continue
            published, decoded = times
            rows.extend(
                (published - r.ts_ns, decoded - published, emitted - decoded, committed - emitted)
                for r in readings
                if r.quality is Quality.GOOD
                and r.ts_ns is not None
                and start_ns <= r.ts_ns <= end_ns
            )
        return np.asarray(rows, dtype=np.float64).reshape(-1, len(STAGES)) / 1e6


def stage_rows(stages_ms: np.ndarray | None) -> list[Row]:
    """p50 and p99 of each stage, as rows of the bench's table."""
    rows: list[Row] = []
    if stages_ms is None:
        return rows
    for i, name in enumerate(STAGES):
        column = stages_ms[:, i]
        p50, p99 = np.percentile(column, (50, 99)) if len(column) else (np.nan, np.nan)
        rows += [
            Row(f"OPC-UA stage {name} p50", p50, "ms"),
            Row(f"OPC-UA stage {name} p99", p99, "ms"),
        ]
    return rows
