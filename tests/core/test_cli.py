"""The command line contract: import/export round trip, counts with reasons, exit codes, JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from core.cli.main import main
from tests.core.plant import write_plant

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python main.py ...`` in a child process: the public interface as a user runs it."""
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def history_csv(path: Path, rows: int = 3000) -> list[tuple[str, int, float, str]]:
    rng = np.random.default_rng(7)
    data = []
    for i in range(rows):
        tag = ("boiler/temp", "meter1/kw")[i % 2]
        data.append(
            (
                tag,
                T0 + i // 2,
                float(np.round(rng.normal(60, 9), 6)),
                "good" if i % 11 else "uncertain",
            )
        )
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["tag", "timestamp", "value", "quality"])
        for tag, ts, value, q in data:
            w.writerow(
                [
                    tag,
                    ts if ts % 2 else f"2026-01-01T00:{(ts - T0) // 60:02d}:{(ts - T0) % 60:02d}Z",
                    value,
                    q,
                ]
            )
        w.writerow(["boiler/temp", "not-a-time", 1, "good"])
        w.writerow(["boiler/temp", T0 + 5000, "hot", "good"])
        w.writerow(["boiler/temp", T0 + 5001, "nan", "good"])
        w.writerow(["boiler/temp", T0 + 5002, 1, "excellent"])
    return data


def test_import_then_export_returns_identical_values_and_reimport_adds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant = write_plant(tmp_path)
    data = history_csv(tmp_path / "h.csv")
    assert (
        main(
            ["import", "--config", str(plant), "--csv", str(tmp_path / "h.csv"), "--format", "json"]
        )
        == 0
    )
    first = json.loads(capsys.readouterr().out)
    assert first["imported"] == 3000 and first["duplicates"] == 0 and first["rejected"] == 4
    assert first["reasons"] == {
        "bad_timestamp": 1,
        "wrong_type": 1,
        "non_finite": 1,
        "bad_quality": 1,
    }
    assert any("line 3002" in e for e in first["examples"])

    assert (
        main(
            ["import", "--config", str(plant), "--csv", str(tmp_path / "h.csv"), "--format", "json"]
        )
        == 0
    )
    second = json.loads(capsys.readouterr().out)
    assert second["imported"] == 0 and second["duplicates"] == 3000

    assert main(["export", "--config", str(plant), "--tag", "boiler/temp", "--tag", "meter1/kw",
                 "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"]) == 0  # fmt: skip
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["tag", "timestamp", "value", "quality"]
    exported = sorted((r[0], r[1], float(r[2]), r[3]) for r in rows[1:])
    expected = sorted(
        (
            tag,
            f"2026-01-01T{(ts - T0) // 3600:02d}:{(ts - T0) % 3600 // 60:02d}:{(ts - T0) % 60:02d}.000Z",
            v,
            q,
        )
        for tag, ts, v, q in data
    )
    assert exported == expected


def test_export_json_and_decimated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant = write_plant(tmp_path)
    history_csv(tmp_path / "h.csv")
    main(["import", "--config", str(plant), "--csv", str(tmp_path / "h.csv")])
    capsys.readouterr()
    args = [
        "export",
        "--config",
        str(plant),
        "--tag",
        "meter1/kw",
        "--from",
        str(T0),
        "--to",
        str(T0 + 1500),
    ]
    assert main([*args, "--format", "json", "--max-points", "100"]) == 0
    points = json.loads(capsys.readouterr().out)
    assert 0 < len(points) <= 100 and set(points[0]) == {"tag", "timestamp", "value", "quality"}


