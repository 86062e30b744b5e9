"""The Reports view on the running simulated plant: generate (in a worker) and see the report
in the archive, verified; preview pages; sign with the password again (and the audit rows);
a wrong password and a user without ``sign_reports`` are refused; export PDF and CSV; a
modified or deleted archived file is reported after "Verify"; touch mode; period presets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton
from pytestqt.qtbot import QtBot

from core.analytics.energy.periods import Shift, to_ns
from core.model import NS_PER_S
from core.reports.csvout import read_tables
from core.reports.model import sha256_hex
from core.reports.request import ReportRequest
from core.reports.verify import verify_bytes
from core.security.authorization import PermissionRefused
from core.security.roles import Role
from hmi.context import HmiContext
from hmi.session import PlantSession
from hmi.theme import TOUCH_MIN_TARGET_PX
from hmi.views.reports import archive_panel, jobs
from hmi.views.reports.files import FileState, check
from hmi.views.reports.jobs import ReportFile
from hmi.views.reports.periods import last_shift, preset_window
from hmi.views.reports.shown import NO_SIGN
from hmi.views.reports.sign_dialog import SignDialog
from hmi.views.reports.view import LOGGED_OFF, ReportsView
from tests.hmi.conftest import PASSWORD

MINUTE_NS = 60 * NS_PER_S
GENERATE_MS = 90_000
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def supervisor(plant: PlantSession) -> str:
    """A supervisor (``sign_reports``, ``export``) on the test plant."""
    security = plant.collector.security
    if security.users.get("sue") is None:
        admin = security.users.require("ada")
        roles = frozenset({Role.SUPERVISOR})
        security.admin.add_user(admin, "sue", PASSWORD, roles, full_name="Sue Park")
    return "sue"


@pytest.fixture
def make_view(qtbot: QtBot, tmp_path: Path) -> Callable[..., ReportsView]:
    """A shown Reports view writing to ``tmp_path/reports``; exports go to ``tmp_path``."""

    def build(ctx: HmiContext) -> ReportsView:
        view = ReportsView(
            ctx,
            folder=tmp_path / "reports",
            save_path=lambda _parent, fmt, name: tmp_path / "exported" / f"copy-{name}",
            open_path=lambda _parent: None,
        )
        qtbot.addWidget(view)
        view.resize(1300, 800)
        view.show()
        return view

    return build


def generate(qtbot: QtBot, view: ReportsView, kind: str, minutes: int) -> ReportFile:
    """Generate a ``kind`` report over the last ``minutes`` (whole minutes) through the view."""
    now = view.ctx.security.clock()
    end = now - now % MINUTE_NS
    view.form.choose(kind)
    view.form.set_custom(end - minutes * MINUTE_NS, end)
    with qtbot.waitSignal(view.generated, timeout=GENERATE_MS) as blocker:
        qtbot.mouseClick(view.generate_button, Qt.MouseButton.LeftButton)
    report: ReportFile = blocker.args[0]
    return report


def state_becomes(qtbot: QtBot, view: ReportsView, report_id: int, state: FileState) -> None:
    qtbot.waitUntil(lambda: view.state_of(report_id) is state, timeout=GENERATE_MS)


def audit_actions(ctx: HmiContext, target: str, since_ns: int) -> list[tuple[str, str, str]]:
    """``(action, user, outcome)`` of the audit rows about ``target`` since ``since_ns``."""
    rows = ctx.security.audit.records(since_ns)
    return [(r.action, r.username, r.outcome) for r in rows if r.target == target]


# -- generate, preview, archive -------------------------------------------------------------------
def test_generate_previews_pages_and_archives_it_verified(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot
) -> None:
    view = make_view(ctx)
    report = generate(qtbot, view, "alarms", 21)
    assert report.base.kind == "alarms"
    assert report.base.generated_by == "tess"
    assert report.path is not None and report.path.parent == view.folder.root
    assert report.path.read_bytes() == report.content
    assert verify_bytes(view.service.ctx, view.service.archive, report.content).ok
    preview = view.preview
    pages = preview.page_count()
    assert pages >= 2
    assert preview.page_label.text() == f"Page 1 of {pages}"
    qtbot.mouseClick(preview.next_button, Qt.MouseButton.LeftButton)
    assert preview.page() == 1
    assert preview.page_label.text() == f"Page 2 of {pages}"
    qtbot.mouseClick(preview.last_button, Qt.MouseButton.LeftButton)
    assert preview.page() == pages - 1
    assert not preview.next_button.isEnabled()
    state_becomes(qtbot, view, report.record.id, FileState.VERIFIED)
    entry = view.entry(report.record.id)
    assert entry is not None and entry.path == report.path
    assert report.base.file_path == str(report.path)
    assert "report_generated" in [
        a for a, _u, _o in audit_actions(ctx, report.record.content_hash, 0)
    ]


def test_choosing_an_archived_report_previews_it(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot
) -> None:
    view = make_view(ctx)
    first = generate(qtbot, view, "alarms", 23)
    second = generate(qtbot, view, "shift", 22)
    state_becomes(qtbot, view, first.record.id, FileState.VERIFIED)
    assert view.shown.report is not None and view.shown.report.record.id == second.record.id
    assert view.archive.select(first.record.id)
    qtbot.waitUntil(
        lambda: view.shown.report is not None and view.shown.report.record.id == first.record.id
    )
    assert view.shown.report.content == first.content
    assert view.preview.page_count() >= 2


def test_an_empty_period_is_refused_before_any_work(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot
) -> None:
    view = make_view(ctx)
    now = ctx.security.clock()
    view.form.set_custom(now, now - 3600 * NS_PER_S)
    submitted = ctx.workers.submitted
    qtbot.mouseClick(view.generate_button, Qt.MouseButton.LeftButton)
    assert "must end after it starts" in view.status.text()
    assert ctx.workers.submitted == submitted


# -- signing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signing:
    """A supervisor's Reports view showing a fresh report, with the sign dialog open."""

    ctx: HmiContext
    view: ReportsView
    report: ReportFile
    since: int
    """The security clock before the dialog opened (audit rows of the signing come after)."""
    dialog: SignDialog


