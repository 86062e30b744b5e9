"""``controldeck forecast`` / ``anomalies`` end to end on CSV files (parser, handler, output)."""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from core.analytics.forecast import run_forecast_cli
from core.cli import analytics_cmds
from tests.core.analytics.forecast.conftest import plant_load


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="controldeck")
    analytics_cmds.add_parsers(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def write_series(path: Path, days: int = 10) -> Path:
    ts, values = plant_load(days=days)
    stamps = np.datetime_as_string(ts.astype("datetime64[ns]"), unit="s")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        writer.writerows(
            (str(s).replace("T", " "), f"{v:.3f}") for s, v in zip(stamps, values, strict=True)
        )
    return path


def test_forecast_csv_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_series(tmp_path / "load.csv")
    args = parse(["forecast", "--csv", str(path), "--horizon", "24", "--season", "24"])
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "timestamp,forecast,lower,upper"
    assert len(lines) == 25
    rows = list(csv.reader(lines[1:]))
    assert rows[0][0] == "2023-11-24 22:00:00"
    assert rows[-1][0] == "2023-11-25 21:00:00"
    for _, mean, lower, upper in rows:
        assert float(lower) <= float(mean) <= float(upper)


def test_forecast_json_on_the_shared_taxi_series(
    nab_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = nab_root / "data" / "realKnownCause" / "nyc_taxi.csv"
    args = parse(
        ["forecast", "--csv", str(path), "--horizon", "48", "--season", "48", "--format", "json"]
    )
    assert args.handler(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["forecast"]) == 48
    assert report["forecast"][0]["timestamp"] == "2015-02-01 00:00:00"
    assert set(report["forecast"][0]) == {"timestamp", "forecast", "lower", "upper"}
    assert report["backtest"]["mase"] < 1.0
    assert report["backtest"]["mase"] < report["seasonal_naive"]["mase"]
    assert sum(report["weights"].values()) == pytest.approx(1.0)
    assert report["seasons"] == [48, 336]
    assert report["level"] == 0.9


def test_anomalies_command_is_wired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_series(tmp_path / "load.csv", days=3)
    args = parse(["anomalies", "--csv", str(path)])
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "timestamp,value,score"
    assert len(lines) == 73


@pytest.mark.parametrize(
    "argv",
    [
        ["forecast", "--csv", "x.csv", "--horizon", "0"],
        ["forecast", "--csv", "x.csv", "--horizon", "24", "--season", "-1"],
        ["forecast", "--csv", "x.csv", "--horizon", "24", "--level", "2"],
        ["forecast", "--csv", "x.csv"],
        ["forecast", "--csv", "x.csv", "--horizon", "24", "--format", "xml"],
    ],
    ids=["horizon-0", "season-negative", "level", "no-horizon", "format"],
)
def test_bad_arguments_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("content", "fmt", "horizon"),
    [
        (None, "csv", 24),
        ("time,reading\n1,2\n", "csv", 24),
        ("timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 01:00:00,2\n", "csv", 24),
        ("timestamp,value\n2024-01-01 00:00:00,1\n", "yaml", 24),
    ],
    ids=["missing-file", "bad-header", "too-short", "bad-format"],
)
def test_bad_input_exits_2(
    tmp_path: Path, content: str | None, fmt: str, horizon: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    out = io.StringIO()
    assert run_forecast_cli(path, out, fmt, horizon) == 2
    assert out.getvalue() == ""
    assert capsys.readouterr().err.startswith("error: ")
