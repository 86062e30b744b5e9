"""One Modbus unit: its read plan, its poll cycle, its health and its writes.

A poll cycle reads every planned block through the shared :class:`ModbusLink`. Good blocks give
GOOD readings; a block that fails gives its points one BAD reading when it starts failing (or the
reason changes), not one per poll. A cycle fails when the link does not answer or every block
gets an exception response; three failed cycles in a row mark the unit OFFLINE. The first good
cycle brings it back ONLINE (DEGRADED while some blocks still get exception responses).
"""

from __future__ import annotations

import logging
import math

from core.model import Quality, Reading, now_ns
from core.validation import ReadingColumns
from drivers.base import DriverStatus, LinkState, TagDeclaration, WriteOutcome, WriteResult
from drivers.modbus.blockdecode import BlockDecoder, readings_at
from drivers.modbus.codec import CodecError, Value, decode, encode, values_match
from drivers.modbus.config import ModbusDeviceConfig
from drivers.modbus.errors import CommsError, DeviceFault, RequestError
from drivers.modbus.link import ModbusLink
from drivers.modbus.planner import ReadBlock, plan_reads
from drivers.modbus.points import Point

log = logging.getLogger(__name__)

OFFLINE_AFTER_FAILURES = 3


class ModbusDevice:
    """Polls one unit (device id) behind a link and writes its points."""

    def __init__(self, config: ModbusDeviceConfig, link: ModbusLink) -> None:
        self.config = config
        self.name = config.name
        self.link = link
        self.profile = config.device_profile
        self.blocks: list[ReadBlock] = plan_reads(
            self.profile.points,
            max_gap=config.max_gap,
            max_registers=config.read_limit,
            max_bits=self.profile.max_read_bits,
        )
        self.status = DriverStatus(
            name=config.name, kind="modbus", endpoint=f"{config.link_key}#{config.unit}"
        )
        self.consecutive_failures = 0
        self._block_quality: dict[int, Quality] = {}
        self._decoders = [BlockDecoder(block, self.name) for block in self.blocks]

    def tag(self, point: Point) -> str:
        """Full tag name of a point: ``<device>/<point>``."""
        return f"{self.name}/{point.name}"

    def declarations(self) -> list[TagDeclaration]:
        """Tag metadata for every point of the profile."""
        return [
            TagDeclaration(
                name=self.tag(p),
                unit=p.unit,
                description=p.description,
                device=self.name,
                writable=p.writable,
                eng_min=p.min,
                eng_max=p.max,
            )
            for p in self.profile.points
        ]

    async def poll_once(self) -> ReadingColumns:
        """Read every block once; returns the readings to emit and updates the status."""
        readings = ReadingColumns()
        outcomes: list[RequestError | None] = []
        for index, block in enumerate(self.blocks):
            try:
                values = await self.link.read(
                    self.config.unit,
                    block.register_type,
                    block.address,
                    block.count,
                    timeout=self.config.timeout,
                    retries=self.config.retries,
                )
            except CommsError as exc:
                for rest in range(index, len(self.blocks)):
                    readings.extend(self._bad_block(rest, exc))
                outcomes.append(exc)
                break
            except DeviceFault as exc:
                readings.extend(self._bad_block(index, exc))
                outcomes.append(exc)
                continue
            outcomes.append(None)
            self._good_block(index, values, readings)
        self._account(outcomes)
        return readings

    def _good_block(
        self, index: int, values: list[int] | list[bool], readings: ReadingColumns
    ) -> None:
        self._block_quality[index] = Quality.GOOD
        self._decoders[index].decode_into(readings, values, now_ns())

    def _bad_block(self, index: int, error: RequestError) -> list[Reading]:
        self.status.count_error(error.reason)
        if self._block_quality.get(index) is error.quality:
            return []
        self._block_quality[index] = error.quality
        tags = self._decoders[index].tags
        return readings_at(tags, [None] * len(tags), now_ns(), error.quality)

    def _account(self, outcomes: list[RequestError | None]) -> None:
        errors = [o for o in outcomes if o is not None]
        self.status.messages += len(outcomes) - len(errors)
        self.status.reconnects = max(0, self.link.connects - 1)
        self.status.endpoint = f"{self.link.endpoint}#{self.config.unit}"
        failed = any(isinstance(e, CommsError) for e in errors) or (
            errors and len(errors) == len(outcomes)
        )
        if failed:
            self.consecutive_failures += 1
            detail = errors[-1].detail
            if self.consecutive_failures >= OFFLINE_AFTER_FAILURES:
                self.status.set_state(LinkState.OFFLINE, detail)
            else:
                self.status.set_state(self.status.state, detail)
            return
        self.consecutive_failures = 0
        if errors:
            self.status.set_state(LinkState.DEGRADED, errors[-1].detail)
        else:
            self.status.set_state(LinkState.ONLINE)

    def check_write(self, point: Point, value: object) -> str:
        """Why a write of ``value`` to ``point`` is refused before sending ('' when allowed)."""
        if not point.writable:
            return f"{self.tag(point)} is not writable"
        if point.is_boolean:
            if not isinstance(value, bool) and value not in (0, 1):
                return f"{value!r} is not a boolean"
        elif (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            return f"{value!r} is not a finite number"
        elif (point.min is not None and value < point.min) or (
            point.max is not None and value > point.max
        ):
            return f"{value!r} is outside the range [{point.min}, {point.max}]"
        if self.status.state is LinkState.OFFLINE:
            return f"device {self.name} is offline ({self.status.last_error})"
        return ""

    async def write(self, point: Point, value: Value) -> tuple[WriteResult, list[Reading]]:
        """Write once, then read back; returns the result and the read-back reading to emit."""
        try:
            words = await self._encode_for_write(point, value)
        except CodecError as exc:
            return WriteResult(WriteOutcome.FAILED, str(exc)), []
        except RequestError as exc:
            self.status.count_error(exc.reason)
            return WriteResult(
                WriteOutcome.FAILED, f"reading {point.name} before writing: {exc.detail}"
            ), []
        try:
            await self.link.write(
                self.config.unit,
                point.register_type,
                point.address,
                words,
                timeout=self.config.timeout,
            )
        except RequestError as exc:
            self.status.count_error(exc.reason)
            return WriteResult(WriteOutcome.FAILED, exc.detail), []
        log.info("modbus %s: wrote %r to %s", self.name, value, point.name)
        return await self._read_back(point, value)

    async def _encode_for_write(self, point: Point, value: Value) -> list[int] | list[bool]:
        if point.dtype != "bit":
            return encode(point, value)
        current = await self._read_point(point)
        return encode(point, value, current=int(current[0]))

    async def _read_point(self, point: Point) -> list[int] | list[bool]:
        return await self.link.read(
            self.config.unit,
            point.register_type,
            point.address,
            point.count,
            timeout=self.config.timeout,
            retries=self.config.retries,
        )

    async def _read_back(self, point: Point, value: Value) -> tuple[WriteResult, list[Reading]]:
        try:
            read_back = decode(point, await self._read_point(point))
        except RequestError as exc:
            self.status.count_error(exc.reason)
            return WriteResult(
                WriteOutcome.UNCONFIRMED, f"written; read-back failed: {exc.detail}"
            ), []
        reading = [Reading(self.tag(point), read_back, now_ns(), Quality.GOOD)]
        if values_match(point, value, read_back):
            return WriteResult(WriteOutcome.CONFIRMED, "read-back matches", read_back), reading
        detail = f"written; read-back {read_back!r} differs from {value!r}"
        return WriteResult(WriteOutcome.UNCONFIRMED, detail, read_back), reading