@pytest.fixture
def start_signing(
    make_ctx: Callable[..., HmiContext],
    supervisor: str,
    make_view: Callable[..., ReportsView],
    qtbot: QtBot,
) -> Callable[[int, str], Signing]:
    """Log the supervisor on, generate an alarms report over ``minutes``, open the sign dialog
    and choose ``meaning``."""

    def start(minutes: int, meaning: str) -> Signing:
        ctx = make_ctx(user=supervisor)
        view = make_view(ctx)
        report = generate(qtbot, view, "alarms", minutes)
        since = ctx.security.clock()
        dialog = view.shown.open_sign_dialog()
        assert dialog is not None
        dialog.choose(meaning)
        return Signing(ctx, view, report, since, dialog)

    return start


def test_signing_asks_for_the_password_and_adds_the_signature(
    start_signing: Callable[[int, str], Signing], qtbot: QtBot
) -> None:
    signing = start_signing(24, "approved")
    ctx, view, report, dialog = signing.ctx, signing.view, signing.report, signing.dialog
    pages = view.preview.page_count()
    assert view.shown.sign_button.isEnabled()
    assert "Sue Park (sue)" in dialog.signer.text()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "password" in dialog.message.text()
    assert ctx.security.signer.signatures(report.base.content_hash) == []
    dialog.password.setText(PASSWORD)
    with qtbot.waitSignal(view.shown.signed, timeout=GENERATE_MS) as blocker:
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    signed: ReportFile = blocker.args[0]
    assert not dialog.isVisible()
    assert signed.signed and signed.base.id == report.base.id
    assert signed.signatures == ("Sue Park (approved)",)
    stored = ctx.security.signer.signatures(report.base.content_hash)
    assert [(s.username, s.meaning) for s in stored] == [("sue", "approved")]
    assert signed.content.startswith(report.content)
    assert view.preview.page_count() == pages + 1
    assert signed.path is not None and signed.path.read_bytes() == signed.content
    since = signing.since
    assert ("signature", "sue", "OK") in audit_actions(ctx, report.base.content_hash, since)
    assert ("report_signed", "sue", "OK") in audit_actions(ctx, signed.record.content_hash, since)
    state_becomes(qtbot, view, signed.record.id, FileState.VERIFIED)
    assert view.entry(signed.record.id).signatures == ("Sue Park (approved)",)  # type: ignore[union-attr]


def test_a_wrong_password_is_refused(
    start_signing: Callable[[int, str], Signing], qtbot: QtBot
) -> None:
    signing = start_signing(25, "reviewed")
    ctx, view, dialog = signing.ctx, signing.view, signing.dialog
    dialog.password.setText("not the password of sue")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Refused"), timeout=30_000)
    assert dialog.isVisible() and dialog.ok.isEnabled()
    assert dialog.password.text() == ""
    assert ctx.security.signer.signatures(signing.report.base.content_hash) == []
    failed = [
        r for r in ctx.security.audit.records(signing.since) if r.action == "signature_failed"
    ]
    assert [r.username for r in failed] == ["sue"]
    assert view.shown.report is not None and not view.shown.report.signed
    dialog.reject()


