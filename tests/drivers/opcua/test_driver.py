"""The OPC-UA driver against a real asyncua server on 127.0.0.1: values, writes, browse."""

from __future__ import annotations

import time

import pytest

from core.model import Quality
from drivers.base import LinkState, WriteOutcome, WriteRequest
from tests.conftest import free_port
from tests.drivers.opcua.boiler_server import SERVICED_AT
from tests.drivers.opcua.conftest import BoilerServer, make_config, tag_values, wait_state

NODES = [
    {"tag": "boiler/temperature", "node": "ns=2;s=Boiler.Temperature", "sampling_interval_ms": 100},
    {"tag": "boiler/pressure", "browse_path": "0:Objects/2:Boiler/2:Pressure"},
    {"tag": "boiler/setpoint", "node": "ns=2;s=Boiler.Setpoint", "writable": True},
    {"tag": "boiler/mode", "node": "ns=2;s=Boiler.Mode", "writable": True},
    {"tag": "boiler/running", "node": "ns=2;s=Boiler.Running", "writable": True},
    {"tag": "boiler/fluegas", "node": "ns=2;s=Boiler.FlueGas"},
    {
        "tag": "boiler/level",
        "node": "ns=2;s=Boiler.Level",
        "unit": "m",
        "description": "Drum level",
    },
    {"tag": "boiler/serviced", "node": "ns=2;s=Boiler.Serviced"},
    {"tag": "boiler/missing", "node": "ns=2;s=Boiler.DoesNotExist"},
    {"tag": "boiler/missing_path", "browse_path": "0:Objects/2:Boiler/2:DoesNotExist"},
]
TAGS = [n["tag"] for n in NODES]


def _latest(readings, tag):
    values = tag_values(readings, tag)
    return values[-1] if values else None


def test_subscribed_values_arrive_with_quality_and_source_timestamps(
    plain_server: BoilerServer, run_driver
) -> None:
    driver, sink = run_driver(make_config(plain_server.endpoint, NODES))
    assert sink.wait_for(lambda rs: {r.tag for r in rs} >= set(TAGS), 10), sink.readings()
    assert sink.wait_for(lambda rs: len(tag_values(rs, "boiler/temperature")) >= 4, 10)
    readings = sink.readings()
    expected = {
        "boiler/setpoint": Quality.GOOD,
        "boiler/running": Quality.GOOD,
        "boiler/fluegas": Quality.BAD_SENSOR_FAULT,
        "boiler/level": Quality.UNCERTAIN_LAST_USABLE,
        "boiler/serviced": Quality.GOOD,
        "boiler/missing": Quality.BAD_CONFIG,
        "boiler/missing_path": Quality.BAD_CONFIG,
    }
    assert {tag: _latest(readings, tag).quality for tag in expected} == expected
    assert (
        _latest(readings, "boiler/serviced").ts_ns
        == int(SERVICED_AT.timestamp()) * 10**9 + 250_000_000
    )
    assert _latest(readings, "boiler/setpoint").value == 60.0
    assert _latest(readings, "boiler/running").value is True
    temperatures = tag_values(readings, "boiler/temperature")
    assert len({r.value for r in temperatures}) >= 3
    assert all(abs(r.ts_ns - time.time_ns()) < 60 * 10**9 for r in temperatures)
    assert [r.ts_ns for r in temperatures] == sorted(r.ts_ns for r in temperatures)
    assert all(source == "opcua:boiler" for source, _ in sink.batches)
    assert len(sink.batches) < len(readings), "notifications are batched, not emitted one by one"
    assert driver.status.state is LinkState.ONLINE
    assert driver.status.errors_by_reason == {"node_unusable": 2}


def test_declarations_carry_unit_and_description(plain_server: BoilerServer, run_driver) -> None:
    driver, sink = run_driver(make_config(plain_server.endpoint, NODES))
    assert wait_state(driver, LinkState.ONLINE, 10)
    declared = {d.name: d for d in sink.declarations}
    assert declared["boiler/temperature"].unit == "degC"
    assert declared["boiler/temperature"].description == "Boiler water temperature"
    assert declared["boiler/pressure"].unit == "bar"
    assert (declared["boiler/level"].unit, declared["boiler/level"].description) == (
        "m",
        "Drum level",
    )
    assert declared["boiler/setpoint"].writable and not declared["boiler/fluegas"].writable
    assert {d.device for d in declared.values()} == {"boiler"}
    assert "boiler/missing" not in declared


