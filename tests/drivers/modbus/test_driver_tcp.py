"""The driver against a real pymodbus TCP server: every shipped profile, block reads, writes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pymodbus.client.mixin import ModbusClientMixin

from core.model import Quality
from drivers.base import LinkState, WriteOutcome, WriteRequest
from drivers.modbus.points import Point
from drivers.modbus.profile import Profile, load_profile
from tests.drivers.modbus.conftest import RecordingSink, RegisterImage, wait_until

SPOT_VALUES: dict[str, dict[str, Any]] = {
    "sdm630": {"voltage_l1": 230.1, "import_kwh": 12345.6, "total_kwh": 23456.7, "frequency": 50.0},
    "sdm120": {"voltage": 229.8, "active_power": -1520.5, "import_kwh": 98765.4},
    "generic_vfd": {
        "frequency_setpoint": 50.0,
        "output_frequency": -12.5,
        "output_current": 7.35,
        "run_hours": 12345.6,
        "energy_kwh": 4_000_000_000,
    },
    "generic_temp_controller": {"pv": -12.5, "setpoint": 85.0, "output_percent": 42.7},
}


def known_value(point: Point, index: int, spot: dict[str, Any]) -> Any:
    """A deterministic, representable engineering value for every point."""
    if point.name in spot:
        return spot[point.name]
    if point.is_boolean:
        return index % 2 == 0
    if point.dtype.startswith("float"):
        return round(100 + 1.25 * index + 0.1, 2)
    raw = 100 + 37 * index
    if point.dtype.startswith("int") and index % 2:
        raw = -raw
    return engineering(point, raw)


def engineering(point: Point, raw: int) -> Any:
    """raw * scale + offset in exact decimal arithmetic (independent of the codec)."""
    if point.scale == 1 and point.offset == 0:
        return raw
    return float(Decimal(raw) * Decimal(repr(point.scale)) + Decimal(repr(point.offset)))


def reference_words(point: Point, value: Any) -> list[Any]:
    """Registers for a value, encoded with pymodbus' own converter rather than the driver's codec."""
    assert point.byte_order == "big", "shipped profiles are all big-endian bytes"
    if point.register_type in ("coil", "discrete"):
        return [bool(value)]
    if point.dtype == "bool":
        return [int(value)]
    raw = value if point.dtype.startswith("float") else round((value - point.offset) / point.scale)
    kind = ModbusClientMixin.DATATYPE[point.dtype.upper()]
    return ModbusClientMixin.convert_to_registers(raw, kind, word_order=point.word_order)  # type: ignore[arg-type]


def image_and_expectations(profile: Profile) -> tuple[RegisterImage, dict[str, Any]]:
    image, expected = RegisterImage(), {}
    spot = SPOT_VALUES.get(profile.name, {})
    whole_registers = [p for p in profile.points if p.dtype != "bit"]
    bit_addresses = {(p.register_type, p.address) for p in profile.points if p.dtype == "bit"}
    for index, point in enumerate(whole_registers):
        carries_bits = (point.register_type, point.address) in bit_addresses
        expected[point.name] = 0 if carries_bits else known_value(point, index, spot)
        image.put_words(
            point.register_type, point.address, reference_words(point, expected[point.name])
        )
    for index, point in enumerate(p for p in profile.points if p.dtype == "bit"):
        expected[point.name] = index % 2 == 0
        table = image.table(point.register_type)
        assert point.bit is not None
        table[point.address] = table.get(point.address, 0) | (
            int(expected[point.name]) << point.bit
        )
    for point in whole_registers:  # registers that also carry bit points now hold the bits
        if (point.register_type, point.address) in bit_addresses:
            expected[point.name] = engineering(
                point, image.table(point.register_type)[point.address]
            )
    return image, expected


@pytest.mark.parametrize("word_order", [None, "little"])
@pytest.mark.parametrize(
    "profile_name", ["sdm630", "sdm120", "generic_vfd", "generic_temp_controller"]
)
def test_every_profile_decodes_known_register_contents(
    start_server: Any, make_driver: Any, profile_name: str, word_order: str | None
) -> None:
    profile = load_profile(profile_name)
    if word_order:
        profile = profile.with_word_order(word_order)
    image, expected = image_and_expectations(profile)
    server = start_server({3: image})
    table = {
        "name": "dev",
        "host": "127.0.0.1",
        "port": server.port,
        "unit": 3,
        "profile": profile_name,
    }
    if word_order:
        table["word_order"] = word_order
    driver = make_driver([table])
    readings = driver.poll_now("dev")
    assert {r.tag: r.value for r in readings} == {f"dev/{k}": v for k, v in expected.items()}
    assert all(r.quality is Quality.GOOD and r.ts_ns for r in readings)
    assert server.reads(3) == len(driver.devices["dev"].blocks)
    for name, value in SPOT_VALUES[profile_name].items():
        assert expected[name] == value


def test_word_order_matters_for_an_sdm630_that_swaps_words(
    start_server: Any, make_driver: Any
) -> None:
    image = RegisterImage(input={0: 0x199A, 1: 0x4366})  # 230.1 V, low word first
    server = start_server({1: image})
    table = {
        "host": "127.0.0.1",
        "port": server.port,
        "points": [{"name": "v", "register_type": "input", "address": 0, "dtype": "float32"}],
    }
    driver = make_driver(
        [{**table, "name": "swapped", "word_order": "little"}, {**table, "name": "plain"}]
    )
    assert driver.poll_now("swapped")[0].value == 230.1
    assert driver.poll_now("plain")[0].value != 230.1


@pytest.mark.parametrize(("max_gap", "expected_requests"), [(10, 7), (125, 5), (0, 15)])
def test_block_reads_need_few_requests(
    start_server: Any, make_driver: Any, max_gap: int, expected_requests: int
) -> None:
    profile = load_profile("sdm630")
    image, _ = image_and_expectations(profile)
    server = start_server({1: image})
    driver = make_driver(
        [
            {
                "name": "m",
                "host": "127.0.0.1",
                "port": server.port,
                "profile": "sdm630",
                "max_gap": max_gap,
            }
        ]
    )
    readings = driver.poll_now("m")
    assert len(readings) == len(profile.points) == 64
    assert server.reads(1) == len(driver.devices["m"].blocks) == expected_requests
    assert driver.links[f"tcp://127.0.0.1:{server.port}"].requests_sent == expected_requests


def test_start_declares_tags_and_emits_by_device(
    start_server: Any, make_driver: Any, sink: RecordingSink
) -> None:
    profile = load_profile("generic_vfd")
    image, expected = image_and_expectations(profile)
    server = start_server({1: image, 2: image})
    tables = [
        {
            "name": f"vfd{unit}",
            "host": "127.0.0.1",
            "port": server.port,
            "unit": unit,
            "profile": "generic_vfd",
            "poll_interval": 0.05,
        }
        for unit in (1, 2)
    ]
    driver = make_driver(tables)
    assert len(driver.links) == 1  # two units behind one gateway share one connection
    driver.start(sink)
    wait_until(
        lambda: server.reads(1) >= 8 and server.reads(2) >= 8, what="four polls of each unit"
    )
    assert driver.status.state is LinkState.ONLINE
    assert {s.state for s in driver.device_status().values()} == {LinkState.ONLINE}
    assert sink.sources == {"modbus:vfd1", "modbus:vfd2"}
    declared = {d.name: d for d in sink.declared}
    assert len(declared) == 2 * len(profile.points)
    assert (
        declared["vfd1/frequency_setpoint"].unit == "Hz"
        and declared["vfd1/frequency_setpoint"].writable
    )
    assert not declared["vfd2/output_current"].writable
    assert sink.latest()["vfd2/output_frequency"].value == expected["output_frequency"]
    assert [n.name for n in driver.browse()] == ["vfd1", "vfd2"]
    assert driver.browse()[0].children[2].address == "modbus://vfd1/hr/2?type=uint16&order=ABCD"


@pytest.fixture
def vfd(start_server: Any, make_driver: Any) -> tuple[Any, Any]:
    image, _ = image_and_expectations(load_profile("generic_vfd"))
    server = start_server({1: image})
    driver = make_driver(
        [
            {
                "name": "vfd",
                "host": "127.0.0.1",
                "port": server.port,
                "profile": "generic_vfd",
                "timeout": 0.3,
                "retries": 0,
            }
        ]
    )
    driver.poll_now("vfd")
    return server, driver


@pytest.mark.parametrize(
    ("point", "value", "register_type", "address", "stored"),
    [
        ("frequency_setpoint", 42.5, "holding", 2, [4250]),
        ("frequency_setpoint", 0, "holding", 2, [0]),
        ("accel_time", 12.34, "holding", 3, [1234]),
        ("run_command", True, "holding", 0, [1]),
        ("fault_reset", True, "coil", 0, [True]),
    ],
)
def test_write_is_read_back_and_confirmed(
    vfd: tuple[Any, Any],
    point: str,
    value: Any,
    register_type: str,
    address: int,
    stored: list[Any],
) -> None:
    server, driver = vfd
    writes_before = server.writes(1)
    result = driver.write(WriteRequest(f"vfd/{point}", value, user="op1"))
    assert (result.outcome, result.read_back) == (WriteOutcome.CONFIRMED, value)
    assert server.writes(1) == writes_before + 1  # written exactly once
    assert server.registers(1, register_type, address, 1)[:1] == stored


@pytest.mark.parametrize(
    ("tag", "value", "detail"),
    [
        ("vfd/frequency_setpoint", 75.0, "outside the range [0.0, 60.0]"),
        ("vfd/frequency_setpoint", -1, "outside the range"),
        ("vfd/frequency_setpoint", float("nan"), "not a finite number"),
        ("vfd/frequency_setpoint", True, "not a finite number"),
        ("vfd/run_command", 2, "not a boolean"),
        ("vfd/output_frequency", 10.0, "not writable"),
        ("vfd/nope", 1, "unknown tag"),
        ("other/frequency_setpoint", 1, "unknown tag"),
    ],
)
def test_refused_writes_send_nothing(
    vfd: tuple[Any, Any], tag: str, value: Any, detail: str
) -> None:
    server, driver = vfd
    writes_before = server.writes()
    result = driver.write(WriteRequest(tag, value))
    assert result.outcome is WriteOutcome.FAILED
    assert detail in result.detail
    assert server.writes() == writes_before


def test_exception_response_to_a_write_fails_it(vfd: tuple[Any, Any]) -> None:
    server, driver = vfd
    server.faults.fail_writes = True
    result = driver.write(WriteRequest("vfd/frequency_setpoint", 30.0))
    assert result.outcome is WriteOutcome.FAILED
    assert "device exception 3" in result.detail
    assert server.writes(1) == 1  # sent once, never retried


def test_failed_read_back_leaves_the_write_unconfirmed(vfd: tuple[Any, Any]) -> None:
    server, driver = vfd
    server.faults.fail_reads_at = {2}
    result = driver.write(WriteRequest("vfd/frequency_setpoint", 30.0))
    assert result.outcome is WriteOutcome.UNCONFIRMED
    assert "read-back failed" in result.detail
    server.faults.fail_reads_at = set()
    assert server.registers(1, "holding", 2, 1) == [3000]


def test_bit_write_keeps_the_other_bits(start_server: Any, make_driver: Any) -> None:
    profile = load_profile("generic_temp_controller")
    image = RegisterImage(holding={0x1000: 215, 0x1005: 0b0000_1001})
    server = start_server({5: image})
    driver = make_driver(
        [
            {
                "name": "tc",
                "host": "127.0.0.1",
                "port": server.port,
                "unit": 5,
                "profile": "generic_temp_controller",
            }
        ]
    )
    values = {r.tag: r.value for r in driver.poll_now("tc")}
    assert (values["tc/pv"], values["tc/alarm1_active"], values["tc/output_on"]) == (
        21.5,
        True,
        True,
    )
    result = driver.write(WriteRequest("tc/autotune_enable", True))
    assert result.outcome is WriteOutcome.CONFIRMED
    assert server.registers(5, "holding", 0x1005, 1) == [0b0001_1001]
    assert driver.write(WriteRequest("tc/setpoint", -5.5)).read_back == -5.5
    assert server.registers(5, "holding", 0x1001, 1) == [(-55) & 0xFFFF]
    assert profile.point("setpoint").min == -50.0


def test_back_to_back_poll_cycles_for_benchmarks(start_server: Any, make_driver: Any) -> None:
    image, _ = image_and_expectations(load_profile("sdm120"))
    server = start_server({1: image})
    driver = make_driver(
        [{"name": "m", "host": "127.0.0.1", "port": server.port, "profile": "sdm120"}]
    )
    assert driver.poll_cycles("m", 5) == 5 * 21
    assert server.reads(1) == 5 * len(driver.devices["m"].blocks)
