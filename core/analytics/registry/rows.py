"""Rows of the model registry: versions, artifacts and the promotion history, as SQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select

from core.analytics.registry.tables import model_artifacts, model_events, model_versions

log = logging.getLogger(__name__)

PROMOTE, ROLLBACK, REGISTER = "promote", "rollback", "register"


class ModelNotFound(LookupError):
    """No such model version (or no active one)."""


@dataclass(frozen=True)
class ModelVersion:
    """One stored version of a ``(subject, kind)`` model (metadata only, no artifact)."""

    id: int
    subject: str
    kind: str
    version: int
    created_ns: int
    author: str
    train_start_ns: int
    train_end_ns: int
    params_json: str
    metrics_json: str
    digest: str
    size: int
    key_id: str
    active: bool = False

    @property
    def params(self) -> dict[str, Any]:
        """Training parameters (parsed from the stored canonical JSON)."""
        return dict(json.loads(self.params_json))

    @property
    def metrics(self) -> dict[str, float]:
        """Metrics at training time (parsed from the stored canonical JSON)."""
        return {str(k): float(v) for k, v in json.loads(self.metrics_json).items()}


@dataclass(frozen=True)
class ModelEvent:
    """A registration, promotion or rollback."""

    ts_ns: int
    version: int
    action: str
    actor: str
    detail: str


def to_version(row: Any, active: int | None) -> ModelVersion:
    """A ``model_versions`` row as a :class:`ModelVersion`."""
    m = row._mapping
    return ModelVersion(
        id=m["id"],
        subject=m["subject"],
        kind=m["kind"],
        version=m["version"],
        created_ns=m["created_ns"],
        author=m["author"],
        train_start_ns=m["train_start_ns"],
        train_end_ns=m["train_end_ns"],
        params_json=m["params"],
        metrics_json=m["metrics"],
        digest=m["digest"],
        size=m["size"],
        key_id=m["key_id"],
        active=m["version"] == active,
    )


def next_version(conn: Connection, subject: str, kind: str) -> int:
    """One more than the highest version of ``(subject, kind)``."""
    query = select(func.max(model_versions.c.version)).where(
        model_versions.c.subject == subject, model_versions.c.kind == kind
    )
    return int(conn.execute(query).scalar() or 0) + 1


def insert_version(conn: Connection, row: Mapping[str, Any], ciphertext: bytes) -> int:
    """Insert the metadata row and its artifact; returns the row id."""
    result = conn.execute(insert(model_versions).returning(model_versions.c.id), [dict(row)])
    row_id = int(result.scalar_one())
    conn.execute(insert(model_artifacts), [{"version_id": row_id, "ciphertext": ciphertext}])
    return row_id


def version_row(conn: Connection, subject: str, kind: str, version: int) -> Any:
    """The full metadata row of one version, or :class:`ModelNotFound`."""
    row = conn.execute(
        select(model_versions).where(
            model_versions.c.subject == subject,
            model_versions.c.kind == kind,
            model_versions.c.version == version,
        )
    ).first()
    if row is None:
        raise ModelNotFound(f"no model {subject}/{kind} v{version}")
    return row


def artifact(conn: Connection, version_id: int) -> bytes:
    """The ciphertext of a version."""
    blob = conn.execute(
        select(model_artifacts.c.ciphertext).where(model_artifacts.c.version_id == version_id)
    ).scalar()
    if blob is None:
        raise ModelNotFound(f"artifact of model row {version_id} is missing")
    return bytes(blob)


def version_rows(conn: Connection, subject: str, kind: str) -> list[Any]:
    """Every version row of ``(subject, kind)``, oldest first."""
    query = (
        select(model_versions)
        .where(model_versions.c.subject == subject, model_versions.c.kind == kind)
        .order_by(model_versions.c.version)
    )
    return list(conn.execute(query))


def add_event(
    conn: Connection,
    ts_ns: int,
    subject: str,
    kind: str,
    version: int,
    action: str,
    actor: str,
    detail: str = "",
) -> None:
    """Append to the history."""
    conn.execute(
        insert(model_events),
        [
            {
                "ts_ns": ts_ns,
                "subject": subject,
                "kind": kind,
                "version": version,
                "action": action,
                "actor": actor,
                "detail": detail,
            }
        ],
    )


def events(conn: Connection, subject: str, kind: str) -> list[ModelEvent]:
    """The history of ``(subject, kind)`` in order."""
    query = (
        select(model_events)
        .where(model_events.c.subject == subject, model_events.c.kind == kind)
        .order_by(model_events.c.id)
    )
    return [
        ModelEvent(r.ts_ns, r.version, r.action, r.actor, r.detail) for r in conn.execute(query)
    ]


def promotion_stack(history: list[ModelEvent]) -> list[int]:
    """Versions made active, most recent last: a promotion pushes, a rollback pops."""
    stack: list[int] = []
    for event in history:
        if event.action == PROMOTE:
            stack.append(event.version)
        elif event.action == ROLLBACK and stack:
            stack.pop()
    return stack


def subjects(conn: Connection) -> list[tuple[str, str]]:
    """Every ``(subject, kind)`` with at least one version."""
    query = select(model_versions.c.subject, model_versions.c.kind).distinct()
    return sorted((r.subject, r.kind) for r in conn.execute(query))
