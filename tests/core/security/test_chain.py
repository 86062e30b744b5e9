"""S2 on the chain itself: 2,000 rows, random mutations of every class, 100 % detected.

The first broken seq is reported exactly. Tail truncation and a recompute by someone holding
the key pass without the external anchor (the documented limit) and fail with it.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable

import pytest

from core.security.chain import GENESIS, Anchor, ChainHasher, canonical, verify_chain

N = 2_000
MUTATIONS_PER_CLASS = 100
KEY = bytes(range(32))
WRONG_KEY = bytes(range(1, 33))
Row = tuple[object, ...]
CONTENT_COLUMNS = range(1, 14)
HASH_COLUMNS = (14, 15)


def build(n: int = N, key: bytes = KEY, seed: int = 1) -> list[Row]:
    """A valid chain of ``n`` varied rows."""
    rng = random.Random(seed)
    hasher, prev, rows = ChainHasher(key), GENESIS, []
    for seq in range(1, n + 1):
        content = (
            seq,
            1_767_225_600_000_000_000 + seq * 1_000_000_000 + rng.randrange(1000),
            rng.choice([0, 3600, 7200, -18000]),
            rng.choice(["alice", "bob", "os:root", "Zoë"]),
            rng.choice(["operator", "engineer,operator", ""]),
            rng.choice(["panel-1", "office"]),
            rng.choice(["login", "write", "write_result", "acknowledge"]),
            rng.choice(["boiler/sp", "", "press/speed"]),
            rng.choice([None, "12.5", ""]),
            rng.choice([None, "13.0", "true"]),
            rng.choice(["", "raise setpoint", "ticket #12"]),
            rng.choice(["OK", "PENDING", "CONFIRMED", "REFUSED"]),
            rng.choice(["", 'detail, with "quotes" and \u00e9']),
            rng.choice([None, max(1, seq - 1)]),
        )
        digest = hasher.link(prev, content)
        rows.append((*content, prev, digest))
        prev = digest
    return rows


CHAIN = build()
ANCHOR = Anchor(N, str(CHAIN[-1][15]))


def _changed(value: object, rng: random.Random) -> object:
    if value is None:
        return "x"
    if isinstance(value, int):
        return value + rng.choice([-1, 1, 1_000])
    text = str(value)
    if len(text) == 64:  # a hash: flip one hex digit
        i = rng.randrange(64)
        return text[:i] + ("0" if text[i] != "0" else "1") + text[i + 1 :]
    return text + "!"


def edit_field(rows: list[Row], rng: random.Random) -> int:
    k = rng.randrange(1, N + 1)
    column = rng.choice([*CONTENT_COLUMNS, *HASH_COLUMNS, 0])
    row = list(rows[k - 1])
    row[column] = _changed(row[column], rng)
    rows[k - 1] = tuple(row)
    return k


def delete_row(rows: list[Row], rng: random.Random) -> int:
    k = rng.randrange(1, N)  # the last row is the truncation class
    del rows[k - 1]
    return k


def insert_row(rows: list[Row], rng: random.Random) -> int:
    """A forged row at seq k (the later rows renumbered), hashed without the key."""
    k = rng.randrange(1, N + 1)
    forged_content = (k, *rows[k - 1][1:14])
    forged = (
        *forged_content,
        rows[k - 1][14],
        ChainHasher(WRONG_KEY).link(str(rows[k - 1][14]), forged_content),
    )
    later = [(int(r[0]) + 1, *r[1:]) for r in rows[k - 1 :]]  # type: ignore[call-overload]
    rows[k - 1 :] = [forged, *later]
    return k


def reorder_rows(rows: list[Row], rng: random.Random) -> int:
    """Two rows swap places: their contents move, the seq column stays in order."""
    i, j = sorted(rng.sample(range(1, N + 1), 2))
    a, b = rows[i - 1], rows[j - 1]
    rows[i - 1], rows[j - 1] = (i, *b[1:]), (j, *a[1:])
    return i


def recompute_without_key(rows: list[Row], rng: random.Random) -> int:
    """Edit row k, then rebuild the chain from k on with a key that is not the installation's."""
    k = rng.randrange(1, N + 1)
    hasher = ChainHasher(WRONG_KEY)
    prev = str(rows[k - 2][15]) if k > 1 else GENESIS
    for seq in range(k, N + 1):
        content = rows[seq - 1][:14]
        if seq == k:
            content = (*content[:10], "forged reason", *content[11:])
        digest = hasher.link(prev, content)
        rows[seq - 1] = (*content, prev, digest)
        prev = digest
    return k


MUTATIONS: dict[str, Callable[[list[Row], random.Random], int]] = {
    "field edit": edit_field,
    "row delete": delete_row,
    "row insert": insert_row,
    "reorder": reorder_rows,
    "recompute without the key": recompute_without_key,
}


@pytest.mark.parametrize("name", list(MUTATIONS))
@pytest.mark.parametrize("anchored", [False, True], ids=["no anchor", "anchor"])
def test_every_mutation_detected_at_its_seq(name: str, anchored: bool) -> None:
    mutate = MUTATIONS[name]
    rng = random.Random(zlib.crc32(name.encode()))
    for _ in range(MUTATIONS_PER_CLASS):
        rows = list(CHAIN)
        first_bad = mutate(rows, rng)
        report = verify_chain(rows, KEY, ANCHOR if anchored else None)
        assert not report.ok, (name, first_bad)
        assert report.first_bad_seq == first_bad, (name, report.problem)
        assert report.head_seq == first_bad - 1


def test_intact_chain_verifies() -> None:
    report = verify_chain(CHAIN, KEY, ANCHOR)
    assert report.ok and report.rows == N and report.head_seq == N
    assert report.checkpoint_seq == N and "intact" in report.describe()


@pytest.mark.parametrize("keep", [0, 1, 999, N - 1])
def test_tail_truncation_needs_the_anchor(keep: int) -> None:
    rows = CHAIN[:keep]
    assert verify_chain(rows, KEY).ok  # the limit: a shorter chain is a valid chain
    report = verify_chain(rows, KEY, ANCHOR)
    assert not report.ok and report.first_bad_seq == keep + 1
    assert f"checkpoint records seq {N}" in report.problem


@pytest.mark.parametrize("k", [1, 700, N])
def test_recompute_with_the_key_needs_the_anchor(k: int) -> None:
    """Someone who holds the key (say, it lived in the database) rewrites from seq k on."""
    rows = list(CHAIN)
    hasher, prev = ChainHasher(KEY), str(rows[k - 2][15]) if k > 1 else GENESIS
    for seq in range(k, N + 1):
        content = rows[seq - 1][:14]
        if seq == k:
            content = (*content[:3], "mallory", *content[4:])
        digest = hasher.link(prev, content)
        rows[seq - 1] = (*content, prev, digest)
        prev = digest
    assert verify_chain(rows, KEY).ok  # undetectable without an external anchor
    report = verify_chain(rows, KEY, ANCHOR)
    assert not report.ok and report.first_bad_seq == N
    assert "recomputed" in report.problem


def test_rows_beyond_the_anchor_are_fine() -> None:
    """An append whose checkpoint write was interrupted leaves the trail ahead of the anchor."""
    assert verify_chain(CHAIN, KEY, Anchor(N - 1, str(CHAIN[N - 2][15]))).ok


def test_canonical_encoding_is_unambiguous() -> None:
    assert canonical([None, ""]) != canonical(["", None])
    assert canonical(["a,b", "c"]) != canonical(["a", "b,c"])
    assert canonical([1, "1"]) != canonical(["1", 1])
    assert canonical(["é"]) == '["é"]'.encode()
