"""The alarm console and the banner against the real alarm engine of the running collector."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from core.alarms.states import AlarmState
from hmi.context import HmiContext
from hmi.views.alarms.console import AlarmConsole
from hmi.views.alarms.dialogs import ShelveDialog, TextDialog
from hmi.views.alarms.kpi_page import count_step
from hmi.widgets.alarm_banner import AlarmBanner
from tests.hmi.conftest import make_unacked

OVEN = "oven1/pv:high"
VOLTAGE = "meter1/voltage_l1:low"
PRESSURE = "boiler/pressure:high"
BOILER = "boiler/temperature:high"


@pytest.fixture
def console(ctx: HmiContext, qtbot: QtBot) -> AlarmConsole:
    view = AlarmConsole(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 700)
    view.show()
    return view


def answer_next_dialog(fill: callable) -> None:  # type: ignore[valid-type]
    """Fill and accept the next modal dialog (the console opens it with exec())."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog):
            QTimer.singleShot(20, act)
            return
        fill(dialog)
        dialog.accept()

    QTimer.singleShot(20, act)


def test_console_lists_the_engines_active_alarms_with_details(
    ctx: HmiContext, console: AlarmConsole, qtbot: QtBot
) -> None:
    active = {i.name for i in ctx.alarms.snapshot.active()}
    assert {OVEN, VOLTAGE, BOILER} <= active
    qtbot.waitUntil(lambda: console.active.model.rowCount() >= 3, timeout=5000)
    assert {i.name for i in console.active.model.items} == active
    assert console.active.select_alarm(BOILER)
    details = console.active.details.body.toPlainText()
    assert "Burner keeps firing" in details
    assert "Relief valve lifts" in details
    assert "Lower the setpoint" in details


@pytest.mark.parametrize(
    ("priority", "expected"),
    [("critical", {OVEN}), ("high", {BOILER}), ("medium", {VOLTAGE}), ("low", {PRESSURE})],
)
def test_priority_filter(console: AlarmConsole, priority: str, expected: set[str]) -> None:
    console.show_priority(priority)
    shown = {i.name for i in console.active.page_items()}
    assert shown == expected


@pytest.mark.parametrize(
    ("area", "text", "expected"),
    [
        ("utilities", "", {VOLTAGE}),
        ("", "oven", {OVEN}),
        ("boiler house", "pressure", {PRESSURE}),
        ("", "no such alarm", set()),
    ],
)
def test_area_and_text_filters(
    console: AlarmConsole, area: str, text: str, expected: set[str]
) -> None:
    page = console.active
    page.area.setCurrentIndex(page.area.findData(area))
    page.text.setText(text)
    assert {i.name for i in page.page_items()} == expected


def test_sorting_by_priority_puts_the_critical_alarm_first(console: AlarmConsole) -> None:
    console.active.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
    assert console.active.proxy.item(0).name == OVEN
    console.active.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert console.active.proxy.item(0).name == PRESSURE


