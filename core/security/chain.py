"""The audit hash chain: canonical row encoding, the keyed link hash, and verification.

``hash(n) = HMAC-SHA256(audit key, bytes(prev_hash) || canonical(row n))`` where ``canonical``
is the compact JSON array of the row's content fields in :data:`CONTENT_FIELDS` order (integers,
strings and nulls only, so the encoding is unambiguous) and ``prev_hash`` of seq 1 is
:data:`GENESIS`. Without the key nobody can forge a link; without the external checkpoint a
deleted tail leaves a valid (shorter) chain, which is why :func:`verify_chain` takes one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "seq",
    "ts_ns",
    "utc_offset_s",
    "username",
    "role",
    "station",
    "action",
    "target",
    "old_value",
    "new_value",
    "reason",
    "outcome",
    "detail",
    "ref_seq",
)
STORED_FIELDS = (*CONTENT_FIELDS, "prev_hash", "hash")
_N = len(CONTENT_FIELDS)
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def canonical(content: Sequence[Any]) -> bytes:
    """The canonical encoding of a row's content fields."""
    return _encoder.encode(list(content)).encode("utf-8")


class ChainHasher:
    """Computes link hashes with one key (the keyed HMAC state is prepared once)."""

    def __init__(self, key: bytes) -> None:
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def link(self, prev_hash: str, content: Sequence[Any]) -> str:
        """The hash of a row whose predecessor has ``prev_hash``."""
        mac = self._base.copy()
        mac.update(bytes.fromhex(prev_hash))
        mac.update(canonical(content))
        return mac.hexdigest()


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain head recorded outside the database (from an authenticated checkpoint)."""

    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """Outcome of a verification; ``first_bad_seq`` names the first broken link."""

    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    checkpoint_seq: int | None = None

    def describe(self) -> str:
        """One line for people."""
        if self.ok:
            anchor = (
                f", checkpoint at seq {self.checkpoint_seq}"
                if self.checkpoint_seq is not None
                else ", no checkpoint"
            )
            return f"audit trail intact: {self.rows} rows, head seq {self.head_seq}{anchor}"
        where = f" at seq {self.first_bad_seq}" if self.first_bad_seq is not None else ""
        return f"audit trail BROKEN{where}: {self.problem}"


def _broken(
    rows: int, seq: int, head: str, bad: int, problem: str, anchor: Anchor | None
) -> VerifyReport:
    return VerifyReport(
        ok=False,
        rows=rows,
        head_seq=seq,
        head_hash=head,
        first_bad_seq=bad,
        problem=problem,
        checkpoint_seq=anchor.seq if anchor else None,
    )


def _link_problem(
    row: Sequence[Any], expected: int, prev: str, hasher: ChainHasher, anchor: Anchor | None
) -> str:
    """What is wrong with the row expected at seq ``expected`` ("" when nothing)."""
    seq, stored_hash = row[0], row[_N + 1]
    if seq != expected:
        what = "missing" if seq > expected else "out of order"
        return f"expected seq {expected}, found seq {seq}: rows {what}"
    if row[_N] != prev:
        return f"prev_hash does not match the hash of seq {seq - 1}: row inserted, removed or reordered"
    if hasher.link(prev, row[:_N]) != stored_hash:
        return "hash mismatch: the row was altered or not written with this installation's key"
    if anchor is not None and seq == anchor.seq and stored_hash != anchor.hash:
        return "hash differs from the external checkpoint: the chain was recomputed"
    return ""


def verify_chain(
    rows: Iterable[Sequence[Any]], key: bytes, anchor: Anchor | None = None
) -> VerifyReport:
    """Check rows (in :data:`STORED_FIELDS` order, by ascending seq) against the key and anchor.

    Stops at the first broken link. With ``anchor``, a trail shorter than the anchor (deleted
    tail) or a different hash at the anchor's seq (a chain recomputed by someone holding the
    key) is broken too; rows beyond the anchor are fine (an append whose checkpoint write was
    interrupted).
    """
    hasher = ChainHasher(key)
    prev, expected, count = GENESIS, 1, 0
    for row in rows:
        problem = _link_problem(row, expected, prev, hasher, anchor)
        if problem:
            return _broken(count, expected - 1, prev, expected, problem, anchor)
        prev, expected, count = row[_N + 1], expected + 1, count + 1
    head = expected - 1
    if anchor is not None and anchor.seq > head:
        problem = (
            f"trail ends at seq {head} but the checkpoint records seq {anchor.seq}: tail deleted"
        )
        return _broken(count, head, prev, head + 1, problem, anchor)
    return VerifyReport(
        ok=True,
        rows=count,
        head_seq=head,
        head_hash=prev,
        checkpoint_seq=anchor.seq if anchor else None,
    )
