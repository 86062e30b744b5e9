"""``[[modbus]]`` plant sections: validation, key paths in errors, shared links, RTU timing."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from drivers.modbus.config import DriverConfigError, parse_modbus_sections
from drivers.modbus.errors import CommsError
from drivers.modbus.link import LinkSettings, ModbusLink, inter_frame_gap_s
from tests.conftest import free_port

TCP = {"name": "meter1", "host": "127.0.0.1", "port": 5020, "unit": 1, "profile": "sdm630"}
RTU = {
    "name": "m1",
    "serial": "/dev/ttyUSB0",
    "baudrate": 9600,
    "parity": "E",
    "unit": 1,
    "profile": "sdm120",
}
INLINE = {
    "name": "pump",
    "host": "127.0.0.1",
    "points": [{"name": "speed", "address": 3, "scale": 0.1, "unit": "rpm"}],
}


def parse(tables: list[Any], base_dir: Path | str = ".") -> list:
    return parse_modbus_sections(tables, base_dir, "plant.toml")


def test_a_profile_device() -> None:
    (config,) = parse([TCP])
    assert config.link_key == "tcp://127.0.0.1:5020"
    assert (config.retries, config.timeout, config.poll_interval, config.max_gap) == (
        1,
        1.0,
        1.0,
        10,
    )
    assert config.device_profile.point("voltage_l1").address == 0
    assert config.read_limit == 80


def test_inline_points_default_to_holding_uint16() -> None:
    (config,) = parse([INLINE])
    point = config.device_profile.point("speed")
    assert (point.register_type, point.dtype, point.scale, point.address) == (
        "holding",
        "uint16",
        0.1,
        3,
    )


def test_word_order_override() -> None:
    (config,) = parse([{**TCP, "word_order": "little"}])
    assert config.device_profile.point("voltage_l1").order == "CDAB"


def test_profile_path_relative_to_the_plant_file(tmp_path: Path) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "mine.toml").write_text(
        '[[points]]\nname = "x"\nregister_type = "input"\naddress = 9\n'
    )
    (config,) = parse([{**TCP, "profile": "maps/mine.toml"}], tmp_path)
    assert config.device_profile.point("x").address == 9


def test_units_on_one_port_share_a_link() -> None:
    configs = parse(
        [RTU, {**RTU, "name": "m2", "unit": 2}, TCP, {**TCP, "name": "meter2", "unit": 7}]
    )
    assert len({c.link_key for c in configs}) == 2


@pytest.mark.parametrize(
    ("tables", "key_path", "value"),
    [
        ([{**TCP, "colour": "red"}], "modbus[0].colour", "red"),
        ([{**TCP, "port": 70000}], "modbus[0].port", 70000),
        ([{**TCP, "unit": 300}], "modbus[0].unit", 300),
        ([{**TCP, "timeout": 0}], "modbus[0].timeout", 0),
        ([{**TCP, "parity": "X"}], "modbus[0].parity", "X"),
        ([{**TCP, "word_order": "middle"}], "modbus[0].word_order", "middle"),
        ([{**TCP, "name": "bad name"}], "modbus[0].name", "bad name"),
        ([{**TCP, "serial": "/dev/ttyS0"}], "modbus[0]", None),
        ([{k: v for k, v in TCP.items() if k != "profile"}], "modbus[0]", None),
        ([{**TCP, "secondary_port": 1502}], "modbus[0]", None),
        ([TCP, {**TCP, "profile": "nope"}], "modbus[1].profile", "nope"),
        (
            [TCP, {**INLINE, "points": [{"name": "s", "address": 1, "dtype": "int17"}]}],
            "modbus[1].points[0].dtype",
            "int17",
        ),
        ([{**INLINE, "points": [{"address": 1}]}], "modbus[0].points[0].name", None),
        ([TCP, {**TCP, "unit": 2}], "modbus[1].name", "meter1"),
        ([RTU, {**RTU, "name": "m2", "baudrate": 19200}], "modbus[1].baudrate", 19200),
        (
            [TCP, {**TCP, "name": "b", "secondary_host": "10.0.0.2"}],
            "modbus[1].secondary_host",
            "10.0.0.2",
        ),
        ([TCP, "meter"], "modbus[1]", "meter"),
    ],
)
def test_errors_name_the_key_path(tables: list[Any], key_path: str, value: object) -> None:
    with pytest.raises(DriverConfigError) as caught:
        parse(tables)
    error = caught.value
    assert (error.file, error.key_path) == ("plant.toml", key_path)
    assert error.value == value
    assert str(error).startswith(f"plant.toml: {key_path} = ")


def test_not_a_list_of_tables() -> None:
    with pytest.raises(DriverConfigError, match="expected"):
        parse_modbus_sections({"name": "x"}, ".", "plant.toml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("baudrate", "bytesize", "parity", "stopbits", "expected_ms"),
    [
        (9600, 8, "N", 1, 3.5 * 10 / 9600 * 1000),
        (9600, 8, "E", 1, 3.5 * 11 / 9600 * 1000),
        (19200, 8, "N", 2, 3.5 * 11 / 19200 * 1000),
        (38400, 8, "E", 1, 1.75),
        (115200, 8, "N", 1, 1.75),
    ],
)
def test_rtu_inter_frame_gap(
    baudrate: int, bytesize: int, parity: str, stopbits: int, expected_ms: float
) -> None:
    assert inter_frame_gap_s(baudrate, bytesize, parity, stopbits) * 1000 == pytest.approx(
        expected_ms
    )


async def test_reconnect_waits_for_the_backoff_on_an_injected_clock() -> None:
    """With nothing listening, the link tries once, then refuses without I/O until the delay passes."""
    now = [1000.0]
    (config,) = parse(
        [{**TCP, "port": free_port(), "reconnect_delay": 2.0, "reconnect_delay_max": 8.0}]
    )
    link = ModbusLink(LinkSettings.from_config(config), clock=lambda: now[0], rng=random.Random(1))
    reasons = []
    for advance in (0.0, 0.5, 10.0, 0.0):
        now[0] += advance
        with pytest.raises(CommsError) as caught:
            await link.read(1, "input", 0, 2, timeout=0.5, retries=3)
        reasons.append(caught.value.reason)
    assert reasons == ["connect_failed", "not_connected", "connect_failed", "not_connected"]
    assert link.requests_sent == 0
    await link.close()
