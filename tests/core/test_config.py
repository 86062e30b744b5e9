"""Plant configuration: valid files load, every error names the file, the key path and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import DEMO_CONFIG, ConfigError, load_config
from tests.core.plant import write_plant


def test_minimal_plant_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    config = load_config(write_plant(tmp_path))
    assert config.plant.name == "Test plant"
    assert config.base_dir == tmp_path.resolve()
    assert config.store.retention["default"].raw_days == 30


def test_demo_plant_is_valid() -> None:
    config = load_config(DEMO_CONFIG)
    assert config.plant.name
    assert config.mqtt and config.modbus and config.opcua


@pytest.mark.parametrize(
    ("extra", "key", "value_text"),
    [
        ('[ingest]\nqueue_batches = "many"\n', "ingest.queue_batches", "'many'"),
        ('[[tags]]\nname = "a/b"\nunit = 3\n', "tags[0].unit", "3"),
        ('[[tags]]\nname = "a/b"\ndata_type = "text"\n', "tags[0].data_type", "'text'"),
        ('[[tags]]\nname = "a/b"\n[[tags]]\nname = "a/b"\n', "tags[1].name", "'a/b'"),
        ('[[tags]]\nname = "a/b"\nretention_class = "gold"\n', "tags[0].retention_class", "'gold'"),
        ('[[tags]]\nname = "a/b"\neng_min = 5.0\neng_max = 1.0\n', "tags[0].eng_max", "1.0"),
        ('[[tags]]\nname = "a/b"\ndeadband = -1\n', "tags[0].deadband", "-1"),
        ('[[tags]]\nname = "a/b"\ncolour = "red"\n', "tags[0].colour", "'red'"),
    ],
)
def test_errors_name_file_key_and_value(
    tmp_path: Path, extra: str, key: str, value_text: str
) -> None:
    path = write_plant(tmp_path, extra=extra)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert f"{key} = {value_text}" in message
    assert info.value.key_path == key


def test_bad_time_zone_is_named(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[plant]\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigError, match=r"plant.timezone = 'Mars/Olympus'.*unknown time zone"):
        load_config(path)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("[plant\nname=1", "invalid TOML"),
        (None, "file not found"),
        ('source = "x"\n', "reserved key"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: str | None, needle: str) -> None:
    path = tmp_path / "p.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=needle) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_device_areas_by_exact_name_then_pattern(tmp_path: Path) -> None:
    extra = (
        '[[devices]]\nname = "gd-01-000002"\narea = "lab"\n'
        '[[devices]]\nname = "??-[0-9][0-9]-*"\narea = "field"\n'
    )
    config = load_config(write_plant(tmp_path, extra=extra))
    assert config.area_of_device("gd-01-000002") == "lab"
    assert config.area_of_device("wh-10-000037") == "field"
    assert config.area_of_device("meter1") == ""
