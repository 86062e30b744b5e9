"""Faults against real pymodbus servers: peer gone and back, hung peer, exception responses."""

from __future__ import annotations

from typing import Any

from core.model import Quality
from drivers.base import LinkState, WriteOutcome, WriteRequest
from tests.conftest import free_port
from tests.drivers.modbus.conftest import RecordingSink, RegisterImage, wait_until

FAST = {
    "poll_interval": 0.05,
    "timeout": 0.25,
    "retries": 1,
    "reconnect_delay": 0.05,
    "reconnect_delay_max": 0.2,
}
POINTS = [
    {"name": "a", "address": 0},
    {"name": "b", "address": 1, "scale": 0.1, "writable": True, "max": 100},
]


def state(driver: Any, device: str) -> LinkState:
    return driver.device_status()[device].state


def test_offline_after_three_failures_and_back_by_itself(
    start_server: Any, make_driver: Any, sink: RecordingSink
) -> None:
    left = start_server({1: RegisterImage(holding={0: 1, 1: 2})})
    right = start_server({1: RegisterImage(holding={0: 11, 1: 12})})
    driver = make_driver(
        [
            {"name": "left", "host": "127.0.0.1", "port": left.port, "points": POINTS, **FAST},
            {"name": "right", "host": "127.0.0.1", "port": right.port, "points": POINTS, **FAST},
        ]
    )
    driver.start(sink)
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="both units online")

    right.stop()
    wait_until(lambda: state(driver, "right") is LinkState.OFFLINE, what="right offline")
    status = driver.device_status()["right"]
    assert driver.devices["right"].consecutive_failures >= 3
    assert status.errors >= 3 and status.last_error
    assert state(driver, "left") is LinkState.ONLINE
    wait_until(lambda: driver.status.state is LinkState.DEGRADED, what="driver degraded")
    right_readings = [r for r in sink.readings if r.tag == "right/a"]
    first_bad = next(i for i, r in enumerate(right_readings) if r.quality is not Quality.GOOD)
    assert {r.quality for r in right_readings[first_bad:]} == {Quality.BAD_COMMS_LOST}
    assert (
        len(right_readings[first_bad:]) == 1
    )  # one BAD sample when it starts failing, not one per poll
    assert right_readings[first_bad].value is None

    right.start()
    wait_until(lambda: state(driver, "right") is LinkState.ONLINE, what="right back online")
    wait_until(lambda: sink.latest()["right/a"].quality is Quality.GOOD, what="good data again")
    assert sink.latest()["right/b"].value == 1.2
    wait_until(lambda: driver.status.state is LinkState.ONLINE, what="driver online")
    assert driver.device_status()["right"].reconnects >= 1


def test_write_while_offline_is_refused_and_never_sent_later(
    start_server: Any, make_driver: Any, sink: RecordingSink
) -> None:
    server = start_server({1: RegisterImage(holding={0: 1, 1: 2})})
    driver = make_driver(
        [
            {
                "name": "dev",
                "host": "127.0.0.1",
                "port": server.port,
                "points": POINTS,
                **FAST,
                "retries": 0,
            }
        ]
    )
    driver.start(sink)
    wait_until(lambda: state(driver, "dev") is LinkState.ONLINE, what="online")

    server.faults.delay_s = 1.0  # hung peer: the connection stays open, answers come too late
    wait_until(lambda: state(driver, "dev") is LinkState.OFFLINE, what="offline after timeouts")
    assert sink.latest()["dev/a"].quality is Quality.BAD_COMMS_LOST
    writes_before = server.writes()
    result = driver.write(WriteRequest("dev/b", 5.0))
    assert result.outcome is WriteOutcome.FAILED
    assert "offline" in result.detail

    server.faults.delay_s = 0.0
    wait_until(lambda: state(driver, "dev") is LinkState.ONLINE, what="online again")
    assert server.writes() == writes_before  # the refused write was not queued and replayed
    assert driver.write(WriteRequest("dev/b", 5.0)).outcome is WriteOutcome.CONFIRMED
    assert server.writes() == writes_before + 1


def test_exception_responses_mark_the_points_and_the_unit(
    start_server: Any, make_driver: Any
) -> None:
    server = start_server({1: RegisterImage(holding={0: 7, 1: 8, 2: 9})})
    points = [{"name": "ok", "address": 0}, {"name": "missing", "address": 50}]
    driver = make_driver(
        [{"name": "dev", "host": "127.0.0.1", "port": server.port, "points": points}]
    )
    assert len(driver.devices["dev"].blocks) == 2
    readings = {r.tag: r for r in driver.poll_now("dev")}
    assert (readings["dev/ok"].value, readings["dev/ok"].quality) == (7, Quality.GOOD)
    assert (readings["dev/missing"].value, readings["dev/missing"].quality) == (
        None,
        Quality.BAD_DEVICE_FAULT,
    )
    status = driver.device_status()["dev"]
    assert status.state is LinkState.DEGRADED
    assert status.errors_by_reason == {"exception_2": 1}
    assert "illegal data address" in status.last_error

    server.faults.fail_reads_at = {0}  # now every block gets an exception response
    for _ in range(3):
        driver.poll_now("dev")
    assert driver.device_status()["dev"].state is LinkState.OFFLINE
    server.faults.fail_reads_at = set()
    driver.poll_now("dev")
    assert driver.device_status()["dev"].state is LinkState.DEGRADED  # "missing" still fails


def test_failover_to_the_secondary_endpoint(start_server: Any, make_driver: Any) -> None:
    server = start_server({1: RegisterImage(holding={0: 42, 1: 0})})
    dead_port = free_port()
    driver = make_driver(
        [
            {
                "name": "dev",
                "host": "127.0.0.1",
                "port": dead_port,
                "secondary_host": "127.0.0.1",
                "secondary_port": server.port,
                "points": POINTS,
            }
        ]
    )
    readings = driver.poll_now("dev")
    assert readings[0].value == 42
    assert driver.device_status()["dev"].endpoint == f"127.0.0.1:{server.port}#1"


class RefusingSink(RecordingSink):
    """An ingest queue that stays full."""

    def emit(self, readings: Any, *, source: str, on_durable: Any = None) -> bool:
        return False


def test_a_full_ingest_queue_is_counted(start_server: Any, make_driver: Any) -> None:
    server = start_server({1: RegisterImage(holding={0: 1, 1: 2})})
    driver = make_driver(
        [{"name": "dev", "host": "127.0.0.1", "port": server.port, "points": POINTS, **FAST}]
    )
    driver.start(RefusingSink())
    wait_until(
        lambda: driver.device_status()["dev"].errors_by_reason.get("queue_full", 0) >= 1,
        what="queue_full",
    )