def test_tags_and_status_as_json(tmp_path: Path) -> None:
    plant = write_plant(tmp_path, extra='[[tags]]\nname = "meter1/kw"\nunit = "kW"\n')
    history_csv(tmp_path / "h.csv", rows=20)
    assert (
        run_cli("import", "--config", str(plant), "--csv", str(tmp_path / "h.csv")).returncode == 0
    )
    tags = run_cli("tags", "--config", str(plant), "--format", "json")
    assert tags.returncode == 0, tags.stderr
    by_name = {t["name"]: t for t in json.loads(tags.stdout)}
    kw = by_name["meter1/kw"]
    assert (
        kw["unit"] == "kW" and kw["device"] == "meter1" and kw["quality"] in ("good", "uncertain")
    )
    assert kw["timestamp"].endswith("Z") and isinstance(kw["value"], float)
    status = run_cli("status", "--config", str(plant), "--format", "json")
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["store"]["reachable"] and report["quarantine"]["bad_quality"] == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export"], "the following arguments are required"),
        (["frobnicate"], "invalid choice"),
        (
            ["tags", "--config", "/nonexistent/plant.toml"],
            "/nonexistent/plant.toml: file not found",
        ),
        (["collect", "--config", "{plant}", "--duration", "-1"], "--duration must be positive"),
        (
            [
                "export",
                "--config",
                "{plant}",
                "--tag",
                "x/y",
                "--from",
                "2026-01-01",
                "--to",
                "2026-01-02",
            ],
            "unknown tag",
        ),
        (
            [
                "export",
                "--config",
                "{plant}",
                "--tag",
                "x/y",
                "--from",
                "soon",
                "--to",
                "2026-01-02",
            ],
            "not an ISO-8601",
        ),
        (["import", "--config", "{plant}", "--csv", "{missing}"], "cannot open"),
    ],
)
def test_usage_and_config_errors_exit_2_with_one_line(
    tmp_path: Path, args: list[str], needle: str
) -> None:
    plant = write_plant(tmp_path)
    argv = [a.format(plant=plant, missing=tmp_path / "missing.csv") for a in args]
    result = run_cli(*argv)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "INFO" not in line]
    assert len(lines) == 1 and needle in lines[0], result.stderr


def test_bad_header_names_the_file(tmp_path: Path) -> None:
    plant = write_plant(tmp_path)
    (tmp_path / "bad.csv").write_text("name,time\nx,1\n")
    result = run_cli("import", "--config", str(plant), "--csv", str(tmp_path / "bad.csv"))
    assert result.returncode == 2 and "bad.csv: line 1: header" in result.stderr


def test_runtime_failure_exits_1(tmp_path: Path) -> None:
    plant = write_plant(tmp_path, url="postgresql://nobody@127.0.0.1:1/none")
    result = run_cli("tags", "--config", str(plant))
    assert result.returncode == 1 and "cannot open the store" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def published_status(db: Path) -> int:
    """How many processes have published a status row (0 while the database is not there)."""
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        try:
            return int(conn.execute("SELECT count(*) FROM runtime_status").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_collect_drains_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    plant = write_plant(tmp_path)
    with subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "collect", "--config", str(plant)],
        stderr=subprocess.PIPE, text=True,
    ) as child:  # fmt: skip
        deadline = time.monotonic() + 60
        while not published_status(tmp_path / "plant.db"):
            assert time.monotonic() < deadline and child.poll() is None, "collector did not start"
            time.sleep(0.1)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "stopped" in err
    status = json.loads(run_cli("status", "--config", str(plant), "--format", "json").stdout)
    assert len(status["processes"]) == 1


def test_collect_with_duration_stops_by_itself(tmp_path: Path) -> None:
    plant = write_plant(tmp_path)
    result = run_cli("collect", "--config", str(plant), "--duration", "1")
    assert result.returncode == 0, result.stderr


def test_parsing_the_command_line_loads_no_report_or_model_code() -> None:
    """Every command pays the start-up: the report builders (scikit-learn, reportlab) load when
    a report verb runs, not when ``controldeck`` builds its parser."""
    probe = (
        "import sys; from core.cli.main import build_parser; build_parser(); "
        "print(','.join(m for m in ('sklearn', 'reportlab', 'statsmodels', 'core.reports.service')"
        " if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == ""


HEAVY = ("scipy", "pint", "statsmodels", "sklearn")


@pytest.mark.parametrize("args", [["--help"], ["energy", "--help"]])
def test_the_installed_command_starts_without_the_heavy_libraries(args: list[str]) -> None:
    """``controldeck --help`` (the console script, as installed) imports none of pint, scipy,
    statsmodels or scikit-learn: units are resolved, and models fitted, on first use only."""
    script = Path(sys.executable).with_name("controldeck")
    assert script.is_file(), "the console script of the editable install"
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    done = subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert done.returncode == 0 and "usage: controldeck" in done.stdout, done.stderr[-2000:]
    imported = {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }
    assert "core.analytics.energy.units" in imported, "the probe sees the energy package"
    assert sorted(m for m in imported if m.split(".")[0] in HEAVY) == []
