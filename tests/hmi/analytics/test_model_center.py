"""The Model Center on a real registry: two forecast versions trained on the machine's hourly
temperatures; promote and roll back change the active version and are audited; an operator
without ``configure_plant`` is refused (and that is audited too); no key gives a clear message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from core.analytics.baseline.store import hourly_means
from core.analytics.forecast import ForecastSettings
from core.analytics.forecast.training import FORECAST_KIND, ForecastTrainer
from core.analytics.registry import (
    MODEL_KEY_ENV,
    ModelRegistry,
    ModelVersion,
    decode_model_key,
    generate_model_key,
    load_model_key,
)
from core.model import NS_PER_S
from core.security.events import AuditAction
from core.security.tables import audit_trail
from hmi.context import HmiContext
from hmi.session import PlantSession
from hmi.views.analytics.forecast_job import HOUR_NS
from hmi.views.analytics.models import NO_KEY_TEXT, ModelCenterView
from tests.hmi.analytics.conftest import MachineHistory

SUBJECT = "machine1/temperature"
DAY_NS = 86_400 * NS_PER_S


@pytest.fixture(scope="module")
def model_key(
    plant: PlantSession, machine_history: MachineHistory
) -> Iterator[tuple[str, list[ModelVersion]]]:
    """A model key in the environment and two registered (unpromoted) forecast versions."""
    key_text = generate_model_key()
    historian = plant.collector.historian

    def series(subject: str, start: int, end: int) -> tuple:
        ts, means = hourly_means(historian, subject, start, end)[:2]
        return ts, means

    registry = ModelRegistry(historian.engine, decode_model_key(key_text))
    versions = []
    for days, history in ((14, 336), (21, 504)):
        settings = ForecastSettings(horizon=24, step_ns=HOUR_NS, max_history=history)
        end = machine_history.end_ns
        trained = ForecastTrainer(series, settings)(SUBJECT, end - days * DAY_NS, end)
        versions.append(
            registry.register(
                SUBJECT,
                FORECAST_KIND,
                trained.model,
                train_start_ns=end - days * DAY_NS,
                train_end_ns=end,
                params=trained.params,
                metrics=trained.metrics,
                author="ada",
            )
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MODEL_KEY_ENV, key_text)
        yield key_text, versions


def center(ctx: HmiContext, qtbot: QtBot) -> ModelCenterView:
    view = ModelCenterView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 700)
    view.show()
    qtbot.waitUntil(lambda: view.listing is not None and not view.task.busy, timeout=10_000)
    return view


def audited(ctx: HmiContext, action: str) -> list[tuple[str, str, str | None, str]]:
    """(user, outcome, new value, detail) of the audit rows of one action, oldest first."""
    c = audit_trail.c
    query = (
        select(c.username, c.outcome, c.new_value, c.detail)
        .where(c.action == action)
        .order_by(c.seq)
    )
    with ctx.historian.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(query)]


def test_versions_promote_rollback_compare(
    ctx: HmiContext, qtbot: QtBot, model_key: tuple[str, list[ModelVersion]]
) -> None:
    first, second = model_key[1]
    view = center(ctx, qtbot)
    registry = ModelRegistry(ctx.historian.engine, load_model_key())
    shown = [v for v in view.model.records if v.subject == SUBJECT]
    assert [v.version for v in shown] == [first.version, second.version]
    assert shown[0].metrics == first.metrics and shown[0].author == "ada"
    assert view.key_message.text().endswith(f"{load_model_key().key_id}.")
    for version in (first, second):
        assert view.select_version(SUBJECT, FORECAST_KIND, version.version)
        view.promote_button.click()
        qtbot.waitUntil(lambda: not view.task.busy and view.last_change is not None, timeout=10_000)
        qtbot.waitUntil(
            lambda v=version: registry.active(SUBJECT, FORECAST_KIND).version == v.version,
            timeout=10_000,
        )  # type: ignore[union-attr]
    qtbot.waitUntil(
        lambda: any(v.active and v.version == second.version for v in view.model.records),
        timeout=10_000,
    )
    assert view.select_version(SUBJECT, FORECAST_KIND, second.version)
    view.rollback_button.click()
    qtbot.waitUntil(
        lambda: registry.active(SUBJECT, FORECAST_KIND).version == first.version, timeout=10_000
    )  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: not view.task.busy, timeout=10_000)
    rows = [r for r in audited(ctx, AuditAction.MODEL_PROMOTED) if r[0] == "tess"][-3:]
    assert rows == [
        ("tess", "OK", f"v{first.version}", "promote"),
        ("tess", "OK", f"v{second.version}", "promote"),
        ("tess", "OK", f"v{first.version}", "rollback"),
    ]
    assert view.select_version(SUBJECT, FORECAST_KIND, first.version)
    assert view.select_version(SUBJECT, FORECAST_KIND, second.version, add=True)
    view.compare_button.click()
    qtbot.waitUntil(
        lambda: not view.task.busy and "against" in view.detail.toPlainText(), timeout=10_000
    )
    text = view.detail.toPlainText()
    assert "mase" in text and "max_history" in text and "rollback" in text


def test_an_operator_may_not_promote(
    make_ctx: object, qtbot: QtBot, model_key: tuple[str, list[ModelVersion]]
) -> None:
    ctx = make_ctx(user="otto")  # type: ignore[operator]
    view = center(ctx, qtbot)
    registry = ModelRegistry(ctx.historian.engine, load_model_key())
    before = registry.active(SUBJECT, FORECAST_KIND)
    target = (
        model_key[1][0]
        if before is None or before.version != model_key[1][0].version
        else model_key[1][1]
    )
    assert view.select_version(SUBJECT, FORECAST_KIND, target.version)
    view.promote_button.click()
    qtbot.waitUntil(lambda: not view.task.busy, timeout=10_000)
    assert "may not configure_plant" in view.status.text()
    assert view.status.property("result") == "failed"
    assert registry.active(SUBJECT, FORECAST_KIND) == before
    refused = audited(ctx, AuditAction.PERMISSION_REFUSED)
    assert refused[-1][:3] == ("otto", "REFUSED", "configure_plant")


def test_without_a_key_the_view_says_how_to_configure_one(
    ctx: HmiContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MODEL_KEY_ENV, raising=False)
    view = ModelCenterView(ctx, key_loader=lambda: load_model_key(keyring=False))
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: not view.task.busy and view.key_message.text() != "", timeout=10_000)
    assert view.key_message.text() == NO_KEY_TEXT and MODEL_KEY_ENV in NO_KEY_TEXT
    assert not view.promote_button.isEnabled() and not view.rollback_button.isEnabled()
    assert view.model.rowCount() == 0
