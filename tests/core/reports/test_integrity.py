"""Report integrity (RELIABILITY S5): recorded hash and parameters, byte-identical re-export,
every modified byte detected by ``verify``, the archive append-only."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from core.model import SampleBatch
from core.reports.request import ReportRequest
from core.reports.service import ReportService
from core.security.tables import audit_trail
from core.store.backend import SampleBackend
from tests.core.reports.plantdata import END, START
from tests.core.security.conftest import FakeClock


def _request(kind: str = "alarms", fmt: str = "pdf") -> ReportRequest:
    return ReportRequest(kind, START, END, fmt=fmt, generated_by="tester")


def test_generation_records_hash_parameters_path_and_audit_row(
    service: ReportService, tmp_path: Path
) -> None:
    request = _request("energy")
    result = service.generate(request, tmp_path / "out" / "energy.pdf")
    record = result.record
    assert (record.file_name, record.file_path) == ("energy.pdf", str(tmp_path / "out/energy.pdf"))
    assert record.content_hash == hashlib.sha256(result.content).hexdigest() == result.sha256
    assert (record.kind, record.format, record.variant, record.size) == (
        "energy", "pdf", "original", len(result.content),
    )  # fmt: skip
    assert record.params() == request.parameters()
    assert record.query_digest == request.query_digest
    with service.ctx.historian.engine.connect() as conn:
        rows = conn.execute(
            select(audit_trail.c.action, audit_trail.c.username, audit_trail.c.reason).where(
                audit_trail.c.target == record.content_hash
            )
        ).all()
    assert rows == [("report_generated", "tester", "energy.pdf")]


def exports(service: ReportService) -> list[tuple[str, str, str | None, str]]:
    """``(user, target, new_value, detail)`` of every ``report_exported`` audit row."""
    with service.ctx.historian.engine.connect() as conn:
        rows = conn.execute(
            select(
                audit_trail.c.username,
                audit_trail.c.target,
                audit_trail.c.new_value,
                audit_trail.c.detail,
            )
            .where(audit_trail.c.action == "report_exported")
            .order_by(audit_trail.c.seq)
        ).all()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_every_export_is_audited_with_its_path_and_digest(
    service: ReportService, clock: FakeClock, tmp_path: Path, fmt: str
) -> None:
    """The same bytes exported twice: one archive row (the first path), two export rows."""
    first, second = tmp_path / f"a/report.{fmt}", tmp_path / f"b/again.{fmt}"
    one = service.export(_request("alarms", fmt), first)
    clock.advance(60)
    two = service.export(_request("alarms", fmt), second)
    assert one.content == two.content == first.read_bytes() == second.read_bytes()
    assert two.record.file_path == one.record.file_path == str(first)
    digest = hashlib.sha256(one.content).hexdigest()
    detail = f"report #{one.record.id} (alarms {fmt}, {len(one.content)} bytes)"
    assert exports(service) == [
        ("tester", str(first), digest, detail),
        ("tester", str(second), digest, detail),
    ]
    assert service.verify(second.read_bytes()).ok


def test_generating_without_writing_audits_no_export(service: ReportService) -> None:
    service.generate(_request("alarms"))
    assert exports(service) == []


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
@pytest.mark.parametrize("kind", ["shift", "energy", "alarms", "compliance"])
def test_reexport_of_the_same_query_is_byte_identical(
    service: ReportService, clock: FakeClock, kind: str, fmt: str
) -> None:
    first = service.generate(_request(kind, fmt))
    clock.advance(3 * 3600)
    again = service.generate(_request(kind, fmt))
    assert again.content == first.content
    assert again.reused and not first.reused
    assert again.record.id == first.record.id
    assert service.archive.recent() == [first.record]


def test_changed_data_gives_a_new_edition(service: ReportService, clock: FakeClock) -> None:
    first = service.generate(_request("energy"))
    tag = service.ctx.historian.registry.get("meter1/power")
    assert tag is not None
    backend = SampleBackend(service.ctx.historian.engine)
    try:
        backend.write(SampleBatch.from_columns([tag.id], [START + 30 * 10**9], [90_000.0], [0]))
    finally:
        backend.close()
    clock.advance(600)
    second = service.generate(_request("energy"))
    assert second.content != first.content and not second.reused
    assert second.record.id != first.record.id
    assert second.record.generated_ns == clock.now
    assert service.verify(first.content).ok and service.verify(second.content).ok


@pytest.mark.parametrize("fmt", ["pdf", "csv"])
def test_every_flipped_byte_is_detected(service: ReportService, fmt: str) -> None:
    data = service.generate(_request("alarms", fmt)).content
    assert service.verify(data).ok
    positions = sorted({0, 1, len(data) // 2, len(data) - 2, len(data) - 1,
                        *range(0, len(data), max(1, len(data) // 60))})  # fmt: skip
    for position in positions:
        for bit in (0x01, 0x80):
            changed = bytearray(data)
            changed[position] ^= bit
            outcome = service.verify(bytes(changed))
            assert not outcome.ok and outcome.record is None, position
    for damaged in (data[:-1], data + b"\n", b"", data[1:]):
        assert not service.verify(damaged).ok


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_random_byte_changes_are_detected(service: ReportService, data: st.DataObject) -> None:
    report = service.generate(_request("alarms", "csv")).content
    position = data.draw(st.integers(0, len(report) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda v: v != report[position]))
    changed = bytearray(report)
    changed[position] = value
    assert not service.verify(bytes(changed)).ok


def test_reports_table_is_append_only(service: ReportService) -> None:
    service.generate(_request("alarms"))
    engine = service.ctx.historian.engine
    for statement in ("UPDATE reports SET kind = 'x'", "DELETE FROM reports"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(statement))


def test_verify_names_the_recorded_report(service: ReportService) -> None:
    result = service.generate(_request("shift"))
    outcome = service.verify(result.content)
    assert outcome.ok and outcome.record == result.record and outcome.audit_seq is not None
    lines = outcome.describe()
    assert lines[-1] == "VERIFIED" and f"report #{result.record.id} (shift, pdf)" in lines[1]
    assert not service.verify(b"%PDF-1.4 not a report").ok
