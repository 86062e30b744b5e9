"""Electronic signatures: re-authentication, printed name, time, meaning, link to the record."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from core.security.auth import AccountLocked, LoginFailed
from core.security.authorization import PermissionRefused
from core.security.roles import Permission, Role
from core.security.service import SecurityServices
from core.security.signatures import Meaning
from core.store.historian import Historian
from tests.core.security.conftest import PASSWORD, FakeClock, add_user, audit_actions

RECORD = hashlib.sha256(b"shift report 2026-01-01").hexdigest()


@pytest.fixture
def sec(services: SecurityServices, password_hash: str) -> SecurityServices:
    add_user(services, "sue", {Role.SUPERVISOR}, password_hash, full_name="Sue Visor")
    add_user(services, "olaf", {Role.OPERATOR}, password_hash, areas=("boiler",))
    return services


@pytest.mark.parametrize("meaning", list(Meaning))
def test_sign_records_name_time_meaning_and_link(
    sec: SecurityServices, clock: FakeClock, meaning: Meaning
) -> None:
    signature = sec.signer.sign(RECORD, "sue", PASSWORD, meaning.value.upper(), station="office")
    assert (signature.record_hash, signature.printed_name, signature.meaning) == (
        RECORD,
        "Sue Visor",
        meaning.value,
    )
    assert signature.ts_ns == clock.now and signature.utc_offset_s == 3600
    (row,) = sec.audit.records()
    assert (row.seq, row.action, row.username, row.target, row.new_value, row.station) == (
        signature.audit_seq,
        "signature",
        "sue",
        RECORD,
        meaning.value,
        "office",
    )
    assert sec.signer.signatures(RECORD) == [signature]
    assert sec.signer.authentic(signature)


@pytest.mark.parametrize(
    "change",
    [
        {"record_hash": "0" * 64},
        {"meaning": "reviewed"},
        {"printed_name": "Someone Else"},
        {"ts_ns": 1},
        {"username": "olaf"},
    ],
)
def test_signature_cannot_be_moved_or_edited(
    sec: SecurityServices, change: dict[str, object]
) -> None:
    signature = sec.signer.sign(RECORD, "sue", PASSWORD, Meaning.APPROVED)
    assert not sec.signer.authentic(dataclasses.replace(signature, **change))  # type: ignore[arg-type]


def test_wrong_password_is_audited_and_counts_toward_lockout(sec: SecurityServices) -> None:
    for _ in range(4):
        with pytest.raises(LoginFailed):
            sec.signer.sign(RECORD, "sue", "Not-The-Password-1", Meaning.APPROVED)
    with pytest.raises(AccountLocked):
        sec.signer.sign(RECORD, "sue", "Not-The-Password-1", Meaning.APPROVED)
    with pytest.raises(AccountLocked):
        sec.signer.sign(RECORD, "sue", PASSWORD, Meaning.APPROVED)
    assert sec.signer.signatures(RECORD) == []
    actions = audit_actions(sec)
    assert actions[:5] == [("signature_failed", "sue", "FAILED")] * 5
    assert actions[5:] == [("lockout", "sue", "OK"), ("signature_failed", "sue", "REFUSED")]


def test_signer_needs_the_permission(sec: SecurityServices) -> None:
    with pytest.raises(PermissionRefused):
        sec.signer.sign(RECORD, "olaf", PASSWORD, Meaning.REVIEWED)
    assert sec.signer.signatures(RECORD) == []
    assert audit_actions(sec) == [("permission_refused", "olaf", "REFUSED")]


def test_critical_action_signed_with_its_own_permission(sec: SecurityServices) -> None:
    """A critical setpoint: the operator re-enters the password and signs as responsible."""
    signature = sec.signer.sign(
        RECORD, "olaf", PASSWORD, "responsible", permission=Permission.WRITE_SETPOINT, area="boiler"
    )
    assert signature.meaning == "responsible"


@pytest.mark.parametrize(("record", "meaning"), [(RECORD, "authored"), ("  ", "approved")])
def test_bad_requests_refused_before_asking_for_credentials(
    sec: SecurityServices, record: str, meaning: str
) -> None:
    with pytest.raises(ValueError):
        sec.signer.sign(record, "sue", PASSWORD, meaning)
    assert sec.audit.records() == []


def test_signatures_are_append_only(sec: SecurityServices, historian: Historian) -> None:
    sec.signer.sign(RECORD, "sue", PASSWORD, Meaning.APPROVED)
    with pytest.raises(DatabaseError, match="append-only"), historian.engine.begin() as conn:
        conn.execute(text("UPDATE record_signatures SET meaning = 'reviewed'"))