@pytest.mark.parametrize(
    ("tag", "value", "outcome", "detail", "read_back"),
    [
        ("boiler/setpoint", 61.5, WriteOutcome.CONFIRMED, "Good", 61.5),
        ("boiler/setpoint", 58, WriteOutcome.CONFIRMED, "Good", 58.0),
        ("boiler/mode", 3, WriteOutcome.CONFIRMED, "Good", 3),
        ("boiler/mode", 2.0, WriteOutcome.CONFIRMED, "Good", 2),
        ("boiler/mode", 2.5, WriteOutcome.FAILED, "not a whole number", None),
        ("boiler/mode", 40_000, WriteOutcome.FAILED, "outside the Int16 range", None),
        ("boiler/running", False, WriteOutcome.FAILED, "BadUserAccessDenied", None),
        ("boiler/fluegas", 1.0, WriteOutcome.FAILED, "not writable", None),
        ("boiler/unknown", 1.0, WriteOutcome.FAILED, "not a tag", None),
        ("boiler/missing", 1.0, WriteOutcome.FAILED, "not writable", None),
    ],
)
def test_write(
    plain_server: BoilerServer, run_driver, tag, value, outcome, detail, read_back
) -> None:
    driver, _ = run_driver(make_config(plain_server.endpoint, NODES))
    assert wait_state(driver, LinkState.ONLINE, 10)
    result = driver.write(WriteRequest(tag, value, user="op", reason="test"))
    assert (result.outcome, result.read_back) == (outcome, read_back), result
    assert detail in result.detail


def test_written_setpoint_comes_back_through_the_subscription(
    plain_server: BoilerServer, run_driver
) -> None:
    driver, sink = run_driver(make_config(plain_server.endpoint, NODES))
    assert wait_state(driver, LinkState.ONLINE, 10)
    assert driver.write(WriteRequest("boiler/setpoint", 72.25)).outcome is WriteOutcome.CONFIRMED
    assert sink.wait_for(
        lambda rs: any(r.value == 72.25 for r in tag_values(rs, "boiler/setpoint")), 10
    )


def test_browse_returns_a_bounded_tree(plain_server: BoilerServer, run_driver) -> None:
    driver, _ = run_driver(make_config(plain_server.endpoint, NODES[:1], browse_depth=2))
    assert wait_state(driver, LinkState.ONLINE, 10)
    tree = driver.browse()
    boiler = next(node for node in tree if node.address == "ns=2;s=Boiler")
    children = {child.name: child for child in boiler.children}
    assert {"Temperature", "Setpoint", "Mode", "Burner"} <= set(children)
    assert children["Temperature"].is_variable and not boiler.is_variable
    assert children["Temperature"].address == "ns=2;s=Boiler.Temperature"
    assert "EngineeringUnits" not in {c.name for c in children["Temperature"].children}
    assert children["Burner"].children == (), "depth 2 stops below Objects/Boiler/Burner"


def test_browse_default_depth_reaches_three_levels(plain_server: BoilerServer, run_driver) -> None:
    driver, _ = run_driver(make_config(plain_server.endpoint, NODES[:1]))
    assert wait_state(driver, LinkState.ONLINE, 10)
    boiler = next(node for node in driver.browse() if node.address == "ns=2;s=Boiler")
    burner = next(child for child in boiler.children if child.name == "Burner")
    assert [(c.name, c.is_variable) for c in burner.children] == [("Flame", True)]


def test_failover_to_the_secondary_endpoint(plain_server: BoilerServer, run_driver) -> None:
    dead_primary = f"opc.tcp://127.0.0.1:{free_port()}/boiler"
    config = make_config(dead_primary, NODES[:1], secondary_endpoint=plain_server.endpoint)
    driver, sink = run_driver(config)
    assert sink.wait_for(lambda rs: any(r.quality is Quality.GOOD for r in rs), 15)
    assert driver.status.endpoint == plain_server.endpoint
    assert driver.status.errors_by_reason.get("connect_failed", 0) >= 1
    comms_lost = [r for r in sink.readings() if r.quality is Quality.BAD_COMMS_LOST]
    assert [r.tag for r in comms_lost] == ["boiler/temperature"], (
        "marked once while the primary is down"
    )


def test_browse_and_write_refused_while_offline(run_driver) -> None:
    driver, sink = run_driver(make_config(f"opc.tcp://127.0.0.1:{free_port()}", NODES[:3]))
    assert wait_state(driver, LinkState.OFFLINE, 10)
    with pytest.raises(ConnectionError, match="offline"):
        driver.browse()
    result = driver.write(WriteRequest("boiler/setpoint", 1.0))
    assert (result.outcome, result.detail.split(":")[0]) == (WriteOutcome.FAILED, "offline")
    assert sink.wait_for(lambda rs: len(rs) == 3, 5)
    assert {(r.tag, r.quality, r.value) for r in sink.readings()} == {
        (tag, Quality.BAD_COMMS_LOST, None) for tag in TAGS[:3]
    }


def test_browse_stops_at_its_node_limit(plain_server: BoilerServer, run_driver, field_loop) -> None:
    from drivers.opcua.browse import browse_tree

    driver, _ = run_driver(make_config(plain_server.endpoint, NODES[:1]))
    assert wait_state(driver, LinkState.ONLINE, 10)
    client = driver._session.client  # the live session's asyncua client

    def count(nodes) -> int:
        return sum(1 + count(node.children) for node in nodes)

    assert count(field_loop.run(browse_tree(client, depth=3, limit=5), timeout=10)) == 5
    assert count(field_loop.run(browse_tree(client, depth=1), timeout=10)) == len(driver.browse())
