"""Alarms end to end: samples through a running collector raise alarms; the command line lists,
acknowledges (through the running collector), shelves (directly on the store when none runs),
and reads the journal, KPIs and tickets."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from core.cli.main import main
from core.config import load_config
from core.model import Reading, now_ns
from core.runtime import Collector
from tests.core.plant import write_plant

ALARMS = """
[security.hashing]
memory_kib = 19456
time_cost = 2

[[areas]]
name = "boilerhouse"

[ingest]
status_interval_s = 0.5

[maintenance]
auto_ticket_priority = "high"

[[alarms]]
tag = "boiler/temp"
type = "high"
limit = 90.0
priority = "high"
area = "boilerhouse"
message = "Boiler temperature high"
cause = "Burner control fault"
corrective_action = "Reduce the setpoint"

[[alarms]]
tag = "boiler/pressure"
type = "low"
limit = 1.0
priority = "low"
"""


PASSWORDS = {
    "admin": "correct horse battery",
    "olga": "blue kettle morning 7",
    "max": "granite river lamp 42",
}


def with_stdin(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


def create_users(monkeypatch: pytest.MonkeyPatch, cfg: str) -> None:
    """The administrator (first run), an operator of the boilerhouse and a plant-wide engineer."""
    with_stdin(monkeypatch, PASSWORDS["admin"])
    assert main(["users", "add", "admin", "--admin", "--config", cfg, "--password-stdin"]) == 0
    with_stdin(monkeypatch, PASSWORDS["admin"], PASSWORDS["olga"])
    assert main(["users", "add", "olga", "--role", "operator", "--area", "boilerhouse",
                 "--config", cfg, "--as", "admin", "--password-stdin"]) == 0  # fmt: skip
    with_stdin(monkeypatch, PASSWORDS["admin"], PASSWORDS["max"])
    assert (
        main(
            [
                "users",
                "add",
                "max",
                "--role",
                "engineer",
                "--config",
                cfg,
                "--as",
                "admin",
                "--password-stdin",
            ]
        )
        == 0
    )


def act(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], user: str, *args: str
) -> object:
    """An alarm action as ``user`` (password on stdin)."""
    with_stdin(monkeypatch, PASSWORDS[user])
    return cli_json(capsys, *args, "--user", user, "--password-stdin", "--format", "json")


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    code = main(list(args))
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def wait_for(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)


def test_alarm_lifecycle_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plant = write_plant(tmp_path, extra=ALARMS)
    cfg = str(plant)
    create_users(monkeypatch, cfg)
    capsys.readouterr()
    collector = Collector(load_config(plant))
    collector.start()
    try:
        t = now_ns()
        collector.pipeline.emit(
            [Reading("boiler/temp", 85.0, t), Reading("boiler/pressure", 2.0, t)], source="test"
        )
        collector.pipeline.emit(
            [Reading("boiler/temp", 95.5, t + 1000), Reading("boiler/pressure", 0.5, t + 1000)],
            source="test",
        )
        wait_for(lambda: len(collector.alarms.engine.needs_ack()) == 2)
        wait_for(
            lambda: (
                len(cli_json(capsys, "alarms", "list", "--config", cfg, "--format", "json")) == 2
            )
        )  # type: ignore[arg-type]
        listed = {
            a["alarm"]: a
            for a in cli_json(capsys, "alarms", "list", "--config", cfg, "--format", "json")
        }  # type: ignore[union-attr]
        assert (
            listed["boiler/temp:high"]["state"] == "unack"
            and listed["boiler/temp:high"]["priority"] == "high"
        )

        done = act(
            monkeypatch,
            capsys,
            "olga",
            "alarms",
            "ack",
            "--config",
            cfg,
            "--alarm",
            "boiler/temp:high",
            "--comment",
            "seen",
        )
        assert done == [
            {"alarm": "boiler/temp:high", "event": "ack", "from": "unack", "to": "acked"}
        ]
        assert collector.alarms.engine.state("boiler/temp:high").state.value == "acked"
    finally:
        collector.stop()

    shelved = act(monkeypatch, capsys, "max", "alarms", "shelve", "--config", cfg, "--alarm", "boiler/pressure:low",
                  "--duration", "3600", "--reason", "sensor replaced")  # fmt: skip
    assert shelved[0]["to"] == "shelved"  # type: ignore[index]
    restarted = Collector(load_config(plant))
    try:
        assert restarted.alarms.engine.state("boiler/pressure:low").state.value == "shelved"
        assert restarted.alarms.engine.state("boiler/temp:high").state.value == "acked"
    finally:
        restarted.historian.close()

    journal = cli_json(capsys, "alarms", "journal", "--config", cfg, "--format", "json")
    events = [(e["alarm"], e["event"], e["user"]) for e in journal]  # type: ignore[union-attr]
    assert ("boiler/temp:high", "ack", "olga") in events
    assert ("boiler/pressure:low", "shelve", "max") in events

    kpi = cli_json(
        capsys,
        "alarms",
        "kpi",
        "--config",
        cfg,
        "--from",
        "2000-01-01",
        "--to",
        "2100-01-01",
        "--format",
        "json",
    )
    assert kpi["total_alarms"] == 2 and kpi["priority_counts"]["high"] == 1  # type: ignore[index]

    tickets = cli_json(capsys, "tickets", "list", "--config", cfg, "--format", "json")
    assert [(t["source"], t["status"]) for t in tickets] == [("boiler/temp:high", "open")]  # type: ignore[union-attr]


def test_refusals_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plant = write_plant(tmp_path, extra=ALARMS)
    cfg = str(plant)
    create_users(monkeypatch, cfg)
    capsys.readouterr()
    with_stdin(monkeypatch, PASSWORDS["olga"])
    assert (
        main(
            [
                "alarms",
                "ack",
                "--config",
                cfg,
                "--alarm",
                "nope",
                "--user",
                "olga",
                "--password-stdin",
            ]
        )
        == 1
    )
    assert "UnknownAlarm" in capsys.readouterr().err
    with_stdin(monkeypatch, "wrong password")
    assert (
        main(["alarms", "ack", "--config", cfg, "--all", "--user", "olga", "--password-stdin"]) == 1
    )
    assert "refused" in capsys.readouterr().err
    with_stdin(monkeypatch, PASSWORDS["olga"])
    args = [
        "alarms",
        "shelve",
        "--config",
        cfg,
        "--alarm",
        "boiler/pressure:low",
        "--duration",
        "60",
        "--reason",
        "x",
    ]
    assert (
        main([*args, "--user", "olga", "--password-stdin"]) == 1
    )  # operators of the boilerhouse only
    assert "PermissionDenied" in capsys.readouterr().err


def test_bad_alarm_config_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plant = write_plant(
        tmp_path, extra='[[alarms]]\ntag = "a/b"\ntype = "high"\nlimit = 1\npriority = "urgent"\n'
    )
    assert main(["alarms", "list", "--config", str(plant)]) == 2
    assert "alarms[0].priority = 'urgent'" in capsys.readouterr().err
