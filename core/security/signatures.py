"""Electronic signatures (21 CFR Part 11 sections 11.50, 11.70, 11.200).

Signing asks for the user name and password again (a failed attempt is audited as
``signature_failed`` and counts toward lockout), then records the printed name, the time (UTC
ns and local offset) and the meaning, linked to the signed record's hash. Each signature row
carries a MAC over those fields so it cannot be moved to another record or edited unnoticed,
and it points to the ``signature`` audit row written in the same step.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, insert, select

from core.security.audit import AuditTrail
from core.security.auth import Authenticator
from core.security.authorization import Authorizer
from core.security.chain import canonical
from core.security.events import AuditAction, AuditEvent
from core.security.roles import Permission
from core.security.tables import record_signatures
from core.security.users import User


class Meaning(StrEnum):
    """What a signature means (section 11.50(a)(3))."""

    APPROVED = "approved"
    REVIEWED = "reviewed"
    RESPONSIBLE = "responsible"


@dataclass(frozen=True, slots=True)
class Signature:
    """A stored signature."""

    record_hash: str
    username: str
    printed_name: str
    meaning: str
    ts_ns: int
    utc_offset_s: int
    audit_seq: int
    mac: str


def _mac(key: bytes, sig: Signature) -> str:
    fields = (
        sig.record_hash,
        sig.username,
        sig.printed_name,
        sig.meaning,
        sig.ts_ns,
        sig.audit_seq,
    )
    return hmac.new(key, canonical(fields), hashlib.sha256).hexdigest()


class Signer:
    """Signs record hashes after re-authentication."""

    def __init__(
        self,
        engine: Engine,
        auth: Authenticator,
        authorizer: Authorizer,
        audit: AuditTrail,
        key: bytes,
    ) -> None:
        self._engine = engine
        self._auth = auth
        self._authorizer = authorizer
        self._audit = audit
        self._key = key

    def sign(
        self,
        record_hash: str,
        username: str,
        password: str,
        meaning: Meaning | str,
        *,
        station: str = "",
        permission: Permission = Permission.SIGN_REPORTS,
        area: str = "",
        reason: str = "",
    ) -> Signature:
        """Re-authenticate ``username`` and sign ``record_hash`` with ``meaning``.

        Raises :class:`core.security.auth.AuthError` on wrong credentials (audited),
        :class:`core.security.authorization.PermissionRefused` without ``permission`` (audited),
        ValueError for an unknown meaning or an empty hash.
        """
        chosen = Meaning(str(meaning).lower())
        if not record_hash.strip():
            raise ValueError("nothing to sign: the record hash is empty")
        user = self._auth.authenticate(
            username, password, station, failure_action=AuditAction.SIGNATURE_FAILED
        )
        self._authorizer.require(
            username, permission, area, target=record_hash, station=station, reason=reason
        )
        return self._store(record_hash, user, chosen, station, reason)

    def _store(
        self, record_hash: str, user: User, meaning: Meaning, station: str, reason: str
    ) -> Signature:
        """Audit the signing, then keep the signature with its MAC and the audit row's seq."""
        row = self._audit.append(
            AuditEvent(
                AuditAction.SIGNATURE,
                user.username,
                station,
                target=record_hash,
                new_value=meaning.value,
                reason=reason,
                detail=f"signed by {user.printed_name}",
                role=user.role_text,
            )
        )
        fields = (user.username, user.printed_name, meaning.value)
        unsigned = Signature(record_hash, *fields, row.ts_ns, row.utc_offset_s, row.seq, "")
        signature = replace(unsigned, mac=_mac(self._key, unsigned))
        with self._engine.begin() as conn:
            conn.execute(insert(record_signatures).values(**_fields(signature)))
        return signature

    def signatures(self, record_hash: str) -> list[Signature]:
        """Every signature of a record, oldest first."""
        columns = [record_signatures.c[name] for name in Signature.__dataclass_fields__]
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(*columns)
                .where(record_signatures.c.record_hash == record_hash)
                .order_by(record_signatures.c.id)
            ).all()
        return [Signature(*row) for row in rows]

    def authentic(self, signature: Signature) -> bool:
        """True when the signature's MAC verifies (fields unchanged, bound to its record)."""
        expected = _mac(self._key, signature)
        return hmac.compare_digest(expected, signature.mac)


def _fields(signature: Signature) -> dict[str, Any]:
    return {name: getattr(signature, name) for name in Signature.__dataclass_fields__}
