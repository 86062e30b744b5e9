"""S1 for setpoints: every check before device I/O, one audit row per refusal, PENDING first.

The write function is a counting stand-in for a driver's ``write`` that speaks the real
``drivers.base`` request/result types; a real child process killed inside it shows the
``PENDING`` row survives and is closed as ``UNCONFIRMED`` at the next start.
"""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.config import load_config
from core.security.roles import Role
from core.security.service import SecurityServices
from core.security.writes import SafeWriter, close_interrupted_writes
from core.store.historian import Historian
from drivers.base import WriteOutcome, WriteRequest, WriteResult
from tests.core.plant import write_plant
from tests.core.security.conftest import PASSWORD, SECURITY_TOML, FakeClock, add_user

ROOT = Path(__file__).resolve().parents[3]
PLANT_TOML = (
    SECURITY_TOML
    + """
[[devices]]
name = "boiler"
area = "boiler"

[[devices]]
name = "press"
area = "press"

[[tags]]
name = "boiler/sp"
eng_min = 20
eng_max = 120
writable = true

[[tags]]
name = "boiler/pump"
data_type = "bool"
writable = true

[[tags]]
name = "boiler/count"
data_type = "int"
eng_min = 0
eng_max = 10
writable = true

[[tags]]
name = "boiler/temp"

[[tags]]
name = "press/sp"
writable = true
"""
)


class Device:
    """Counts writes that reached the 'device'; answers with a chosen outcome."""

    def __init__(self) -> None:
        self.calls: list[WriteRequest] = []
        self.outcome = WriteOutcome.CONFIRMED
        self.raises: Exception | None = None
        self.online = {"boiler": True, "press": True}

    def write(self, request: WriteRequest) -> WriteResult:
        self.calls.append(request)
        if self.raises is not None:
            raise self.raises
        return WriteResult(self.outcome, "ok", read_back=request.value)


@pytest.fixture
def plant(tmp_path: Path) -> Path:
    return write_plant(tmp_path, extra=PLANT_TOML)


@pytest.fixture
def hist(plant: Path) -> Historian:
    historian = Historian.open(load_config(plant))
    yield historian  # type: ignore[misc]
    historian.close()


@pytest.fixture
def sec(plant: Path, hist: Historian, clock: FakeClock, password_hash: str) -> SecurityServices:
    services = SecurityServices.open(load_config(plant), hist.engine, clock=clock)
    add_user(services, "olaf", {Role.OPERATOR}, password_hash, areas=("boiler",))
    add_user(services, "mia", {Role.MAINTENANCE}, password_hash)
    add_user(services, "ada", {Role.ADMINISTRATOR}, password_hash)
    add_user(services, "erin", {Role.ENGINEER}, password_hash)
    return services


@pytest.fixture
def device() -> Device:
    return Device()


@pytest.fixture
def writer(sec: SecurityServices, hist: Historian, device: Device) -> SafeWriter[WriteRequest]:
    return sec.safe_writer(
        device.write,
        tag_info=hist.registry.get,
        area_of=hist.registry.area_of,
        is_online=lambda name: device.online.get(name, False),
        current_value=lambda tag: 42.0,
    )


@pytest.mark.parametrize(
    ("user", "tag", "value", "why"),
    [
        ("mia", "boiler/sp", 50.0, "permission refused: write_setpoint in area 'boiler'"),
        ("ada", "boiler/sp", 50.0, "permission refused"),
        ("olaf", "press/sp", 1.0, "permission refused: write_setpoint in area 'press'"),
        ("nobody", "boiler/sp", 50.0, "permission refused"),
        ("olaf", "boiler/sp", 120.5, "above the engineering range [20, 120]"),
        ("olaf", "boiler/sp", 19.0, "below the engineering range [20, 120]"),
        ("olaf", "boiler/sp", math.nan, "finite number"),
        ("olaf", "boiler/sp", math.inf, "finite number"),
        ("olaf", "boiler/sp", True, "needs a number"),
        ("olaf", "boiler/pump", 1.0, "needs true or false"),
        ("olaf", "boiler/count", 2.5, "whole number"),
        ("olaf", "boiler/temp", 50.0, "not writable"),
        ("olaf", "boiler/nope", 50.0, "unknown tag"),
    ],
)
def test_refused_before_device_io_and_audited_once(
    writer: SafeWriter[WriteRequest],
    sec: SecurityServices,
    device: Device,
    user: str,
    tag: str,
    value: float,
    why: str,
) -> None:
    result = writer.write(WriteRequest(tag, value, user=user, reason="test"), station="panel-1")
    assert result.refused and why in result.detail
    assert device.calls == []
    (row,) = sec.audit.records()
    assert (row.action, row.username, row.target, row.outcome, row.station) == (
        "write",
        user,
        tag,
        "REFUSED",
        "panel-1",
    )
    assert why in row.detail and row.seq == result.audit_seq


