"""Qt-free helpers of the HMI: the log files, key-tag selection, formatting, demo config."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.alarms.config import parse_alarm_sections
from core.config import DEMO_CONFIG, load_config
from core.tags import TagInfo
from hmi.formatting import age_text, duration_text, quality_class, value_text
from hmi.kpi_selection import normal_range, pick_kpi_tags
from hmi.logging_setup import LOG_FILE_NAME, parse_line, read_log, setup_logging
from hmi.session import demo_config, simulation_config_for


def test_rotating_json_log_and_reading_it_back(tmp_path: Path) -> None:
    handler = setup_logging(tmp_path, max_bytes=2000, backup_count=3)
    logger = logging.getLogger("hmi.test.log")
    try:
        assert setup_logging(tmp_path) is handler, "installed once per file"
        for i in range(60):
            logger.warning("line %d: %s", i, "x" * 40)
        try:
            raise ValueError("boom")
        except ValueError:
            logger.exception("with a traceback")
        handler.flush()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert LOG_FILE_NAME in files and f"{LOG_FILE_NAME}.1" in files, "rotated"
    assert len(files) <= 4
    entries = read_log(tmp_path, limit=10)
    assert len(entries) == 10
    assert entries[-1].level == "ERROR" and "ValueError: boom" in entries[-1].exception
    assert entries[-2].message.startswith("line 59")
    first = json.loads((tmp_path / LOG_FILE_NAME).read_text().splitlines()[0])
    assert {"ts", "level", "logger", "thread", "msg"} <= set(first)


@given(st.text())
def test_any_line_parses(line: str) -> None:
    entry = parse_line(line)
    assert entry.level_rank in range(5)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (
            [("boiler/temperature", "°C"), ("meter1/total_power", "W"), ("zc/co2_kg", "kg")],
            {"temperature": "boiler/temperature", "power": "meter1/total_power"},
        ),
        (
            [("esp/gas_index", ""), ("zc/co2_kg", "kg"), ("pu/vibration", "mm/s")],
            {"gas": "esp/gas_index", "vibration": "pu/vibration"},
        ),
        ([("plug/uptime", "s"), ("x/unrelated", "")], {"uptime": "plug/uptime"}),
    ],
)
def test_kpi_tag_selection(names: list[tuple[str, str]], expected: dict[str, str]) -> None:
    tags = [TagInfo(i, name, unit=unit) for i, (name, unit) in enumerate(names)]
    assert {k: t.name for k, t in pick_kpi_tags(tags).items()} == expected


def test_normal_range_from_alarms_else_engineering_range() -> None:
    definitions = parse_alarm_sections(
        [
            {"tag": "a/t", "type": "high", "limit": 90},
            {"tag": "a/t", "type": "high_high", "limit": 100},
            {"tag": "a/t", "type": "low", "limit": 10},
        ],
        [],
        {},
        "t.toml",
    ).alarms
    band = normal_range(TagInfo(1, "a/t", eng_min=0, eng_max=200), definitions)
    assert band is not None and (band.low, band.high, band.source) == (10, 90, "alarms")
    eng = normal_range(TagInfo(2, "a/u", eng_min=0, eng_max=5), definitions)
    assert eng is not None and eng.source == "engineering range" and eng.contains(5)
    assert normal_range(TagInfo(3, "a/v"), definitions) is None


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (None, "", "---"),
        (float("nan"), "", "---"),
        (12.345, "°C", "12.35 °C"),
        (123.45, "", "123.5"),
        (16789.2, "W", "16,789 W"),
    ],
)
def test_value_text(value: float | None, unit: str, text: str) -> None:
    assert value_text(value, unit) == text


@pytest.mark.parametrize(
    ("fn", "arg", "text"),
    [
        (age_text, 5 * 10**9, "5 s"),
        (age_text, 300 * 10**9, "5 min"),
        (age_text, 7200 * 10**9, "2 h"),
        (duration_text, 600, "10 min"),
        (duration_text, 8 * 3600, "8 h"),
        (duration_text, 7 * 86400, "7 d"),
        (quality_class, 0, "good"),
        (quality_class, 66, "uncertain"),
        (quality_class, 129, "bad"),
    ],
)
def test_small_formatters(fn: object, arg: int, text: str) -> None:
    assert fn(arg) == text  # type: ignore[operator]


def test_demo_config_keeps_its_store_in_the_data_dir(tmp_path: Path) -> None:
    config = demo_config(tmp_path)
    assert config.store.url == "sqlite:///" + str(tmp_path / "demo.db")
    assert config.plant.name == load_config(DEMO_CONFIG).plant.name


@pytest.mark.parametrize(
    ("section", "port"),
    [({}, 14840), ({"opcua": {"port": 24840}, "mqtt": {"enabled": False}}, 24840)],
)
def test_simulation_config_for(tmp_path: Path, section: dict[str, object], port: int) -> None:
    plant = tmp_path / "plant.toml"
    plant.write_text("[plant]\nname = 'p'\n", encoding="utf-8")
    config = load_config(plant).model_copy(update={"simulator": section})
    assert simulation_config_for(config).opcua.port == port


def test_simulation_config_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "sim.toml").write_text("seed = 7\n[mqtt]\nenabled = false\n", encoding="utf-8")
    plant = tmp_path / "plant.toml"
    plant.write_text("[plant]\nname = 'p'\n[simulator]\nconfig = 'sim.toml'\n", encoding="utf-8")
    assert simulation_config_for(load_config(plant)).seed == 7


@pytest.mark.parametrize(
    ("width", "span_s", "points"),
    [
        (1500, 3600, 3000),
        (50, 3600, 200),
        (3000, 3600, 4000),
        (1500, 86_400, 2880),
        (1500, 30 * 86_400, 1440),
        (1500, 365 * 86_400, 3000),
    ],
)
def test_points_for_width(width: int, span_s: float, points: int) -> None:
    from hmi.views.trends.history import points_for_width

    assert points_for_width(width, span_s) == points
