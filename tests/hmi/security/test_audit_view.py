"""The Audit view: filters, verify (intact, then the first broken link after tampering with a
copy of the store whose append-only triggers were dropped), and the audited CSV export."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from core.config import PlantConfig
from core.security.config import security_config_for
from core.security.roles import Role
from core.security.service import SecurityServices
from core.store import database
from core.store.historian import Historian
from hmi.security.access import AccessContext
from hmi.views.audit import LOGGED_OFF, AuditView
from tests.hmi.security.conftest import (
    ADMIN_PASSWORD,
    OPERATOR_PASSWORD,
    FakeClock,
    create_accounts,
    log_on,
)

SUPERVISOR_PASSWORD = "Granite-Orchard-Pelican-44"


@pytest.fixture
def trail(services: SecurityServices, clock: FakeClock) -> SecurityServices:
    """Accounts, a supervisor, a refused log-on and a few hours of activity."""
    admin, _olaf = create_accounts(services)
    services.admin.add_user(
        admin, "sue", SUPERVISOR_PASSWORD, frozenset({Role.SUPERVISOR}), full_name="Sue Park"
    )
    for hours, (name, password) in enumerate(
        [("olaf", OPERATOR_PASSWORD), ("olaf", "Wrong-Harbour-Lantern-00"), ("ada", ADMIN_PASSWORD)]
    ):
        clock.advance(3600 * (hours + 1))
        try:
            services.auth.login(name, password, "panel-2")
        except Exception:  # the refused log-on is part of the trail
            continue
    return services


def open_view(access: AccessContext, qtbot: QtBot) -> AuditView:
    view = AuditView(access)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.page is not None, timeout=10_000)
    return view


def test_filters_by_period_user_action_and_outcome(
    access: AccessContext, trail: SecurityServices, clock: FakeClock, qtbot: QtBot
) -> None:
    view = AuditView(access)
    qtbot.addWidget(view)
    view.show()
    assert view.model.rowCount() == 0 and view.count.text() == LOGGED_OFF
    log_on(qtbot, access, "sue", SUPERVISOR_PASSWORD)
    qtbot.waitUntil(lambda: view.page is not None, timeout=10_000)
    everything = len(trail.audit.records())
    assert view.model.rowCount() == everything
    assert {"ada", "olaf", "sue"} <= {view.user.itemData(i) for i in range(view.user.count())}

    def choose(combo_name: str, value: object) -> None:
        combo = getattr(view, combo_name)
        combo.setCurrentIndex(combo.findData(value))
        view.page = None
        view.refresh()
        qtbot.waitUntil(lambda: view.page is not None, timeout=10_000)

    choose("outcome", "FAILED")
    assert [(r.action, r.username) for r in view.model.records] == [("login_failed", "olaf")]
    assert view.model.data(view.model.index(0, 9)) == "✖ FAILED"
    choose("outcome", "")
    choose("user", "olaf")
    assert {r.username for r in view.model.records} == {"olaf"}
    choose("action", "login")
    assert [r.station for r in view.model.records] == ["panel-2"]
    choose("user", "")
    choose("action", "")
    clock.advance(2 * 86400)
    choose("period", 3600.0)
    assert view.model.rowCount() == 0
    choose("period", None)
    assert view.model.rowCount() == len(trail.audit.records())


def test_verify_shows_intact_and_export_is_audited(
    access: AccessContext, trail: SecurityServices, qtbot: QtBot, tmp_path: Path
) -> None:
    log_on(qtbot, access, "sue", SUPERVISOR_PASSWORD)
    view = open_view(access, qtbot)
    with qtbot.waitSignal(view.verified, timeout=10_000):
        view.verify()
    assert view.report is not None and view.report.ok
    assert view.verdict.text().startswith("✔ audit trail intact")
    assert view.verdict.property("result") == "confirmed"
    out = tmp_path / "audit.csv"
    rows_before = len(trail.audit.records())
    view.export_to(out)
    qtbot.waitUntil(lambda: "written to" in view.status.text(), timeout=10_000)
    with open(out, newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    assert len(exported) == rows_before
    assert exported[0]["seq"] == "1" and exported[0]["hash"]
    last = trail.audit.records()[-1]
    assert (last.action, last.username, last.target) == ("audit_export", "sue", str(out))
    assert last.new_value == f"{rows_before} rows"


def test_an_operator_may_not_export(
    access: AccessContext, trail: SecurityServices, qtbot: QtBot, tmp_path: Path
) -> None:
    log_on(qtbot, access, "olaf", OPERATOR_PASSWORD)
    view = open_view(access, qtbot)
    assert not view.export_button.isVisibleTo(view)
    view.export_to(tmp_path / "audit.csv")
    qtbot.waitUntil(lambda: view.status.text().startswith("Refused"), timeout=10_000)
    assert "may not export" in view.status.text()
    assert not (tmp_path / "audit.csv").exists()
    assert trail.audit.records()[-1].action == "permission_refused"


def _tampered_copy(historian: Historian, target: Path, sql: str) -> None:
    with (
        sqlite3.connect(str(historian.url.database)) as source,
        sqlite3.connect(target) as copy,
    ):
        source.backup(copy)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER audit_trail_no_update")
        conn.execute("DROP TRIGGER audit_trail_no_delete")
        conn.execute(sql)
    finally:
        conn.close()


@pytest.fixture
def copy_services(
    plant_config: PlantConfig, historian: Historian, clock: FakeClock, tmp_path: Path
) -> Iterator[Callable[[str], SecurityServices]]:
    """Security services on a tampered copy of the store (its own copy of the checkpoint)."""
    engines = []

    def open_copy(sql: str) -> SecurityServices:
        target = tmp_path / "copy.db"
        _tampered_copy(historian, target, sql)
        checkpoint = tmp_path / "copy.checkpoint.json"
        shutil.copy(tmp_path / "audit" / "checkpoint.json", checkpoint)
        config = security_config_for(plant_config).model_copy(
            update={"checkpoint_file": str(checkpoint)}
        )
        engine = database.make_engine(database.resolve_url(f"sqlite:///{target}", tmp_path))
        engines.append(engine)
        return SecurityServices.open(
            plant_config, engine, clock=clock, security=config, create_key=False
        )

    yield open_copy
    for engine in engines:
        engine.dispose()


@pytest.mark.parametrize(
    ("sql", "seq", "words"),
    [
        ("UPDATE audit_trail SET target = 'root' WHERE seq = 2", 2, "hash mismatch"),
        ("UPDATE audit_trail SET outcome = 'OK' WHERE action = 'login_failed'", 5, "altered"),
        ("DELETE FROM audit_trail WHERE seq = 3", 3, "missing"),
    ],
)
def test_verify_names_the_first_broken_link_after_tampering(
    trail: SecurityServices,
    copy_services: Callable[[str], SecurityServices],
    make_access: Callable[..., AccessContext],
    qtbot: QtBot,
    sql: str,
    seq: int,
    words: str,
) -> None:
    assert trail.audit.verify().ok
    access = make_access(copy_services(sql))
    log_on(qtbot, access, "sue", SUPERVISOR_PASSWORD)
    view = open_view(access, qtbot)
    with qtbot.waitSignal(view.verified, timeout=10_000):
        view.verify()
    assert view.report is not None and not view.report.ok
    assert view.report.first_bad_seq == seq
    assert view.verdict.text().startswith(f"✖ audit trail BROKEN at seq {seq}")
    assert words in view.verdict.text()
    assert view.verdict.property("result") == "failed"
    assert view.seq.text() == str(seq)
    selected = view.table.selectionModel().selectedRows()
    if words != "missing":
        assert [view.proxy.record(i.row()).seq for i in selected] == [seq]