def test_a_user_without_sign_reports_cannot_sign(
    make_ctx: Callable[..., HmiContext], make_view: Callable[..., ReportsView], qtbot: QtBot
) -> None:
    ctx = make_ctx(user="otto")
    view = make_view(ctx)
    report = generate(qtbot, view, "alarms", 26)
    shown = view.shown
    assert not shown.sign_button.isEnabled()
    assert not shown.pdf_button.isEnabled() and not shown.csv_button.isEnabled()
    assert NO_SIGN in shown.rights.text() and shown.rights.isVisible()
    assert shown.open_sign_dialog() is None
    since = ctx.security.clock()
    with pytest.raises(PermissionRefused):
        jobs.sign(view.service, view.folder, report, ("otto", PASSWORD), "approved", "test-console")
    assert ctx.security.signer.signatures(report.base.content_hash) == []
    refused = [r for r in ctx.security.audit.records(since) if r.action == "permission_refused"]
    assert [r.username for r in refused] == ["otto"]


# -- export -------------------------------------------------------------------------------------
def test_export_writes_a_verifiable_pdf_and_a_csv(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot, tmp_path: Path
) -> None:
    view = make_view(ctx)
    report = generate(qtbot, view, "shift", 27)
    since = ctx.security.clock()
    with qtbot.waitSignal(view.shown.exported, timeout=GENERATE_MS) as pdf_done:
        qtbot.mouseClick(view.shown.pdf_button, Qt.MouseButton.LeftButton)
    pdf: Path = pdf_done.args[0]
    assert pdf.parent == tmp_path / "exported" and pdf.suffix == ".pdf"
    assert pdf.read_bytes() == report.content
    outcome = view.service.verify(pdf.read_bytes())
    assert outcome.ok, outcome.describe()
    assert outcome.record is not None and outcome.record.id == report.record.id
    with qtbot.waitSignal(view.shown.exported, timeout=GENERATE_MS) as csv_done:
        qtbot.mouseClick(view.shown.csv_button, Qt.MouseButton.LeftButton)
    csv: Path = csv_done.args[0]
    assert csv.suffix == ".csv"
    tables = read_tables(csv.read_bytes())
    metadata = {row["item"]: row["value"] for row in tables["metadata"]}
    assert metadata["ControlDeck report"] == "shift"
    assert len(tables) > 1
    assert view.service.verify(csv.read_bytes()).ok
    assert "written to" in view.shown.message.text()
    exported = [
        (r.username, r.target, r.new_value)
        for r in ctx.security.audit.records(since)
        if r.action == "report_exported"
    ]
    assert exported == [
        ("tess", str(pdf), sha256_hex(pdf.read_bytes())),
        ("tess", str(csv), sha256_hex(csv.read_bytes())),
    ]


def test_an_archived_file_is_found_at_its_recorded_path(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot, tmp_path: Path
) -> None:
    """A report written outside the console's folders (e.g. ``controldeck report --out``)."""
    view = make_view(ctx)
    end = ctx.security.clock() // MINUTE_NS * MINUTE_NS
    request = ReportRequest("alarms", end - 31 * MINUTE_NS, end, generated_by="tess")
    elsewhere = tmp_path / "elsewhere" / "alarms.pdf"
    result = view.service.export(request, elsewhere)
    entry = check(view.service, view.folder, result.record)
    assert (entry.state, entry.path) == (FileState.VERIFIED, elsewhere)
    elsewhere.unlink()
    entry = check(view.service, view.folder, result.record)
    assert entry.state is FileState.MISSING
    assert entry.problems[0].startswith(f"not at {elsewhere}; no file alarms.pdf in ")


