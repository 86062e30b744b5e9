"""Profiles: the shipped register maps and the loader's error messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.modbus.points import POINT_KEYS, Point, PointError, parse_point
from drivers.modbus.profile import (
    DEFAULT_PROFILES_DIR,
    ProfileError,
    available_profiles,
    load_profile,
)

SHIPPED = ["generic_temp_controller", "generic_vfd", "sdm120", "sdm630"]


def test_shipped_profiles_are_all_there() -> None:
    assert available_profiles() == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_is_valid(name: str) -> None:
    profile = load_profile(name)
    assert profile.name == name
    assert profile.source, "every shipped profile cites where its map comes from"
    assert len({p.name for p in profile.points}) == len(profile.points)
    assert profile.path == DEFAULT_PROFILES_DIR / f"{name}.toml"
    header = profile.path.read_text().splitlines()[0]
    assert header.startswith("# ")


@pytest.mark.parametrize(
    ("name", "point", "register_type", "address", "unit"),
    [
        ("sdm630", "voltage_l1", "input", 0x0000, "V"),
        ("sdm630", "current_l3", "input", 0x000A, "A"),
        ("sdm630", "total_power", "input", 0x0034, "W"),
        ("sdm630", "frequency", "input", 0x0046, "Hz"),
        ("sdm630", "import_kwh", "input", 0x0048, "kWh"),
        ("sdm630", "export_kwh", "input", 0x004A, "kWh"),
        ("sdm630", "voltage_l1_l2", "input", 0x00C8, "V"),
        ("sdm630", "neutral_current", "input", 0x00E0, "A"),
        ("sdm630", "total_kwh", "input", 342, "kWh"),
        ("sdm630", "demand_period", "holding", 0x0002, "min"),
        ("sdm120", "voltage", "input", 0x0000, "V"),
        ("sdm120", "active_power", "input", 0x000C, "W"),
        ("sdm120", "frequency", "input", 0x0046, "Hz"),
        ("sdm120", "import_kwh", "input", 0x0048, "kWh"),
        ("sdm120", "total_kwh", "input", 0x0156, "kWh"),
    ],
)
def test_eastron_addresses(
    name: str, point: str, register_type: str, address: int, unit: str
) -> None:
    p = load_profile(name).point(point)
    assert (p.register_type, p.address, p.unit) == (register_type, address, unit)
    assert (p.dtype, p.order) == ("float32", "ABCD")


def test_eastron_meters_are_float32_pairs_on_even_addresses() -> None:
    for name in ("sdm630", "sdm120"):
        for p in load_profile(name).points:
            assert p.dtype == "float32" and p.address % 2 == 0, p


def test_scaled_points_of_the_generic_profiles() -> None:
    vfd = load_profile("generic_vfd")
    assert vfd.point("frequency_setpoint").scale == 0.01
    assert vfd.point("frequency_setpoint").writable
    assert vfd.point("running").bit == 2
    temp = load_profile("generic_temp_controller")
    assert (temp.point("pv").dtype, temp.point("pv").scale) == ("int16", 0.1)
    assert temp.point("setpoint").writable and not temp.point("pv").writable


def test_word_order_override_swaps_multi_register_points_only() -> None:
    profile = load_profile("generic_vfd").with_word_order("little")
    assert profile.point("energy_kwh").order == "CDAB"
    assert profile.point("output_frequency").order == "ABCD"
    assert profile.point("energy_kwh").address == 7


GOOD_POINT = '[[points]]\nname = "a"\nregister_type = "holding"\naddress = 0\n'


@pytest.mark.parametrize(
    ("document", "key", "value_text"),
    [
        (GOOD_POINT + 'dtype = "flaot32"\n', "points[0].dtype", "'flaot32'"),
        (GOOD_POINT.replace("address = 0", "address = 70000"), "points[0].address", "70000"),
        (GOOD_POINT + "colour = 1\n", "points[0].colour", "1"),
        (GOOD_POINT + 'order = "ACBD"\n', "points[0].order", "'ACBD'"),
        (GOOD_POINT + 'dtype = "bit"\n', "points[0].bit", "None"),
        (GOOD_POINT + "bit = 3\n", "points[0].bit", "3"),
        (GOOD_POINT + "scale = 0\n", "points[0].scale", "0.0"),
        (GOOD_POINT + "min = 5\nmax = 1\n", "points[0].min", "5.0"),
        (GOOD_POINT + 'dtype = "float64"\n', None, None),
        (
            GOOD_POINT.replace('"holding"', '"input"') + "writable = true\n",
            "points[0].writable",
            "True",
        ),
        (
            GOOD_POINT.replace('"holding"', '"coil"') + 'dtype = "uint16"\n',
            "points[0].dtype",
            "'uint16'",
        ),
        (GOOD_POINT + GOOD_POINT, "points[1].name", "'a'"),
        (GOOD_POINT + "[profile]\nmax_read_registers = 200\n", "profile.max_read_registers", "200"),
        ('[profile]\nname = "x"\n', "points", "[]"),
        ("points = 3\n[oops]\n", "oops", "{}"),
        ("[[points]\n", "", None),
    ],
)
def test_errors_name_file_key_and_value(
    tmp_path: Path, document: str, key: str | None, value_text: str | None
) -> None:
    path = tmp_path / "device.toml"
    path.write_text(document)
    if key is None:
        assert load_profile(path).points[0].name == "a"
        return
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message
    assert caught.value.key == key
    if key:
        assert f"{key} = {value_text}" in message


def test_unknown_profile_name_lists_the_available_ones(tmp_path: Path) -> None:
    (tmp_path / "meter.toml").write_text(GOOD_POINT)
    with pytest.raises(ProfileError, match=r"no such profile \(available: meter\)"):
        load_profile("sdm999", profiles_dir=tmp_path)
    assert load_profile("meter", profiles_dir=tmp_path).name == "meter"


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["holding", "input", "coil", "float32", "bit", "ABCD", "little", "a"]),
    st.lists(st.integers(), max_size=2),
)


@given(raw=st.dictionaries(st.sampled_from(sorted(POINT_KEYS | {"bogus"})), _values, max_size=10))
@settings(max_examples=500, deadline=None)
def test_point_parser_accepts_or_explains(raw: dict) -> None:
    """Any table gives a Point or a PointError naming a key; never another exception."""
    try:
        point = parse_point(raw)
    except PointError as exc:
        assert exc.key in POINT_KEYS | {"bogus"}
    else:
        assert isinstance(point, Point) and 0 <= point.address <= 65535