def test_acknowledge_selected_changes_the_engine_and_the_banner(
    ctx: HmiContext, console: AlarmConsole, qtbot: QtBot
) -> None:
    make_unacked(ctx, OVEN)
    banner = AlarmBanner(ctx.clock)
    qtbot.addWidget(banner)
    ctx.bridge.alarms_changed.connect(banner.show_snapshot)
    banner.show_snapshot(ctx.alarms.snapshot)
    console.show_snapshot(ctx.alarms.snapshot)
    assert banner.unacked_counts["critical"] == 1
    assert OVEN in banner.shown
    assert console.active.select_alarm(OVEN)
    qtbot.mouseClick(console.active.buttons["ack"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: ctx.alarms.engine.state(OVEN).state is AlarmState.ACKED, timeout=5000)
    qtbot.waitUntil(lambda: banner.unacked_counts["critical"] == 0, timeout=5000)
    assert banner.counts["critical"] == 1, "acknowledged, still active"
    assert OVEN not in banner.shown
    assert (
        console.active.model.items[[i.name for i in console.active.model.items].index(OVEN)].state
        is AlarmState.ACKED
    )
    qtbot.waitUntil(lambda: "ack done" in console.status.text(), timeout=5000)


def test_acknowledge_page_acknowledges_every_filtered_alarm(
    ctx: HmiContext, console: AlarmConsole, qtbot: QtBot
) -> None:
    make_unacked(ctx, VOLTAGE)
    make_unacked(ctx, OVEN)
    console.show_snapshot(ctx.alarms.snapshot)
    console.active.area.setCurrentIndex(console.active.area.findData("utilities"))
    qtbot.mouseClick(console.active.buttons["ack_page"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: ctx.alarms.engine.state(VOLTAGE).state is AlarmState.ACKED, timeout=5000
    )
    assert ctx.alarms.engine.state(OVEN).state is AlarmState.UNACK, "filtered out: untouched"


def test_shelve_with_duration_and_reason_then_unshelve(
    ctx: HmiContext, console: AlarmConsole, qtbot: QtBot
) -> None:
    assert console.active.select_alarm(PRESSURE)

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, ShelveDialog)
        dialog.duration.setCurrentIndex(0)
        dialog.reason.setText("transmitter being recalibrated")

    answer_next_dialog(fill)
    qtbot.mouseClick(console.active.buttons["shelve"], Qt.MouseButton.LeftButton)
    engine = ctx.alarms.engine
    qtbot.waitUntil(lambda: engine.state(PRESSURE).state is AlarmState.SHELVED, timeout=5000)
    row = engine.state(PRESSURE)
    assert row.shelve_reason == "transmitter being recalibrated"
    assert row.shelved_until_ns is not None
    qtbot.waitUntil(lambda: console.shelved.select_alarm(PRESSURE), timeout=5000)
    assert PRESSURE not in {i.name for i in console.active.model.items}
    qtbot.mouseClick(console.shelved.buttons["unshelve"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: engine.state(PRESSURE).state is not AlarmState.SHELVED, timeout=5000)
    assert engine.state(PRESSURE).state in (AlarmState.UNACK, AlarmState.ACKED)


def test_comment_and_out_of_service_are_journaled(
    ctx: HmiContext, console: AlarmConsole, qtbot: QtBot
) -> None:
    assert console.active.select_alarm(BOILER)
    answer_next_dialog(lambda d: d.text.setText("checked on site"))  # type: ignore[attr-defined]
    qtbot.mouseClick(console.active.buttons["comment"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "comment done" in console.status.text(), timeout=5000)

    def reference(dialog: QDialog) -> None:
        assert isinstance(dialog, TextDialog)
        dialog.text.setText("WO-4711")

    answer_next_dialog(reference)
    qtbot.mouseClick(console.active.buttons["remove_from_service"], Qt.MouseButton.LeftButton)
    engine = ctx.alarms.engine
    qtbot.waitUntil(lambda: engine.state(BOILER).state is AlarmState.OUT_OF_SERVICE, timeout=5000)
    assert engine.state(BOILER).oos_reference == "WO-4711"
    qtbot.waitUntil(lambda: console.out_of_service.select_alarm(BOILER), timeout=5000)
    qtbot.mouseClick(console.out_of_service.buttons["return_to_service"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: engine.state(BOILER).state is not AlarmState.OUT_OF_SERVICE, timeout=5000
    )
    console.tabs.setCurrentWidget(console.journal)
    qtbot.waitUntil(lambda: console.journal.model.rowCount() > 0, timeout=5000)
    console.journal.text.setText("WO-4711")
    events = {
        console.journal.proxy.record(r).event for r in range(console.journal.proxy.rowCount())
    }
    assert "remove_from_service" in events
    console.journal.text.setText("checked on site")
    assert console.journal.proxy.rowCount() >= 1


def test_refused_action_shows_the_reason(
    ctx: HmiContext, console: AlarmConsole, qtbot: QtBot
) -> None:
    item = next(i for i in ctx.alarms.snapshot.active() if i.name == VOLTAGE)
    console.run("shelve", [VOLTAGE], lambda: ctx.alarms.shelve(VOLTAGE, 10 * 86400, "x", "op"))
    qtbot.waitUntil(lambda: "refused" in console.status.text(), timeout=5000)
    assert "shelve duration" in console.status.text()
    assert ctx.alarms.engine.state(item.name).state is not AlarmState.SHELVED


def test_kpi_page_computes_the_eemua_figures(console: AlarmConsole, qtbot: QtBot) -> None:
    console.tabs.setCurrentWidget(console.kpis)
    qtbot.waitUntil(lambda: console.kpis.kpis is not None, timeout=10000)
    kpis = console.kpis.kpis
    assert kpis is not None
    assert kpis.total_alarms >= 4
    assert set(kpis.priority_counts) >= {"critical", "high", "medium", "low"}
    figures = {
        console.kpis.figures.itemAtPosition(r, 0).widget().text()
        for r in range(1, console.kpis.figures.rowCount())
    }
    assert {"Average per 10 min", "Time in flood", "Chattering alarms"} <= figures
    assert console.kpis.priority_plot.getPlotItem().listDataItems()


@pytest.mark.parametrize(
    ("largest", "step"),
    [(0, 1), (1, 1), (5, 1), (6, 2), (10, 2), (11, 5), (25, 5), (26, 10), (240, 50), (251, 100)],
)
def test_count_axis_steps_are_whole_numbers(largest: int, step: int) -> None:
    assert count_step(largest) == step


def test_a_new_journal_period_while_a_query_runs_is_queried_not_dropped(
    console: AlarmConsole, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The newest query wins: choosing another period while one is read shows that period's
    rows (a busy flag dropped the second query and left the first period's rows)."""
    page = console.journal
    qtbot.waitUntil(lambda: not page.task.busy, timeout=10_000)
    asked: list[int] = []
    real = console.ctx.alarms.journal

    def journal(start: int, end: int, alarm: str | None = None) -> Any:
        asked.append(end - start)
        return real(start, end, alarm)

    monkeypatch.setattr(console.ctx.alarms, "journal", journal)
    page.period.setCurrentIndex(0)
    page.query()
    page.period.setCurrentIndex(page.period.count() - 1)
    page.query()  # while the first one is still in the worker pool
    qtbot.waitUntil(lambda: not page.task.busy, timeout=10_000)
    assert len(asked) == 2 and asked[0] != asked[1]
    assert page.status.text().endswith("journal entries")
