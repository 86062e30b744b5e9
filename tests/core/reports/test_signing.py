"""Electronic signatures on reports: re-authentication, name/time/meaning on the report, the
signed copy keeps the report intact, verify shows the signatures, forgeries are caught."""

from __future__ import annotations

import hashlib
import io

import pytest
from pypdf import PdfReader

from core.reports.csvout import read_tables
from core.reports.request import ReportRequest
from core.reports.service import ReportService
from core.reports.verify import ReportError
from core.security.auth import LoginFailed
from core.security.authorization import PermissionRefused
from core.security.roles import Role
from tests.core.reports.conftest import pdf_pages
from tests.core.reports.plantdata import END, PASSWORD, START
from tests.core.security.conftest import FakeClock


def _report(service: ReportService, fmt: str = "pdf") -> bytes:
    return service.generate(
        ReportRequest("alarms", START, END, fmt=fmt, generated_by="tester")
    ).content


def _last_page(data: bytes) -> str:
    page = PdfReader(io.BytesIO(data)).pages[-1]
    return " ".join((page.extract_text() or "").split())


def test_signed_copy_carries_name_time_meaning_and_hash(
    service: ReportService, clock: FakeClock
) -> None:
    original = _report(service)
    clock.advance(600)
    signed = service.sign(original, "sue", PASSWORD, "approved")
    assert signed.content.startswith(original)
    assert pdf_pages(signed.content) == pdf_pages(original) + 1
    page = _last_page(signed.content)
    assert "Electronic signatures" in page and "Sue Visor" in page and "approved" in page
    assert signed.base.content_hash in page.replace(" ", "")
    assert "2026-01-12 23:10:00 UTC" in page and "2026-01-13 00:10:00 +01:00" in page
    assert "Signature page 1 of 1" in page
    outcome = service.verify(signed.content)
    assert outcome.ok and outcome.record == signed.record and outcome.base == signed.base
    assert [(s.printed_name, s.meaning, ok) for s, ok in outcome.signatures] == [
        ("Sue Visor", "approved", True)
    ]
    assert (
        "signature (valid): Sue Visor (sue), approved, 2026-01-12 23:10:00 UTC "
        f"(local offset +01:00), audit seq {signed.signature.audit_seq}"
    ) in outcome.describe()
    assert service.verify(original).signatures == outcome.signatures


def test_second_signature_and_reexport_identical_apart_from_the_block(
    service: ReportService, clock: FakeClock
) -> None:
    original = _report(service)
    first = service.sign(original, "sue", PASSWORD, "approved")
    admin = service.ctx.security.users.get("ada")
    assert admin is not None
    service.ctx.security.admin.add_user(
        admin, "sam", PASSWORD, frozenset({Role.SUPERVISOR}), full_name="Sam Second"
    )
    clock.advance(3600)
    second = service.sign(first.content, "sam", PASSWORD, "reviewed")
    assert second.content.startswith(original) and second.base == first.base
    assert "Sue Visor" in _last_page(second.content) and "Sam Second" in _last_page(second.content)
    again = service.generate(ReportRequest("alarms", START, END, generated_by="tester"))
    assert again.content == second.content and again.record.content_hash == first.base.content_hash
    plain = service.generate(
        ReportRequest("alarms", START, END, generated_by="tester", with_signatures=False)
    )
    assert plain.content == original
    assert service.verify(again.content).ok and len(service.verify(again.content).signatures) == 2


def test_wrong_password_is_refused_and_audited(service: ReportService) -> None:
    original = _report(service)
    with pytest.raises(LoginFailed):
        service.sign(original, "sue", "Wrong-password-42", "approved")
    assert service.verify(original).signatures == []
    actions = [r.action for r in service.ctx.security.audit.records()]
    assert actions[-1] == "signature_failed"


def test_a_user_without_sign_permission_is_refused(service: ReportService) -> None:
    with pytest.raises(PermissionRefused):
        service.sign(_report(service), "olaf", PASSWORD, "approved")


def test_unknown_file_cannot_be_signed(service: ReportService) -> None:
    with pytest.raises(ReportError):
        service.sign(b"%PDF-1.4 something else", "sue", PASSWORD, "approved")


@pytest.mark.parametrize("offset", [1, 200, -40, -2])
def test_a_changed_signature_block_is_detected(service: ReportService, offset: int) -> None:
    original = _report(service)
    signed = service.sign(original, "sue", PASSWORD, "responsible").content
    position = len(original) + offset if offset > 0 else len(signed) + offset
    changed = bytearray(signed)
    changed[position] ^= 0x20
    outcome = service.verify(bytes(changed))
    assert not outcome.ok
    assert outcome.prefix_of is not None
    assert outcome.prefix_of.content_hash == hashlib.sha256(original).hexdigest()
    assert any("is not a recorded signature block" in p for p in outcome.problems)


def test_csv_signature_section(service: ReportService) -> None:
    original = _report(service, "csv")
    signed = service.sign(original, "sue", PASSWORD, "reviewed")
    assert signed.content.startswith(original)
    rows = read_tables(signed.content)["signatures"]
    assert [(r["printed_name"], r["username"], r["meaning"], r["record_hash"]) for r in rows] == [
        ("Sue Visor", "sue", "reviewed", signed.base.content_hash)
    ]
    assert rows[0]["signed_local"].endswith("+01:00")
    assert service.verify(signed.content).ok
