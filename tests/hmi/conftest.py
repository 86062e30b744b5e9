"""HMI test fixtures: a real simulated plant, a real collector on a temporary SQLite store.

One simulated plant per test session (the OPC-UA boiler and two Modbus devices from
``drivers.simulator`` on free ports) and one collector with the real drivers, the alarm system
built from the plant file's ``[[alarms]]`` and a temporary store. Each test gets its own
bridge, worker pool, settings file and context; views are real widgets shown offscreen.
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.config import load_config
from core.model import now_ns
from drivers.registry import build_drivers
from drivers.simulator.config import SimulationConfig
from drivers.simulator.runner import DEFAULT_CONFIG, run_simulation
from hmi.app import gui_thread_gc
from hmi.bridge import LiveBridge
from hmi.context import HmiContext
from hmi.formatting import PlantClock
from hmi.operator import OperatorSession
from hmi.session import PlantSession
from hmi.settings import open_settings
from hmi.workers import WorkerPool
from tests.conftest import free_port

PLANT = """
[plant]
name = "HMI test plant"
timezone = "Europe/Berlin"

[store]
url = "sqlite:///plant.db"
flush_interval_s = 0.1

[[areas]]
name = "boiler house"

[[areas]]
name = "utilities"

[[devices]]
name = "boiler"
area = "boiler house"
description = "Gas-fired hot-water boiler (OPC-UA)"

[[devices]]
name = "oven1"
area = "boiler house"
description = "Curing oven temperature controller (Modbus)"

[[devices]]
name = "meter1"
area = "utilities"
description = "Main incomer energy meter (Modbus)"

[[tags]]
name = "boiler/setpoint"
device = "boiler"
unit = "degC"
eng_min = 20
eng_max = 95
writable = true

[[tags]]
name = "boiler/temperature"
device = "boiler"
unit = "degC"
eng_min = 0
eng_max = 120

[[tags]]
name = "history/flow"
device = "history"
unit = "m3/h"
description = "imported history (a week of one-minute values)"

[[opcua]]
name = "boiler"
endpoint = "opc.tcp://127.0.0.1:{opcua_port}"
pki_dir = "pki"
publishing_interval_ms = 100
  [[opcua.nodes]]
  tag = "boiler/temperature"
  node = "ns=2;s=Boiler.Temperature"
  sampling_interval_ms = 100
  [[opcua.nodes]]
  tag = "boiler/setpoint"
  node = "ns=2;s=Boiler.Setpoint"
  writable = true
  [[opcua.nodes]]
  tag = "boiler/pressure"
  node = "ns=2;s=Boiler.Pressure"
  unit = "bar"

[[modbus]]
name = "oven1"
host = "127.0.0.1"
port = {oven_port}
unit = 1
profile = "generic_temp_controller"
poll_interval = 0.25

[[modbus]]
name = "meter1"
host = "127.0.0.1"
port = {meter_port}
unit = 1
profile = "sdm630"
poll_interval = 0.5

[[alarms]]
tag = "boiler/temperature"
type = "high"
limit = 25
priority = "high"
area = "boiler house"
message = "Boiler water temperature high"
cause = "Burner keeps firing: setpoint too high or the flow too low"
consequence = "Relief valve lifts; scalding risk at the draw-off points"
corrective_action = "Lower the setpoint; check the circulation pump"

[[alarms]]
tag = "oven1/pv"
type = "high"
limit = -40
priority = "critical"
area = "boiler house"
message = "Oven temperature above the curing limit"
cause = "Controller output stuck on"
consequence = "Product scrap"
corrective_action = "Switch the oven to manual and open the door"

[[alarms]]
tag = "meter1/voltage_l1"
type = "low"
limit = 1000
priority = "medium"
area = "utilities"
message = "Incomer L1 voltage low"
cause = "Supply dip"
consequence = "Drives trip"
corrective_action = "Call the utility"

[[alarms]]
tag = "boiler/pressure"
type = "high"
limit = -1
priority = "low"
area = "boiler house"
message = "Boiler pressure above the advisory limit"

[maintenance]
auto_ticket_priority = "high"

[security]
key_file = "installation.key"
checkpoint_file = "audit.checkpoint.json"
station = "test-console"
  [security.hashing]
  memory_kib = 19456
"""

PASSWORD = "correct horse battery staple"
USERS = {
    "tess": ("operator", "engineer", "maintenance"),
    "otto": ("operator",),
}
"""Test accounts: ``tess`` may do everything an operator console offers, ``otto`` is an
operator (no out-of-service, no tickets)."""


def sim_config() -> SimulationConfig:
    """The shipped simulated plant on free ports, boiler and two Modbus devices, no MQTT."""
    shipped = SimulationConfig.load(DEFAULT_CONFIG)
    keep = {"oven1", "meter1"}
    modbus = [d.model_copy(update={"port": free_port()}) for d in shipped.modbus if d.name in keep]
    return shipped.model_copy(
        update={
            "modbus": modbus,
            "opcua": shipped.opcua.model_copy(
                update={"port": free_port(), "update_interval_s": 0.2}
            ),
            "mqtt": shipped.mqtt.model_copy(update={"enabled": False}),
            "faults": [],
        }
    )


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, step: float = 0.05) -> bool:
    """Poll a condition (session set-up only; tests use qtbot.waitUntil)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_gui_thread(qapp: Any) -> Iterator[None]:
    """As the application does: reference cycles are collected on the GUI thread only."""
    collector = gui_thread_gc(0.5)
    yield
    collector.timer.stop()
    gc.enable()


