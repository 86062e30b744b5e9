"""A modified model artifact is refused — and never deserialised — for every kind of change.

The full matrix runs on SQLite (one database per case); on PostgreSQL every kind of change is
applied to its own subject in one database.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from core.analytics.registry import (
    REGISTRY_TABLES,
    ArtifactKeyMismatch,
    ArtifactTampered,
    ModelKey,
    ModelRegistry,
    model_artifacts,
    model_versions,
)
from core.store.database import make_engine, resolve_url
from core.store.schema import metadata
from tests.core.analytics.registry.conftest import T0, FakeClock

SUBJECT, KIND = "boiler.temp", "anomaly"
UNPICKLED: list[str] = []


class Sentinel:
    """Records every time it is unpickled."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __setstate__(self, state: dict[str, Any]) -> None:
        UNPICKLED.append(state["label"])
        self.__dict__.update(state)


def flip(data: bytes, index: int = 0) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def first_row(engine: Engine, subject: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(
            select(model_versions).where(
                model_versions.c.subject == subject, model_versions.c.version == 1
            )
        ).one()


def set_column(engine: Engine, subject: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(model_versions)
            .where(model_versions.c.id == first_row(engine, subject).id)
            .values(**values)
        )


def set_ciphertext(engine: Engine, subject: str, change: Callable[[bytes], bytes]) -> None:
    row_id = first_row(engine, subject).id
    with engine.begin() as conn:
        stored = conn.execute(
            select(model_artifacts.c.ciphertext).where(model_artifacts.c.version_id == row_id)
        ).scalar_one()
        conn.execute(
            update(model_artifacts)
            .where(model_artifacts.c.version_id == row_id)
            .values(ciphertext=change(bytes(stored)))
        )


def swap_artifacts(engine: Engine, subject: str) -> None:
    """Put version 2's (valid) ciphertext under version 1's row."""
    with engine.begin() as conn:
        ids = conn.execute(
            select(model_versions.c.id)
            .where(model_versions.c.subject == subject)
            .order_by(model_versions.c.version)
        ).scalars()
        first, second = list(ids)
        blob = conn.execute(
            select(model_artifacts.c.ciphertext).where(model_artifacts.c.version_id == second)
        ).scalar_one()
        conn.execute(
            update(model_artifacts)
            .where(model_artifacts.c.version_id == first)
            .values(ciphertext=blob)
        )


Tamper = Callable[[Engine, str], None]
TAMPERS: dict[str, Tamper] = {
    "ciphertext-byte": lambda e, s: set_ciphertext(e, s, lambda b: flip(b, len(b) // 2)),
    "ciphertext-tag": lambda e, s: set_ciphertext(e, s, lambda b: flip(b, len(b) - 1)),
    "ciphertext-truncated": lambda e, s: set_ciphertext(e, s, lambda b: b[:-5]),
    "nonce": lambda e, s: set_column(e, s, nonce=flip(bytes(first_row(e, s).nonce))),
    "digest": lambda e, s: set_column(e, s, digest=hashlib.sha256(b"other").hexdigest()),
    "params": lambda e, s: set_column(e, s, params='{"season":24}'),
    "metrics": lambda e, s: set_column(e, s, metrics='{"mase":0.1}'),
    "author": lambda e, s: set_column(e, s, author="mallory"),
    "created": lambda e, s: set_column(e, s, created_ns=T0 + 1),
    "train-window": lambda e, s: set_column(e, s, train_start_ns=0),
    "size": lambda e, s: set_column(e, s, size=first_row(e, s).size + 1),
    "kind": lambda e, s: set_column(e, s, kind="forecast"),
    "swapped-artifact": swap_artifacts,
}


def seal_two(registry: ModelRegistry, clock: FakeClock, subject: str = SUBJECT) -> None:
    for label in ("v1", "v2"):
        registry.register(
            subject,
            KIND,
            Sentinel(f"{subject}:{label}"),
            train_start_ns=T0 - 10**12,
            train_end_ns=T0,
            params={"season": 48},
            metrics={"mase": 0.5},
            author="alice",
        )
        clock.advance(1)


def assert_refused(registry: ModelRegistry, subject: str, kind: str) -> None:
    for attempt in (
        lambda: registry.load(subject, kind, 1),
        lambda: registry.verify(subject, kind, 1),
        lambda: registry.promote(subject, kind, 1, actor="mallory"),
    ):
        with pytest.raises(ArtifactTampered, match="refusing to load"):
            attempt()
    assert registry.active(subject, kind) is None


@pytest.fixture
def sqlite_registry(
    tmp_path: Path, key: ModelKey, clock: FakeClock
) -> Iterator[tuple[ModelRegistry, Engine]]:
    engine = make_engine(resolve_url(f"sqlite:///{tmp_path / 'models.db'}", tmp_path))
    metadata.create_all(engine, tables=list(REGISTRY_TABLES))
    registry = ModelRegistry(engine, key, clock)
    seal_two(registry, clock)
    assert registry.load(SUBJECT, KIND, 1).model.label == f"{SUBJECT}:v1"  # type: ignore[attr-defined]
    UNPICKLED.clear()
    yield registry, engine
    engine.dispose()


@pytest.mark.parametrize("tamper", list(TAMPERS))
def test_tampered_artifact_is_refused_and_never_loaded(
    sqlite_registry: tuple[ModelRegistry, Engine], tamper: str
) -> None:
    registry, engine = sqlite_registry
    TAMPERS[tamper](engine, SUBJECT)
    assert_refused(registry, SUBJECT, "forecast" if tamper == "kind" else KIND)
    assert UNPICKLED == []


def test_every_tamper_is_refused_on_postgresql(
    pg_url: str, tmp_path: Path, key: ModelKey, clock: FakeClock
) -> None:
    engine = make_engine(resolve_url(pg_url, tmp_path))
    try:
        metadata.create_all(engine, tables=list(REGISTRY_TABLES))
        registry = ModelRegistry(engine, key, clock)
        for name in TAMPERS:
            seal_two(registry, clock, subject=name)
        UNPICKLED.clear()
        for name, tamper in TAMPERS.items():
            tamper(engine, name)
            assert_refused(registry, name, "forecast" if name == "kind" else KIND)
        assert UNPICKLED == []
        assert registry.load("nonce", KIND, 2).model.label == "nonce:v2"  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_untouched_neighbour_still_loads(sqlite_registry: tuple[ModelRegistry, Engine]) -> None:
    registry, engine = sqlite_registry
    TAMPERS["ciphertext-byte"](engine, SUBJECT)
    assert registry.load(SUBJECT, KIND, 2).model.label == f"{SUBJECT}:v2"  # type: ignore[attr-defined]
    assert [f"{SUBJECT}:v2"] == UNPICKLED


def test_another_key_is_named_not_called_tampering(
    sqlite_registry: tuple[ModelRegistry, Engine], clock: FakeClock
) -> None:
    registry, engine = sqlite_registry
    other_key = ModelKey(os.urandom(32))
    stranger = ModelRegistry(engine, other_key, clock)
    with pytest.raises(ArtifactKeyMismatch, match="sealed under key id"):
        stranger.load(SUBJECT, KIND, 1)
    set_column(engine, SUBJECT, key_id=other_key.key_id)  # a forged key id does not help
    with pytest.raises(ArtifactTampered):
        stranger.load(SUBJECT, KIND, 1)
    with pytest.raises(ArtifactKeyMismatch):
        registry.load(SUBJECT, KIND, 1)
    assert UNPICKLED == []


def test_compare_refuses_tampered_metrics(sqlite_registry: tuple[ModelRegistry, Engine]) -> None:
    registry, engine = sqlite_registry
    TAMPERS["metrics"](engine, SUBJECT)
    with pytest.raises(ArtifactTampered):
        registry.compare(SUBJECT, KIND, 1, 2)
