"""The model center: versions per ``(subject, kind)``, promotion, rollback and comparison.

Every version is sealed (:mod:`core.analytics.registry.sealing`) before it is written; loading,
verifying or promoting a version authenticates it first, and a tampered artifact is refused
with :class:`ArtifactTampered` and never deserialised. The active version of a ``(subject,
kind)`` is the top of its promotion stack: ``promote`` pushes a version, ``rollback`` pops back
to the one active before (repeatedly, down to the first promotion).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from core.analytics.registry import rows
from core.analytics.registry.compare import Comparison, compare_versions
from core.analytics.registry.keys import ModelKey
from core.analytics.registry.rows import ModelEvent, ModelNotFound, ModelVersion
from core.analytics.registry.sealing import canonical_json, deserialize, open_sealed, seal
from core.model import now_ns

log = logging.getLogger(__name__)

REGISTER_ATTEMPTS = 3


@dataclass(frozen=True)
class LoadedModel:
    """An authenticated, deserialised model and its version."""

    version: ModelVersion
    model: object


class ModelRegistry:
    """Model versions in the store, sealed under one :class:`ModelKey`."""

    def __init__(self, engine: Engine, key: ModelKey, clock: Callable[[], int] = now_ns) -> None:
        self._engine = engine
        self._key = key
        self._clock = clock

    def register(
        self,
        subject: str,
        kind: str,
        model: object,
        *,
        train_start_ns: int,
        train_end_ns: int,
        params: Mapping[str, Any],
        metrics: Mapping[str, float],
        author: str,
    ) -> ModelVersion:
        """Seal and store ``model`` as the next version of ``(subject, kind)`` (not promoted)."""
        meta = {
            "subject": subject,
            "kind": kind,
            "author": author,
            "train_start_ns": int(train_start_ns),
            "train_end_ns": int(train_end_ns),
            "params": canonical_json(params),
            "metrics": canonical_json({k: float(v) for k, v in metrics.items()}),
        }
        for attempt in range(REGISTER_ATTEMPTS):
            try:
                return self._insert(meta, model)
            except IntegrityError:
                if attempt == REGISTER_ATTEMPTS - 1:
                    raise
                log.info("model %s/%s: version taken concurrently, retrying", subject, kind)
        raise AssertionError("unreachable")

    def _insert(self, meta: dict[str, Any], model: object) -> ModelVersion:
        created = self._clock()
        with self._engine.begin() as conn:
            version = rows.next_version(conn, meta["subject"], meta["kind"])
            full = {**meta, "version": version, "created_ns": created}
            sealed = seal(model, self._key, full)
            row = {
                **full,
                "serializer": sealed.serializer,
                "size": sealed.size,
                "digest": sealed.digest,
                "key_id": sealed.key_id,
                "nonce": sealed.nonce,
            }
            rows.insert_version(conn, row, sealed.ciphertext)
            rows.add_event(
                conn, created, meta["subject"], meta["kind"], version, rows.REGISTER, meta["author"]
            )
        log.info(
            "model %s/%s v%d registered by %s",
            meta["subject"],
            meta["kind"],
            version,
            meta["author"],
        )
        return self.get(meta["subject"], meta["kind"], version)

    def versions(self, subject: str, kind: str) -> list[ModelVersion]:
        """Every version of ``(subject, kind)``, oldest first, the active one flagged."""
        with self._engine.connect() as conn:
            active = self._active_number(conn, subject, kind)
            return [rows.to_version(r, active) for r in rows.version_rows(conn, subject, kind)]

    def subjects(self) -> list[tuple[str, str]]:
        """Every ``(subject, kind)`` with versions."""
        with self._engine.connect() as conn:
            return rows.subjects(conn)

    def get(self, subject: str, kind: str, version: int) -> ModelVersion:
        """One version's metadata (:class:`ModelNotFound` when absent)."""
        with self._engine.connect() as conn:
            row = rows.version_row(conn, subject, kind, version)
            return rows.to_version(row, self._active_number(conn, subject, kind))

    def active(self, subject: str, kind: str) -> ModelVersion | None:
        """The promoted version in use, or None."""
        with self._engine.connect() as conn:
            number = self._active_number(conn, subject, kind)
        return None if number is None else self.get(subject, kind, number)

    def history(self, subject: str, kind: str) -> list[ModelEvent]:
        """Registrations, promotions and rollbacks, in order."""
        with self._engine.connect() as conn:
            return rows.events(conn, subject, kind)

    def verify(self, subject: str, kind: str, version: int) -> ModelVersion:
        """Authenticate a version's artifact and metadata without deserialising it."""
        with self._engine.connect() as conn:
            self._plaintext(conn, subject, kind, version)
        return self.get(subject, kind, version)

    def load(self, subject: str, kind: str, version: int | None = None) -> LoadedModel:
        """Authenticate, then deserialise a version (the active one by default)."""
        with self._engine.connect() as conn:
            number = version if version is not None else self._active_number(conn, subject, kind)
            if number is None:
                raise ModelNotFound(f"no active model {subject}/{kind}")
            plaintext, serializer = self._plaintext(conn, subject, kind, number)
        return LoadedModel(self.get(subject, kind, number), deserialize(plaintext, serializer))

    def promote(self, subject: str, kind: str, version: int, *, actor: str) -> ModelVersion:
        """Make ``version`` active (after authenticating it); a no-op when it already is."""
        with self._engine.begin() as conn:
            self._plaintext(conn, subject, kind, version)
            previous = self._active_number(conn, subject, kind)
            if previous != version:
                rows.add_event(
                    conn,
                    self._clock(),
                    subject,
                    kind,
                    version,
                    rows.PROMOTE,
                    actor,
                    f"from v{previous}" if previous else "first promotion",
                )
        log.info(
            "model %s/%s v%d promoted by %s (was v%s)", subject, kind, version, actor, previous
        )
        return self.get(subject, kind, version)

    def rollback(self, subject: str, kind: str, *, actor: str) -> ModelVersion:
        """Reactivate the version that was active before the current one."""
        with self._engine.begin() as conn:
            stack = rows.promotion_stack(rows.events(conn, subject, kind))
            if len(stack) < 2:
                raise ModelNotFound(
                    f"model {subject}/{kind} has no earlier version to roll back to"
                )
            target = stack[-2]
            self._plaintext(conn, subject, kind, target)
            rows.add_event(
                conn,
                self._clock(),
                subject,
                kind,
                target,
                rows.ROLLBACK,
                actor,
                f"from v{stack[-1]}",
            )
        log.info("model %s/%s rolled back to v%d by %s", subject, kind, target, actor)
        return self.get(subject, kind, target)

    def compare(self, subject: str, kind: str, a: int, b: int) -> Comparison:
        """Metrics, parameters and windows of two versions side by side (both authenticated)."""
        first, second = self.verify(subject, kind, a), self.verify(subject, kind, b)
        return compare_versions(first, second)

    def _active_number(self, conn: Connection, subject: str, kind: str) -> int | None:
        stack = rows.promotion_stack(rows.events(conn, subject, kind))
        return stack[-1] if stack else None

    def _plaintext(
        self, conn: Connection, subject: str, kind: str, version: int
    ) -> tuple[bytes, str]:
        row = rows.version_row(conn, subject, kind, version)
        ciphertext = rows.artifact(conn, row.id)
        return open_sealed(row._mapping, ciphertext, self._key), str(row.serializer)
