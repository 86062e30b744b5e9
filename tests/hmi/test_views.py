"""Overview, diagnostics and maintenance views on the running plant."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.alarms.tickets import TicketStatus
from core.model import QuarantineRecord, now_ns
from drivers.base import DriverStatus, LinkState
from hmi.bridge import take_status
from hmi.context import HmiContext
from hmi.logging_setup import setup_logging
from hmi.views.diagnostics import DiagnosticsView
from hmi.views.maintenance import MaintenanceView
from hmi.views.overview import UPTIME_TAG, OverviewView


def test_overview_tiles_areas_and_devices(ctx: HmiContext, qtbot: QtBot) -> None:
    view = OverviewView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 760)
    view.show()
    kinds = {t.property("kind"): t for t in view.tiles.values()}
    assert {"temperature", "power", "uptime"} <= set(kinds)
    temperature = kinds["temperature"]
    assert temperature.tag in ("boiler/temperature", "oven1/pv")
    qtbot.waitUntil(lambda: temperature.value.text() != "---", timeout=10_000)
    assert temperature.range is not None, "normal range from the alarm limit / eng range"
    qtbot.waitUntil(lambda: len(temperature.spark.buffer) >= 2, timeout=10_000)
    assert kinds["power"].tag == "meter1/total_power"
    qtbot.waitUntil(lambda: view.tiles[UPTIME_TAG].last is not None, timeout=5000)
    snapshot = ctx.alarms.snapshot
    area = view.areas["boiler house"]
    qtbot.waitUntil(
        lambda: (
            sum(int(label.text()) for label in area.counts.values())
            == len(snapshot.for_area("boiler house"))
        ),
        timeout=5000,
    )
    qtbot.waitUntil(lambda: view.device_model.rowCount() >= 3, timeout=5000)
    rows = {r.name: r for r in view.device_model.records}
    assert rows["boiler"].state == "online" and rows["boiler"].area == "boiler house"
    assert rows["oven1"].last_seen_ns > now_ns() - 30 * 10**9
    assert "online" in area.caption.text()


def test_overview_navigation_requests(ctx: HmiContext, qtbot: QtBot) -> None:
    view = OverviewView(ctx)
    qtbot.addWidget(view)
    with qtbot.waitSignal(ctx.nav.show_area) as area:
        view.areas["utilities"].open_button.click()
    assert area.args == ["utilities"]
    tile = next(t for t in view.tiles.values() if t.property("kind") == "power")
    with qtbot.waitSignal(ctx.nav.trend_tag) as trend:
        tile.trend_button.click()
    assert trend.args == ["meter1/total_power"]


def test_diagnostics_counters_drivers_quarantine_and_log(
    ctx: HmiContext, qtbot: QtBot, tmp_path: Path
) -> None:
    handler = setup_logging(tmp_path / "logs")
    try:
        logging.getLogger("hmi.test").warning("diagnostics test marker %d", 42)
        handler.flush()
        view = DiagnosticsView(ctx, tmp_path / "logs")
        qtbot.addWidget(view)
        view.show()
        qtbot.waitUntil(lambda: view.counters.rowCount() > 0, timeout=5000)
        counters = {r.name: r for r in view.counters.records}
        assert counters["received"].value > 0
        qtbot.waitUntil(lambda: any(r.rate > 0 for r in view.counters.records), timeout=5000)
        drivers = {d["name"]: d for d in view.drivers.records}
        assert drivers["boiler"]["kind"] == "opcua" and drivers["boiler"]["state"] == "online"
        assert "modbus" in drivers
        assert view.store_label.text().startswith("store online")
        ctx.collector.pipeline.reject(
            QuarantineRecord("mqtt:test", "not_json", "payload '{oops' is not JSON", now_ns())
        )
        view.tabs.setCurrentIndex(1)

        def quarantined() -> bool:
            view.refresh_quarantine()  # the operator's "Refresh" (the writer stores it async)
            return any(r["reason"] == "not_json" for r in view.quarantine.records)

        qtbot.waitUntil(quarantined, timeout=5000)
        assert "not_json" in view.quarantine_status.text()
        view.tabs.setCurrentIndex(2)
        panel = view.log_panel
        qtbot.waitUntil(lambda: panel.model.rowCount() > 0, timeout=5000)
        panel.text.setText("diagnostics test marker 42")
        assert panel.proxy.rowCount() == 1
        panel.level.setCurrentIndex(3)  # ERROR and above
        assert panel.proxy.rowCount() == 0
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()


def mqtt_status(name: str, protocol: str) -> dict[str, object]:
    """An MQTT driver's status as the driver leaves it after a CONNACK (or before one: "")."""
    status = DriverStatus(name, "mqtt", endpoint="127.0.0.1:1883", protocol=protocol)
    status.set_state(LinkState.ONLINE if protocol else LinkState.CONNECTING)
    return status.as_dict()


