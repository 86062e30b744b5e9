"""Record format of the store-and-forward spool (see :mod:`core.store.spool`).

A segment is an append-only file ``seg-<first seq, 20 digits>.spool`` holding records back to
back. One record is a 24-byte little-endian header followed by its payload::

    header                                   payload (payload_len bytes)
      magic        4s  b"CDSP"                 rows     u32
      version      B   1                       ts_ns    rows x int64
      flags        B   bit 0: historical       values   rows x float64
      reserved     H   0                       tag_ids  rows x int32
      seq          Q   record sequence number  quality  rows x uint8
      payload_len  I
      crc32        I   zlib.crc32(header[:20] + payload)

The CRC covers the header fields as well as the payload, so a flipped length, sequence number
or flag is detected like a flipped value. A record that fails any check is never decoded; the
reader re-synchronises on the next magic that starts a record whose CRC verifies.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from core.model import SampleBatch

MAGIC = b"CDSP"
FORMAT_VERSION = 1
HEADER = struct.Struct("<4sBBHQII")
CRC_OFFSET = HEADER.size - 4
ROWS = struct.Struct("<I")
ROW_BYTES = 8 + 8 + 4 + 1
FLAG_HISTORICAL = 0x01
MAX_PAYLOAD = 0xFFFF_FFFF


@dataclass(frozen=True, slots=True)
class Record:
    """One verified record as read from a segment (or a poison file)."""

    seq: int
    offset: int
    size: int
    """Header plus payload bytes."""
    flags: int
    payload: bytes

    @property
    def end(self) -> int:
        """Offset of the byte after this record."""
        return self.offset + self.size

    @property
    def rows(self) -> int:
        """Number of samples in the record."""
        return int(ROWS.unpack_from(self.payload)[0])

    def batch(self) -> SampleBatch:
        """Decode the payload into a fresh (owned, writeable) batch."""
        return decode_payload(self.payload, self.flags)

    def to_bytes(self) -> bytes:
        """The record exactly as stored on disk (header + payload)."""
        return _header(self.seq, self.flags, self.payload) + self.payload


def encode_record(seq: int, batch: SampleBatch) -> bytes:
    """Serialize ``batch`` as one record with sequence number ``seq`` (header + payload)."""
    rows = len(batch)
    payload = b"".join(
        (
            ROWS.pack(rows),
            np.ascontiguousarray(batch.ts_ns, dtype="<i8").tobytes(),
            np.ascontiguousarray(batch.values, dtype="<f8").tobytes(),
            np.ascontiguousarray(batch.tag_ids, dtype="<i4").tobytes(),
            np.ascontiguousarray(batch.quality, dtype="u1").tobytes(),
        )
    )
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"batch of {rows} rows is too large for one spool record")
    flags = FLAG_HISTORICAL if batch.historical else 0
    return _header(seq, flags, payload) + payload


def decode_payload(payload: bytes, flags: int) -> SampleBatch:
    """Rebuild a batch from a verified payload (arrays are copies in native byte order)."""
    (rows,) = ROWS.unpack_from(payload)
    offset = ROWS.size
    columns = []
    for dtype, width in (("<i8", 8), ("<f8", 8), ("<i4", 4), ("u1", 1)):
        columns.append(np.frombuffer(payload, dtype=dtype, count=rows, offset=offset))
        offset += rows * width
    ts_ns, values, tag_ids, quality = columns
    return SampleBatch(
        tag_ids.astype(np.int32),
        ts_ns.astype(np.int64),
        values.astype(np.float64),
        quality.astype(np.uint8),
        bool(flags & FLAG_HISTORICAL),
    )


def parse_record(buf: bytes, offset: int, end: int | None = None) -> Record | None:
    """The record starting at ``buf[offset]`` if it is complete and verifies, else None."""
    limit = len(buf) if end is None else min(end, len(buf))
    if limit - offset < HEADER.size:
        return None
    head = buf[offset : offset + HEADER.size]
    length = _plausible_length(head, limit - offset - HEADER.size)
    if length is None:
        return None
    start = offset + HEADER.size
    return _verified(head, buf[start : start + length], offset)


def read_record(file: BinaryIO, offset: int, end: int) -> Record | None:
    """Read and verify the record at ``offset`` of an open file whose valid data ends at ``end``."""
    if end - offset < HEADER.size:
        return None
    head = _read_at(file, offset, HEADER.size)
    length = _plausible_length(head, end - offset - HEADER.size)
    if length is None:
        return None
    return _verified(head, _read_at(file, offset + HEADER.size, length), offset)


def find_next_record(file: BinaryIO, start: int, end: int) -> Record | None:
    """Re-synchronise: the first verified record beginning at or after ``start`` (None if none)."""
    if start >= end:
        return None
    data = _read_at(file, start, end - start)
    pos = data.find(MAGIC)
    while pos >= 0:
        record = parse_record(data, pos)
        if record is not None:
            return Record(record.seq, start + pos, record.size, record.flags, record.payload)
        pos = data.find(MAGIC, pos + 1)
    return None


def _read_at(file: BinaryIO, offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)


def _header(seq: int, flags: int, payload: bytes) -> bytes:
    head = HEADER.pack(MAGIC, FORMAT_VERSION, flags, 0, seq, len(payload), 0)[:CRC_OFFSET]
    return head + struct.pack("<I", zlib.crc32(payload, zlib.crc32(head)))


def _plausible_length(head: bytes, available: int) -> int | None:
    if len(head) < HEADER.size:
        return None
    magic, version, _flags, reserved, _seq, length, _crc = HEADER.unpack(head)
    if magic != MAGIC or version != FORMAT_VERSION or reserved != 0 or length > available:
        return None
    return int(length)


def _verified(head: bytes, payload: bytes, offset: int) -> Record | None:
    _magic, _version, flags, _reserved, seq, length, crc = HEADER.unpack(head)
    if len(payload) != length or zlib.crc32(payload, zlib.crc32(head[:CRC_OFFSET])) != crc:
        return None
    if length < ROWS.size or ROWS.unpack_from(payload)[0] * ROW_BYTES + ROWS.size != length:
        return None
    return Record(int(seq), offset, HEADER.size + length, int(flags), bytes(payload))
