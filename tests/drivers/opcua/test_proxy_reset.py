"""R5 (a) and (c), T1 size: network faults between the driver and a running OPC-UA server.

The asyncua test server (``boiler_server.py``, a child process) keeps running throughout; the
driver reaches it through a :class:`~tests.chaos.proxy.ChaosProxy` on 127.0.0.1.

(a) Every connection is reset (RST) once: asyncua reactivates the *same* session on a new
    channel by itself, every tag is marked BAD_COMMS_LOST once, and values resume within 10 s.
(c) The cable is pulled (blackhole, sockets stay open, nothing flows) for ~12 s: the driver
    notices by itself (asyncua's watchdog probe, keep-alive bounded) and goes OFFLINE with one
    BAD_COMMS_LOST per tag, then recovers by itself once traffic flows again.

The last test guards the driver's workaround for an asyncua 2.1 defect seen after (a): the
client asks Republish for ever-higher sequence numbers, a thousand times a second, because
asyncua's server never answers BadMessageNotAvailable (drivers/opcua/subscription.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest

from core.model import Quality, Reading
from drivers.base import LinkState
from drivers.opcua.driver import OpcuaDriver
from tests.chaos.proxy import ChaosProxy
from tests.drivers.opcua.conftest import (
    BoilerServer,
    RecordingSink,
    make_config,
    wait_state,
    wait_until,
)

log = logging.getLogger(__name__)

NODES = [
    {"tag": "boiler/temperature", "node": "ns=2;s=Boiler.Temperature", "sampling_interval_ms": 100},
    {"tag": "boiler/pressure", "browse_path": "0:Objects/2:Boiler/2:Pressure"},
    {"tag": "boiler/setpoint", "node": "ns=2;s=Boiler.Setpoint", "writable": True},
]
TAGS = sorted(n["tag"] for n in NODES)
RESUME_WITHIN_S = 10.0
BLACKHOLE_S = 12.0
TRAFFIC_WINDOW_S = 2.0
SESSION_LOGGER = "asyncua.client.ua_session.UaSession"
DETECT_WITHIN_S = 20.0
"""Generous bound; the expectation is about keep-alive x 1.5 (~4.5 s at the default 3 s)."""


@pytest.fixture
def proxy(start_server: Callable[..., BoilerServer]) -> Iterator[ChaosProxy]:
    """A running boiler server behind a ChaosProxy in pass-through mode."""
    server = start_server("--security", "none")
    with ChaosProxy("127.0.0.1", server.port) as chaos:
        yield chaos


def via(proxy: ChaosProxy) -> str:
    """The server's endpoint as reached through the proxy."""
    return f"opc.tcp://127.0.0.1:{proxy.port}/boiler"


def resumed_after_loss(mark: int) -> Callable[[list[Reading]], bool]:
    """True once, after ``mark``, every tag was marked BAD_COMMS_LOST and a GOOD value followed."""

    def predicate(readings: list[Reading]) -> bool:
        fresh = readings[mark:]
        lost_at = [i for i, r in enumerate(fresh) if r.quality is Quality.BAD_COMMS_LOST]
        if sorted(fresh[i].tag for i in lost_at) != TAGS:
            return False
        after = fresh[max(lost_at) + 1 :]
        return any(r.tag == "boiler/temperature" and r.quality is Quality.GOOD for r in after)

    return predicate


def session_calls(caplog: pytest.LogCaptureFixture) -> list[str]:
    """asyncua's session service calls so far (create_session, activate_session, ...)."""
    return [r.getMessage() for r in caplog.records if r.name == SESSION_LOGGER]


def upstream_bytes_per_s(proxy: ChaosProxy, seconds: float) -> float:
    """Client-to-server bytes per second through the proxy over the next ``seconds``."""
    before = proxy.bytes_up
    time.sleep(seconds)
    return (proxy.bytes_up - before) / seconds


def comms_lost(readings: list[Reading]) -> list[str]:
    """Tags of the BAD_COMMS_LOST readings, sorted."""
    return sorted(r.tag for r in readings if r.quality is Quality.BAD_COMMS_LOST)