def test_offline_device_refused(
    writer: SafeWriter[WriteRequest], sec: SecurityServices, device: Device
) -> None:
    device.online["boiler"] = False
    result = writer.write(WriteRequest("boiler/sp", 50.0, user="olaf"))
    assert result.refused and "offline" in result.detail and device.calls == []
    assert [r.outcome for r in sec.audit.records()] == ["REFUSED"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (WriteOutcome.CONFIRMED, "CONFIRMED"),
        (WriteOutcome.UNCONFIRMED, "UNCONFIRMED"),
        (WriteOutcome.FAILED, "FAILED"),
    ],
)
def test_allowed_write_audited_before_and_after(
    writer: SafeWriter[WriteRequest],
    sec: SecurityServices,
    device: Device,
    outcome: WriteOutcome,
    expected: str,
) -> None:
    device.outcome = outcome
    result = writer.write(
        WriteRequest("boiler/sp", 55.5, user="olaf", reason="raise load"), station="panel-1"
    )
    assert result.outcome == expected and len(device.calls) == 1
    pending, done = sec.audit.records()
    assert (
        pending.action,
        pending.outcome,
        pending.old_value,
        pending.new_value,
        pending.reason,
        pending.role,
    ) == (
        "write",
        "PENDING",
        "42.0",
        "55.5",
        "raise load",
        "operator",
    )
    assert (done.action, done.outcome, done.ref_seq) == ("write_result", expected, pending.seq)
    assert "read back 55.5" in done.detail
    assert sec.audit.unresolved_pending() == [] and sec.audit.verify().ok


@pytest.mark.parametrize(
    ("user", "tag", "value"),
    [("erin", "press/sp", -3), ("olaf", "boiler/pump", False), ("olaf", "boiler/count", 10)],
)
def test_allowed_writes(
    writer: SafeWriter[WriteRequest], device: Device, user: str, tag: str, value: float
) -> None:
    assert writer.write(WriteRequest(tag, value, user=user)).outcome == "CONFIRMED"
    assert len(device.calls) == 1


def test_driver_exception_is_a_failed_write_without_secrets(
    writer: SafeWriter[WriteRequest], sec: SecurityServices, device: Device
) -> None:
    from core.security.secrets import temporary_secret

    secret = "modbus-gateway-Secret-77"
    device.raises = ConnectionError(f"gateway refused login with {secret}")
    with temporary_secret(secret):
        result = writer.write(WriteRequest("boiler/sp", 60.0, user="olaf"))
    assert result.outcome == "FAILED" and "ConnectionError" in result.detail
    assert secret not in result.detail
    assert all(secret not in str(r.stored()) for r in sec.audit.records())


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from typing import Any
    import core.config
    if "security" not in core.config.PlantConfig.model_fields:
        class Wired(core.config.PlantConfig):
            security: dict[str, Any] = {}
        core.config.PlantConfig = Wired
    from core.config import load_config
    from core.security.service import SecurityServices
    from core.store.historian import Historian
    from drivers.base import WriteRequest

    config = load_config(sys.argv[1])
    hist = Historian.open(config)
    sec = SecurityServices.open(config, hist.engine)
    writer = sec.safe_writer(
        lambda request: os.kill(os.getpid(), signal.SIGKILL),
        tag_info=hist.registry.get, area_of=hist.registry.area_of, is_online=lambda d: True,
    )
    writer.write(WriteRequest("boiler/sp", 77.0, user="olaf", reason="killed"), station="panel-9")
    """
)


def test_kill_during_write_leaves_pending_then_unconfirmed(
    plant: Path, sec: SecurityServices
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(plant)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    (pending,) = sec.audit.unresolved_pending()
    assert (pending.username, pending.new_value, pending.station) == ("olaf", "77.0", "panel-9")
    (closed,) = close_interrupted_writes(sec.audit, station="panel-1")
    assert (closed.outcome, closed.ref_seq, closed.target) == (
        "UNCONFIRMED",
        pending.seq,
        "boiler/sp",
    )
    assert sec.audit.verify().ok
    assert PASSWORD not in child.stderr