@pytest.fixture(scope="session")
def simulated_plant() -> Iterator[SimulationConfig]:
    """The simulator running on a thread for the whole session."""
    config = sim_config()
    stop, ready = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=run_simulation, args=(config, stop), kwargs={"ready": ready}, daemon=True
    )
    thread.start()
    assert ready.wait(60), "the simulated plant did not come up"
    yield config
    stop.set()
    thread.join(30)


def create_users(security: Any) -> None:
    """The first administrator, then the test accounts (through the real user admin)."""
    from core.security.roles import parse_roles

    admin = security.admin.create_first_administrator("ada", PASSWORD)
    for name, roles in USERS.items():
        security.admin.add_user(admin, name, PASSWORD, parse_roles(roles))


def write_plant_file(directory: Path, sim: SimulationConfig) -> Path:
    """The collector's plant file for the simulated plant."""
    ports = {d.name: d.port for d in sim.modbus}
    path = directory / "plant.toml"
    text = PLANT.format(
        opcua_port=sim.opcua.port, oven_port=ports["oven1"], meter_port=ports["meter1"]
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def plant(
    simulated_plant: SimulationConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PlantSession]:
    """A running collector (real drivers, temp SQLite store, alarms) fed by the simulator."""
    directory = tmp_path_factory.mktemp("plant")
    session = PlantSession(load_config(write_plant_file(directory, simulated_plant)), build_drivers)
    session.open()
    collector = session.collector
    assert collector is not None
    create_users(collector.security)
    wanted = ("boiler/temperature", "boiler/setpoint", "oven1/pv", "meter1/voltage_l1")
    assert wait_for(lambda: len(collector.pipeline.latest(wanted)) == len(wanted), 60), (
        f"no live data: {collector.status()['drivers']}"
    )
    alarms = session.alarms
    assert alarms is not None
    assert wait_for(lambda: len(alarms.refresh().active()) >= 3, 30)
    yield session
    session.close()


@pytest.fixture
def make_ctx(
    plant: PlantSession, qtbot: Any, tmp_path: Path
) -> Iterator[Callable[..., HmiContext]]:
    """Build an HMI context on the running plant (own bridge, workers, settings and session);
    ``user`` is logged on through the real security core ('' for nobody)."""
    made: list[tuple[HmiContext, Callable[[], None]]] = []

    def build(touch: bool = False, user: str = "tess") -> HmiContext:
        workers = WorkerPool()
        bridge = LiveBridge(workers)
        collector = plant.collector
        unsubscribe = collector.pipeline.subscribe(bridge.on_batch)
        bridge.attach(collector, plant.alarms)
        ctx = HmiContext(
            config=plant.config,
            collector=collector,
            alarms=plant.alarms,
            bridge=bridge,
            workers=workers,
            settings=open_settings(tmp_path / f"settings-{len(made)}.ini"),
            operator=OperatorSession(collector.security, workers),
            clock=PlantClock(plant.config.plant.timezone),
            touch=touch,
        )
        bridge.start()
        made.append((ctx, unsubscribe))
        if user:
            ctx.operator.login(user, PASSWORD)
            qtbot.waitUntil(lambda: ctx.user == user, timeout=10_000)
        return ctx

    yield build
    for ctx, unsubscribe in made:
        unsubscribe()
        ctx.bridge.stop()
        ctx.operator.logout()
        ctx.workers.wait(30_000)


@pytest.fixture
def ctx(make_ctx: Callable[..., HmiContext]) -> HmiContext:
    """An HMI context on the running plant."""
    return make_ctx()


def live_value(ctx: HmiContext, tag: str) -> float | None:
    """The newest value of a tag in the live cache."""
    found = ctx.collector.pipeline.latest([tag]).get(tag)
    return None if found is None else found.value


def recent(ts_ns: int, within_s: float = 30.0) -> bool:
    """True when a timestamp is at most ``within_s`` old."""
    return now_ns() - ts_ns < within_s * 1e9


def make_unacked(ctx: HmiContext, name: str) -> None:
    """Bring an active alarm back to UNACK the way an operator can: out of service and back
    (its condition is still active, so it comes back unacknowledged)."""
    from core.alarms.states import AlarmState

    engine = ctx.alarms.engine
    if engine.state(name).state is not AlarmState.UNACK:
        engine.remove_from_service(name, "test reset", "tess")
        engine.return_to_service(name, "tess")
    assert engine.state(name).state is AlarmState.UNACK
    ctx.alarms.refresh()


@pytest.fixture
def make_sized_window(qtbot: Any) -> Callable[..., Any]:
    """Build a shown main window on a context, resized to ``size`` (the desk window or the
    touch panel), in touch mode when ``touch``."""
    from hmi.main_window import MainWindow

    def build(ctx: HmiContext, size: tuple[int, int], touch: bool = False) -> MainWindow:
        window = MainWindow(ctx.settings, ctx.clock, player=lambda _p: None, touch=touch)
        qtbot.addWidget(window)
        window.show()
        window.attach(ctx)
        window.resize(*size)
        qtbot.wait(20)
        return window

    return build


@pytest.fixture
def touch_theme(qapp: Any) -> Iterator[None]:
    """The light touch theme for the test, the desk theme restored after."""
    from hmi.theme import apply_theme

    apply_theme(qapp, "light", touch=True)
    yield
    apply_theme(qapp, "light", touch=False)
