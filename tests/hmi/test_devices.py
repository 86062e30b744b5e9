"""Devices view, faceplate, OPC-UA browse and setpoint writes against the simulated boiler."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from core.security.events import Outcome
from hmi.context import HmiContext
from hmi.models.tag_tree import NODE_ROLE
from hmi.views.devices.browse import count_nodes
from hmi.views.devices.view import DevicesView
from hmi.widgets.write_dialog import WriteDialog
from hmi.writes import check_write, driver_for_tag
from tests.hmi.conftest import live_value

SETPOINT = "boiler/setpoint"


@pytest.fixture
def devices(ctx: HmiContext, qtbot: QtBot) -> DevicesView:
    view = DevicesView(ctx)
    qtbot.addWidget(view)
    view.resize(1300, 800)
    view.show()
    return view


def test_tree_has_sites_areas_devices_and_tags_with_live_values(
    devices: DevicesView, qtbot: QtBot
) -> None:
    model = devices.model
    sites = [n.name for n in model.root.children]
    assert "HMI test plant" in sites
    areas = {a.name for s in model.root.children for a in s.children}
    assert {"boiler house", "utilities"} <= areas
    assert {"boiler", "oven1", "meter1"} <= set(model.devices)
    tag = devices.ctx.tag("boiler/temperature")
    assert tag is not None
    index = model.index_of_tag(tag.id)
    qtbot.waitUntil(
        lambda: model.index(index.row(), 1, index.parent()).data() != "---", timeout=5000
    )
    value = float(model.index(index.row(), 1, index.parent()).data())
    assert 20 < value < 95
    assert model.index(index.row(), 2, index.parent()).data() in ("degC", "°C")
    assert model.index(index.row(), 3, index.parent()).data() == "good"
    assert "(" in model.index(index.row(), 4, index.parent()).data(), "last update with its age"
    device = model.index_of_device("oven1")
    qtbot.waitUntil(
        lambda: model.index(device.row(), 1, device.parent()).data() == "online", timeout=5000
    )


def test_area_view_and_filter(devices: DevicesView) -> None:
    devices.show_area("utilities")
    root = devices.tree.rootIndex()
    assert root.data() == "utilities"
    shown = {devices.proxy.index(r, 0, root).data() for r in range(devices.proxy.rowCount(root))}
    assert shown == {"meter1"}
    devices.show_area("")
    devices.filter.setText("voltage_l1")
    assert devices.select_tag("meter1/voltage_l1")
    node = devices.proxy.data(devices.tree.currentIndex(), NODE_ROLE)
    assert node.tag.name == "meter1/voltage_l1"


def test_faceplate_shows_key_values_mini_trend_alarms_and_writable_points(
    devices: DevicesView, qtbot: QtBot
) -> None:
    devices.show_device("boiler")
    plate = devices.faceplate
    assert plate is not None and plate.device == "boiler"
    names = [t.name for t in plate.values_model.records]
    assert names[0] == "boiler/temperature", "the alarmed tag first"
    assert SETPOINT in plate.write_buttons
    assert [t.name for t in plate.trend_tags()] == ["boiler/temperature", SETPOINT]
    first = plate.trend_tags()[0].id
    qtbot.waitUntil(lambda: plate.curves[first][0].getData()[0] is not None, timeout=10_000)
    alarms = {i.name for i in plate.alarm_model.items}
    assert {"boiler/temperature:high", "boiler/pressure:high"} & alarms


def test_setpoint_write_goes_through_confirmation_and_reaches_the_simulator(
    devices: DevicesView, qtbot: QtBot
) -> None:
    ctx = devices.ctx
    devices.show_device("boiler")
    tag = ctx.tag(SETPOINT)
    assert tag is not None
    old = live_value(ctx, SETPOINT)
    assert old is not None
    new = 61.5 if abs(old - 61.5) > 0.1 else 62.5
    dialog = devices.faceplate.open_write(tag)  # type: ignore[union-attr]
    qtbot.addWidget(dialog)
    dialog.new_value.setText(f"{new}")
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 1, "asks for confirmation first"
    assert "→" in dialog.summary.text() and f"{new:.2f}" in dialog.summary.text()
    assert live_value(ctx, SETPOINT) == pytest.approx(old), "nothing written before confirming"
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.write_result is not None, timeout=15_000)
    result = dialog.write_result
    assert result is not None
    assert result.outcome is Outcome.CONFIRMED, result.detail
    assert float(result.read_back) == pytest.approx(new)
    assert dialog.result_label.text().startswith("CONFIRMED")
    driver = driver_for_tag(ctx.collector.drivers, SETPOINT)
    assert driver is not None and driver.kind == "opcua"
    qtbot.waitUntil(lambda: live_value(ctx, SETPOINT) == pytest.approx(new), timeout=10_000)
    audited = [r for r in ctx.security.audit.records(after_seq=result.audit_seq - 1)]
    assert audited[0].target == SETPOINT and audited[0].username == "tess"
    assert audited[0].outcome == "CONFIRMED" and audited[0].new_value is not None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("150", "above the engineering maximum 95"),
        ("5", "below the engineering minimum 20"),
        ("hot", "is not a number"),
        ("nan", "finite"),
    ],
)
def test_out_of_range_write_is_refused_with_the_reason(
    devices: DevicesView, qtbot: QtBot, text: str, reason: str
) -> None:
    ctx = devices.ctx
    tag = ctx.tag(SETPOINT)
    assert tag is not None
    before = live_value(ctx, SETPOINT)
    dialog = WriteDialog(ctx, tag)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.new_value.setText(text)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == 0, "never reaches the confirmation"
    assert reason in dialog.refusal
    assert dialog.message.text().startswith("Refused:")
    assert dialog.write_result is None
    assert live_value(ctx, SETPOINT) == pytest.approx(before)


@pytest.mark.parametrize(
    ("tag", "text", "allowed"),
    [
        ("boiler/setpoint", "20", True),
        ("boiler/setpoint", "95.0", True),
        ("boiler/setpoint", "95,5", False),
        ("boiler/setpoint", "60,5", True),
        ("boiler/temperature", "50", False),
        ("nope/tag", "1", False),
    ],
)
def test_check_write_table(ctx: HmiContext, tag: str, text: str, allowed: bool) -> None:
    assert check_write(ctx.tag(tag), text).allowed is allowed


def test_touch_keypad_types_the_setpoint(make_ctx: object, qtbot: QtBot) -> None:
    ctx = make_ctx(touch=True)  # type: ignore[operator]
    tag = ctx.tag(SETPOINT)
    dialog = WriteDialog(ctx, tag)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.keypad is not None
    for key in ("7", "2", ".", "5", "±", "±", "⌫", "0"):
        qtbot.mouseClick(dialog.keypad.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.new_value.text() == "72.0"
    assert all(b.height() >= 48 and b.width() >= 48 for b in dialog.keypad.keys.values())
    assert dialog.check()


def test_write_needs_a_logged_on_user(make_ctx: object, qtbot: QtBot) -> None:
    ctx = make_ctx(user="")  # type: ignore[operator]
    asked: list[bool] = []
    ctx.nav.login_requested.connect(lambda: asked.append(True))
    dialog = WriteDialog(ctx, ctx.tag(SETPOINT))
    qtbot.addWidget(dialog)
    dialog.new_value.setText("55")
    assert dialog.check()
    dialog.confirm()
    assert asked and dialog.write_result is None
    assert "Log on" in dialog.summary.text()


def test_browse_lists_the_opcua_address_space(devices: DevicesView, qtbot: QtBot) -> None:
    dialog = devices.open_browse()
    qtbot.addWidget(dialog)
    assert dialog.drivers[0].kind == "opcua"
    qtbot.waitUntil(lambda: bool(dialog.nodes), timeout=20_000)
    addresses: list[str] = []

    def walk(nodes: object) -> None:
        for node in nodes:  # type: ignore[attr-defined]
            addresses.append(node.address)
            walk(node.children)

    walk(dialog.nodes)
    assert any("Boiler.Setpoint" in a for a in addresses)
    assert dialog.tree.topLevelItemCount() >= 1
    assert str(count_nodes(dialog.nodes)) in dialog.status.text()