def test_a_refresh_asked_during_a_read_reads_again(
    ctx: HmiContext,
    make_view: Callable[..., ReportsView],
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report archived while the list is being read is not lost: the refresh asked for it
    (dropped before, leaving a new report unlisted until the next manual refresh) reads again."""
    view = make_view(ctx)
    panel = view.archive
    qtbot.waitUntil(lambda: not panel.loading, timeout=GENERATE_MS)
    reads: list[int] = []
    real = archive_panel.load_archive
    monkeypatch.setattr(archive_panel, "load_archive", lambda *a: (reads.append(1), real(*a))[1])
    panel.refresh()
    panel.refresh()  # asked while the first read is under way
    assert panel.loading and panel.stale
    qtbot.waitUntil(lambda: len(reads) == 2 and not panel.loading, timeout=GENERATE_MS)
    assert not panel.stale


# -- verification states --------------------------------------------------------------------------
def test_verify_finds_a_modified_and_a_missing_file(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot
) -> None:
    view = make_view(ctx)
    report = generate(qtbot, view, "alarms", 28)
    state_becomes(qtbot, view, report.record.id, FileState.VERIFIED)
    assert report.path is not None
    data = bytearray(report.path.read_bytes())
    data[len(data) // 2] ^= 0x01
    report.path.write_bytes(bytes(data))
    assert view.archive.select(report.record.id)
    qtbot.mouseClick(view.archive.verify_button, Qt.MouseButton.LeftButton)
    state_becomes(qtbot, view, report.record.id, FileState.MODIFIED)
    assert "modified" in view.archive.status.text()
    row = view.archive.model.row_of(report.record.id)
    index = view.archive.model.index(row, view.archive.model.state_column)
    assert view.archive.model.data(index) == "✖ modified"
    assert view.archive.model.data(index, Qt.ItemDataRole.FontRole).bold()
    report.path.unlink()
    qtbot.mouseClick(view.archive.verify_button, Qt.MouseButton.LeftButton)
    state_becomes(qtbot, view, report.record.id, FileState.MISSING)


# -- log-on, touch ------------------------------------------------------------------------------
def test_logged_off_shows_only_how_to_log_on(
    make_ctx: Callable[..., HmiContext], make_view: Callable[..., ReportsView]
) -> None:
    view = make_view(make_ctx(user=""))
    assert view.status.text() == LOGGED_OFF
    assert not view.generate_button.isEnabled()
    assert not view.archive.refresh_button.isEnabled()
    assert view.archive.model.rowCount() == 0


def test_touch_mode_targets_are_large_enough(
    make_ctx: Callable[..., HmiContext], make_view: Callable[..., ReportsView]
) -> None:
    view = make_view(make_ctx(touch=True))
    buttons = view.findChildren(QAbstractButton)
    assert buttons
    small = [
        b.objectName() or b.text()
        for b in buttons
        if b.isVisible() and b.height() < TOUCH_MIN_TARGET_PX
    ]
    assert small == []


def test_the_preview_can_take_the_whole_view(
    ctx: HmiContext, make_view: Callable[..., ReportsView], qtbot: QtBot
) -> None:
    view = make_view(ctx)
    generate(qtbot, view, "alarms", 29)
    height = view.preview.pdf_view.height()
    qtbot.mouseClick(view.preview.expand_button, Qt.MouseButton.LeftButton)
    assert not view.archive.isVisible() and not view.request_panel.isVisible()
    qtbot.waitUntil(lambda: view.preview.pdf_view.height() > height)
    qtbot.mouseClick(view.preview.expand_button, Qt.MouseButton.LeftButton)
    assert view.archive.isVisible() and view.request_panel.isVisible()


# -- periods ------------------------------------------------------------------------------------
def _berlin(*args: int) -> int:
    return to_ns(datetime(*args, tzinfo=BERLIN))  # type: ignore[misc]


@pytest.mark.parametrize(
    ("preset", "now", "start", "end"),
    [
        ("yesterday", (2026, 3, 30, 10), (2026, 3, 29), (2026, 3, 30)),
        ("last week", (2026, 1, 14, 9), (2026, 1, 5), (2026, 1, 12)),
        ("last week", (2026, 1, 12, 0, 30), (2026, 1, 5), (2026, 1, 12)),
        ("last month", (2026, 3, 2, 8), (2026, 2, 1), (2026, 3, 1)),
        ("last month", (2026, 1, 15), (2025, 12, 1), (2026, 1, 1)),
    ],
)
def test_preset_windows_follow_the_plant_calendar(
    preset: str, now: tuple[int, ...], start: tuple[int, ...], end: tuple[int, ...]
) -> None:
    assert preset_window(preset, BERLIN, _berlin(*now)) == (_berlin(*start), _berlin(*end))


def test_yesterday_across_the_spring_change_has_23_hours() -> None:
    start, end = preset_window("yesterday", BERLIN, _berlin(2026, 3, 30, 12))
    assert (end - start) // (3600 * NS_PER_S) == 23


def test_last_shift_is_the_newest_complete_one() -> None:
    shifts = [Shift("early", time(6)), Shift("late", time(14)), Shift("night", time(22))]
    start, end, label = last_shift(BERLIN, shifts, _berlin(2026, 1, 14, 15, 30))
    assert (start, end) == (_berlin(2026, 1, 14, 6), _berlin(2026, 1, 14, 14))
    assert label.endswith("early")
    with pytest.raises(ValueError, match="no shifts"):
        preset_window("last shift", BERLIN, _berlin(2026, 1, 14), ())
