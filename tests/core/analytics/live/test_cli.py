"""``controldeck anomaly-events list`` against a real plant store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from core.analytics.live import EventStore
from core.cli import anomaly_cmds
from core.config import ConfigError, load_config
from core.counters import Counters
from core.store.historian import Historian
from tests.core.analytics.live.conftest import make_event, plant_file


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="controldeck")
    anomaly_cmds.add_parsers(parser.add_subparsers(dest="command"))
    return parser


@pytest.fixture
def plant(tmp_path: Path) -> Path:
    path = plant_file(tmp_path)
    hist = Historian.open(load_config(path))
    store = EventStore(hist.engine, Counters())
    for event in (
        make_event("meter1/power", 100, 130),
        make_event("meter1/volts", 200, None),
        make_event("boiler/t", 300, 301),
    ):
        store.save(event)
    assert store.flush()
    hist.close()
    return path


def _run(capsys: pytest.CaptureFixture[str], plant: Path, *extra: str) -> str:
    args = _parser().parse_args(["anomaly-events", "list", "--config", str(plant), *extra])
    assert args.handler(args) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "tags"),
    [
        ((), ["meter1/power", "meter1/volts", "boiler/t"]),
        (("--tag", "meter1/*"), ["meter1/power", "meter1/volts"]),
        (("--tag", "boiler/t"), ["boiler/t"]),
        (("--open",), ["meter1/volts"]),
        (("--from", "150", "--to", "250"), ["meter1/volts"]),
        (("--limit", "1"), ["boiler/t"]),
        (("--tag", "meter1/*", "--limit", "1"), ["meter1/volts"]),
    ],
)
def test_list_json(
    capsys: pytest.CaptureFixture[str], plant: Path, extra: tuple[str, ...], tags: list[str]
) -> None:
    records = json.loads(_run(capsys, plant, *extra, "--format", "json"))
    assert [r["tag"] for r in records] == tags


def test_list_json_fields(capsys: pytest.CaptureFixture[str], plant: Path) -> None:
    first, second, _ = json.loads(_run(capsys, plant, "--format", "json"))
    assert first["start"] == "1970-01-01T00:01:40.000Z" and first["duration_s"] == 30.0
    assert first["open"] is False and first["close_reason"] == "recovered"
    assert second["open"] is True and second["end"] is None and second["peak_score"] == 0.7


@pytest.mark.parametrize("fmt", ["text", "csv"])
def test_list_text_and_csv(capsys: pytest.CaptureFixture[str], plant: Path, fmt: str) -> None:
    out = _run(capsys, plant, "--format", fmt).splitlines()
    assert out[0].replace(",", " ").split()[:3] == ["tag", "detector", "start"]
    body = [line for line in out[1:] if not line.startswith("-")]
    assert len(body) == 3 and "open" in body[1]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        (("--from", "yesterday"), "--from/--to"),
        (("--from", "200", "--to", "100"), "--to"),
        (("--limit", "0"), "--limit"),
    ],
)
def test_bad_arguments_are_config_errors(plant: Path, extra: tuple[str, ...], key: str) -> None:
    args = _parser().parse_args(["anomaly-events", "list", "--config", str(plant), *extra])
    with pytest.raises(ConfigError) as caught:
        args.handler(args)
    assert caught.value.key_path == key