def reset_once_and_wait(proxy: ChaosProxy, driver: OpcuaDriver, sink: RecordingSink) -> float:
    """RST every connection once; seconds until every tag was lost once and values came back."""
    assert sink.wait_for(lambda rs: {r.tag for r in rs} >= set(TAGS), 15)
    assert wait_state(driver, LinkState.ONLINE, 5)
    mark = sink.mark()
    proxy.reset()  # RST on every open connection ...
    proxy.pass_through()  # ... once: the server is still there for the next one
    reset_at = time.monotonic()
    assert sink.wait_for(resumed_after_loss(mark), RESUME_WITHIN_S), sink.since(mark)[-5:]
    resumed_after = time.monotonic() - reset_at
    log.info("reset: values back after %.2f s", resumed_after)
    assert comms_lost(sink.since(mark)) == TAGS, "one BAD_COMMS_LOST per tag per outage"
    return resumed_after


def test_reset_connections_session_is_reactivated_and_values_resume(
    proxy: ChaosProxy, run_driver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SESSION_LOGGER)
    driver, sink = run_driver(make_config(via(proxy), NODES))
    sink.wait_for(lambda rs: len(rs) > 0, 15)
    opened = session_calls(caplog)
    assert opened.count("create_session") == 1

    assert reset_once_and_wait(proxy, driver, sink) < RESUME_WITHIN_S
    assert wait_state(driver, LinkState.ONLINE, 5)
    assert proxy.resets >= 1
    assert driver.status.reconnects == 1
    # the server kept the session: it is re-activated on the new channel, not created anew
    after = session_calls(caplog)[len(opened) :]
    assert "activate_session" in after, after
    assert "create_session" not in after, after


def test_reset_request_traffic_returns_to_its_steady_level(proxy: ChaosProxy, run_driver) -> None:
    driver, sink = run_driver(make_config(via(proxy), NODES))
    assert sink.wait_for(lambda rs: len(rs) > 0, 15)
    steady = upstream_bytes_per_s(proxy, TRAFFIC_WINDOW_S)
    reset_once_and_wait(proxy, driver, sink)
    time.sleep(1.0)  # re-read and transfer done
    after = upstream_bytes_per_s(proxy, TRAFFIC_WINDOW_S)
    log.info("client->server: %.0f B/s steady, %.0f B/s after the reset", steady, after)
    assert after < 3 * steady + 2000, f"{after:.0f} B/s after vs {steady:.0f} B/s before"


def test_blackhole_goes_offline_within_keepalive_bound_and_recovers(
    proxy: ChaosProxy, run_driver
) -> None:
    driver, sink = run_driver(make_config(via(proxy), NODES))
    assert sink.wait_for(lambda rs: {r.tag for r in rs} >= set(TAGS), 15)
    assert wait_state(driver, LinkState.ONLINE, 5)
    mark = sink.mark()

    proxy.blackhole()
    pulled_at = time.monotonic()
    assert wait_state(driver, LinkState.OFFLINE, DETECT_WITHIN_S), driver.status.as_dict()
    detected_after = time.monotonic() - pulled_at
    log.info("blackhole: offline after %.2f s", detected_after)
    assert sink.wait_for(lambda rs: comms_lost(rs[mark:]) == TAGS, 2)
    assert detected_after < DETECT_WITHIN_S, f"offline after {detected_after:.1f} s"
    assert detected_after > 0.0  # not offline before the cable was pulled
    # stays OFFLINE while the cable is out (no false recovery on half-open sockets)
    time.sleep(max(0.0, BLACKHOLE_S - (time.monotonic() - pulled_at)))
    assert driver.status.state is LinkState.OFFLINE
    assert comms_lost(sink.since(mark)) == TAGS, "still one BAD_COMMS_LOST per tag"

    proxy.pass_through()
    restored_at = time.monotonic()
    assert sink.wait_for(resumed_after_loss(mark), RESUME_WITHIN_S + 5), driver.status.as_dict()
    assert wait_until(lambda: driver.status.state is LinkState.ONLINE, 5)
    log.info("blackhole: values back %.2f s after pass", time.monotonic() - restored_at)
    assert time.monotonic() - restored_at < RESUME_WITHIN_S + 5
    assert driver.status.reconnects == 1
