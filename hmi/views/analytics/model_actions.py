"""The Model Center's work, done in a worker: list the registry's versions, promote, roll back and
compare. Promotions and rollbacks need the ``configure_plant`` permission (a refusal is audited
by the authorizer) and are recorded in the audit trail as ``model_promoted``.

No Qt here. Without a model key (``CONTROLDECK_MODEL_KEY`` or the OS keyring) the registry
cannot be opened: :class:`core.analytics.registry.ModelKeyError` says where it looked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from core.analytics.registry import (
    Comparison,
    ModelEvent,
    ModelKey,
    ModelRegistry,
    ModelVersion,
    load_model_key,
)
from core.security.events import AuditAction, AuditEvent
from core.security.roles import Permission

log = logging.getLogger(__name__)

KeyLoader = Callable[[], ModelKey]
ACTIONS = ("promote", "rollback")


@dataclass(frozen=True)
class ModelListing:
    """Every stored version (oldest first per subject and kind) and the key in use."""

    key_id: str
    versions: list[ModelVersion]


@dataclass(frozen=True)
class ModelChange:
    """A promotion or rollback that was made: the version active before and after."""

    action: str
    subject: str
    kind: str
    before: int | None
    after: ModelVersion


def open_registry(engine: Engine, key_loader: KeyLoader = load_model_key) -> ModelRegistry:
    """The registry sealed with the configured key (raises ``ModelKeyError`` without one)."""
    return ModelRegistry(engine, key_loader())


def listing(engine: Engine, key_loader: KeyLoader = load_model_key) -> ModelListing:
    """Every version of every ``(subject, kind)``."""
    key = key_loader()
    registry = ModelRegistry(engine, key)
    versions = [v for s, k in registry.subjects() for v in registry.versions(s, k)]
    return ModelListing(key.key_id, versions)


def change_model(
    security: Any,
    engine: Engine,
    user: str,
    action: str,
    target: ModelVersion,
    key_loader: KeyLoader = load_model_key,
) -> ModelChange:
    """Promote ``target`` or roll its ``(subject, kind)`` back, as ``user``: permission first
    (``configure_plant``; a refusal raises ``PermissionRefused`` and is audited), then the
    registry (which authenticates the artifact), then the audit record."""
    if action not in ACTIONS:
        raise ValueError(f"unknown model action {action!r}")
    subject, kind = target.subject, target.kind
    what = f"model {subject}/{kind}"
    security.authorizer.require(
        user, Permission.CONFIGURE_PLANT, target=what, station=security.station
    )
    registry = open_registry(engine, key_loader)
    active = registry.active(subject, kind)
    if action == "promote":
        after = registry.promote(subject, kind, target.version, actor=user)
    else:
        after = registry.rollback(subject, kind, actor=user)
    change = ModelChange(action, subject, kind, active.version if active else None, after)
    audit_change(security, user, change)
    return change


def audit_change(security: Any, user: str, change: ModelChange) -> None:
    """Record a promotion or rollback as ``model_promoted`` (old and new version, the action)."""
    account = security.authorizer.user(user)
    what = f"model {change.subject}/{change.kind}"
    security.audit.append(
        AuditEvent(
            AuditAction.MODEL_PROMOTED,
            user,
            security.station,
            target=what,
            old_value=None if change.before is None else f"v{change.before}",
            new_value=f"v{change.after.version}",
            detail=change.action,
            role=account.role_text if account is not None else "",
        )
    )
    log.info(
        "%s %s: v%s -> v%d by %s", change.action, what, change.before, change.after.version, user
    )


def compare(
    engine: Engine, a: ModelVersion, b: ModelVersion, key_loader: KeyLoader = load_model_key
) -> tuple[Comparison, list[ModelEvent]]:
    """Two versions of one ``(subject, kind)`` side by side (both authenticated), and its
    promotion history."""
    if (a.subject, a.kind) != (b.subject, b.kind):
        raise ValueError("compare two versions of the same subject and kind")
    registry = open_registry(engine, key_loader)
    found = registry.compare(a.subject, a.kind, a.version, b.version)
    return found, registry.history(a.subject, a.kind)