def test_diagnostics_shows_the_negotiated_mqtt_protocol(ctx: HmiContext, qtbot: QtBot) -> None:
    view = DiagnosticsView(ctx)
    qtbot.addWidget(view)
    ctx.bridge.status_changed.disconnect(view.on_status)  # only the status given here
    status = take_status(ctx.collector)
    drivers = status.collector["drivers"]
    drivers += [mqtt_status("broker5", "5"), mqtt_status("fallback", "3.1.1")]
    drivers.append(mqtt_status("waiting", ""))
    view.on_status(status)
    header = [view.drivers.headerData(c, Qt.Orientation.Horizontal) for c in range(10)]
    column = header.index("Protocol")
    shown = {
        view.drivers.index(row, 0).data(): view.drivers.index(row, column).data()
        for row in range(view.drivers.rowCount())
    }
    assert shown["broker5"] == "MQTT 5" and shown["fallback"] == "MQTT 3.1.1"
    assert shown["waiting"] == "" and shown["boiler"] == "" and shown["modbus"] == ""


def test_maintenance_ticket_lifecycle(ctx: HmiContext, qtbot: QtBot) -> None:
    view = MaintenanceView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10_000)
    ticket = next(t for t in view.model.records if t.source == "oven1/pv:high")
    assert ticket.priority == "critical"
    assert view.select_ticket(ticket.id)
    qtbot.waitUntil(lambda: view.ticket is not None and view.ticket.id == ticket.id, timeout=5000)
    assert "Switch the oven to manual" in view.detail.toPlainText()
    if view.ticket.status == TicketStatus.OPEN:
        view.advance()
        qtbot.waitUntil(lambda: view.ticket.status == TicketStatus.IN_PROGRESS, timeout=5000)
    view.assign("shift B electricians")
    qtbot.waitUntil(lambda: view.ticket.assignee == "shift B electricians", timeout=5000)
    view.add_note("controller replaced")
    qtbot.waitUntil(
        lambda: any(n.text == "controller replaced" for n in view.ticket.notes), timeout=5000
    )
    assert "controller replaced" in view.detail.toPlainText()


def test_a_list_refresh_keeps_the_ticket_being_worked_on(ctx: HmiContext, qtbot: QtBot) -> None:
    view = MaintenanceView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 1, timeout=10_000)
    chosen = view.model.records[0]
    assert view.select_ticket(chosen.id)
    qtbot.waitUntil(lambda: view.ticket is not None and view.ticket.id == chosen.id, timeout=5000)
    others = [t for t in view.model.records if t.id != chosen.id]
    view._loaded([chosen, *others[:-1]])  # a new or closed ticket changes the count: a reset
    assert view.ticket is not None and view.ticket.id == chosen.id, "the detail never blanks"
    assert view.assign_button.isEnabled() or chosen.status == TicketStatus.CLOSED
    view._loaded(others)  # the ticket left the list (e.g. closed under the "open" filter)
    assert view.ticket is None


def test_ticket_changes_need_the_manage_tickets_permission(make_ctx: object, qtbot: QtBot) -> None:
    ctx = make_ctx(user="otto")  # type: ignore[operator]
    view = MaintenanceView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=10_000)
    first = view.model.records[0]
    view.select_ticket(first.id)
    qtbot.waitUntil(lambda: view.ticket is not None, timeout=5000)
    view.add_note("an operator may not do this")
    qtbot.waitUntil(lambda: "refused" in view.status.text(), timeout=5000)
    assert "manage_tickets" in view.status.text()


@pytest.mark.parametrize("user", ["", "otto"])
def test_alarm_actions_without_rights(make_ctx: object, qtbot: QtBot, user: str) -> None:
    from hmi.views.alarms.console import AlarmConsole

    ctx = make_ctx(user=user)  # type: ignore[operator]
    console = AlarmConsole(ctx)
    qtbot.addWidget(console)
    asked: list[bool] = []
    ctx.nav.login_requested.connect(lambda: asked.append(True))
    item = next(i for i in ctx.alarms.snapshot.active() if i.name == "meter1/voltage_l1:low")
    console.perform("return_to_service", [item])
    if not user:
        assert asked and "log on first" in console.status.text()
    else:
        qtbot.waitUntil(lambda: "refused" in console.status.text(), timeout=5000)
        assert "otto" in console.status.text()
