"""``controldeck users ...`` and ``controldeck audit ...`` through their handlers, on real stores."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import sqlite3
import sys
from pathlib import Path

import pytest

from core.cli import security_cmds
from core.config import ConfigError, load_config
from core.security.events import AuditEvent
from core.security.service import SecurityServices
from core.store.historian import Historian
from tests.core.security.conftest import PASSWORD, T0, FakeClock

OLAF = "Pumps-Water-North-2026"
NEW = "Fresh-Granite-Window-58"
MAC = "00:1A:2B:3C:4D:5E"


class Cli:
    """Runs one command line through the handlers, with standard input given as text."""

    def __init__(self, plant: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.plant = plant
        self.monkeypatch = monkeypatch
        parser = argparse.ArgumentParser(prog="controldeck")
        sub = parser.add_subparsers(dest="command")
        security_cmds.add_parsers(sub)
        self.parser = parser

    def __call__(self, *argv: str, stdin: str = "") -> int:
        args = self.parser.parse_args([*argv, "--config", str(self.plant)])
        self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code: int = args.handler(args)
        return code


@pytest.fixture
def cli(plant_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(plant_path, monkeypatch)


@pytest.fixture
def admin_cli(cli: Cli) -> Cli:
    assert (
        cli(
            "users",
            "add",
            "admin",
            "--admin",
            "--full-name",
            "Ada Admin",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
        == 0
    )
    return cli


def _lines(*passwords: str) -> str:
    return "".join(p + "\n" for p in passwords)


@pytest.mark.parametrize(
    "argv",
    [
        ("users", "list"),
        ("users", "add", "bob", "--role", "operator", "--password-stdin"),
        ("users", "passwd", "admin", "--password-stdin"),
        ("users", "disable", "admin", "--as", "admin", "--password-stdin"),
    ],
)
def test_first_run_allows_only_the_administrator(cli: Cli, argv: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError, match="users add NAME --admin"):
        cli(*argv, stdin=_lines(PASSWORD, PASSWORD))


def test_user_lifecycle(
    admin_cli: Cli, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    cli = admin_cli
    assert (
        cli(
            "users",
            "add",
            "olaf",
            "--role",
            "operator",
            "--area",
            "boiler",
            "--as",
            "admin",
            "--password-stdin",
            stdin=_lines(PASSWORD, OLAF),
        )
        == 0
    )
    assert capsys.readouterr().out == "user olaf added\n"
    assert cli("users", "list", "--format", "json") == 0
    listing = json.loads(capsys.readouterr().out)
    assert [(u["user"], u["roles"], u["scope"], u["status"]) for u in listing] == [
        ("admin", "administrator", "plant-wide", "enabled"),
        ("olaf", "operator", "boiler", "enabled"),
    ]
    assert cli("users", "passwd", "olaf", "--password-stdin", stdin=_lines(OLAF, NEW)) == 0
    assert (
        cli(
            "users",
            "roles",
            "olaf",
            "--role",
            "engineer",
            "--site",
            "north",
            "--as",
            "admin",
            "--password-stdin",
            stdin=_lines(PASSWORD),
        )
        == 0
    )
    assert (
        cli(
            "users",
            "disable",
            "olaf",
            "--as",
            "admin",
            "--reason",
            "left",
            "--password-stdin",
            stdin=_lines(PASSWORD),
        )
        == 0
    )
    assert cli("users", "list") == 0
    out = capsys.readouterr().out
    assert "olaf" in out and "engineer" in out and "disabled" in out and "north" in out
    assert cli("users", "list", "--sessions") == 0
    assert cli("audit", "verify") == 0
    captured = capsys.readouterr()
    for secret in (PASSWORD, OLAF, NEW):
        assert secret not in captured.out + captured.err + caplog.text


def test_passwords_never_from_argv(cli: Cli) -> None:
    with pytest.raises(SystemExit):
        cli.parser.parse_args(["users", "add", "x", "--password", PASSWORD, "--config", "p.toml"])


def test_wrong_acting_password_is_refused(
    admin_cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    code = admin_cli(
        "users",
        "add",
        "eve",
        "--role",
        "operator",
        "--as",
        "admin",
        "--password-stdin",
        stdin=_lines("Not-Admins-Password-1", OLAF),
    )
    assert code == 1 and "refused" in capsys.readouterr().err


def test_non_manager_is_refused(admin_cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    admin_cli(
        "users",
        "add",
        "olaf",
        "--role",
        "operator",
        "--as",
        "admin",
        "--password-stdin",
        stdin=_lines(PASSWORD, OLAF),
    )
    code = admin_cli(
        "users", "disable", "admin", "--as", "olaf", "--password-stdin", stdin=_lines(OLAF)
    )
    assert code == 1 and "may not manage_users" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (
            ("users", "add", "olga", "--role", "operator", "--as", "admin", "--password-stdin"),
            _lines(PASSWORD, "short"),
            "at least 12",
        ),
        (
            ("users", "add", "olga", "--role", "janitor", "--as", "admin", "--password-stdin"),
            _lines(PASSWORD, OLAF),
            "unknown role",
        ),
        (
            ("users", "add", "olga", "--as", "admin", "--password-stdin"),
            _lines(PASSWORD, OLAF),
            "at least one --role",
        ),
        (
            ("users", "add", "olga", "--role", "operator", "--password-stdin"),
            _lines(PASSWORD, OLAF),
            "--as",
        ),
        (
            ("users", "add", "olga", "--role", "operator", "--as", "admin", "--password-stdin"),
            _lines(PASSWORD),
            "standard input ended",
        ),
        (("users", "add", "olga", "--role", "operator", "--as", "admin"), "", "--password-stdin"),
        (
            ("users", "add", "admin", "--role", "operator", "--as", "admin", "--password-stdin"),
            _lines(PASSWORD, OLAF),
            "exists already",
        ),
    ],
)
def test_bad_input_is_a_usage_error(
    admin_cli: Cli, argv: tuple[str, ...], stdin: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        admin_cli(*argv, stdin=stdin)
    assert PASSWORD not in str(info.value) and "short" not in str(info.value.value)


def test_permission_matrix(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("users", "roles") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["role", "view", "acknowledge"]
    assert lines[2].split()[:5] == ["operator", "yes", "yes", "yes", "yes"]


def _tamper(plant: Path, sql: str) -> None:
    with sqlite3.connect(plant.parent / "plant.db", isolation_level=None) as conn:
        conn.execute("DROP TRIGGER IF EXISTS audit_trail_no_update")
        conn.execute("DROP TRIGGER IF EXISTS audit_trail_no_delete")
        conn.execute(sql)


@pytest.mark.parametrize(
    ("sql", "seq", "words"),
    [
        ("UPDATE audit_trail SET target = 'root' WHERE seq = 1", 1, "hash mismatch"),
        ("DELETE FROM audit_trail WHERE seq = 2", 2, "missing"),
        ("DELETE FROM audit_trail WHERE seq >= 3", 3, "tail deleted"),
    ],
)
def test_audit_verify_names_the_first_broken_link(
    admin_cli: Cli, capsys: pytest.CaptureFixture[str], sql: str, seq: int, words: str
) -> None:
    for name in ("olaf", "olga"):
        admin_cli(
            "users",
            "add",
            name,
            "--role",
            "operator",
            "--as",
            "admin",
            "--password-stdin",
            stdin=_lines(PASSWORD, OLAF),
        )
    capsys.readouterr()
    _tamper(admin_cli.plant, sql)
    assert admin_cli("audit", "verify") == 1
    err = capsys.readouterr().err
    assert f"BROKEN at seq {seq}" in err and words in err


def test_audit_verify_reanchors_a_lost_checkpoint(
    admin_cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    (admin_cli.plant.parent / "audit" / "checkpoint.json").unlink()
    assert admin_cli("audit", "verify") == 1
    assert "checkpoint" in capsys.readouterr().err
    assert admin_cli("audit", "verify", "--reanchor") == 0
    assert admin_cli("audit", "verify") == 0


@pytest.fixture
def history(admin_cli: Cli) -> Cli:
    """Rows at T0 (one naming a hardware address) and T0 + 1 h, besides the CLI's own rows."""
    config = load_config(admin_cli.plant)
    historian = Historian.open(config)
    try:
        clock = FakeClock()
        sec = SecurityServices.open(config, historian.engine, clock=clock)
        sec.identities.register(MAC, "Boiler gateway")
        sec.audit.append(
            AuditEvent(
                "config_change", "erin", "office", target="gateway", reason=f"replaced {MAC}"
            )
        )
        clock.advance(3600)
        sec.audit.append(AuditEvent("model_promoted", "erin", "office", target="anomaly/boiler"))
    finally:
        historian.close()
    return admin_cli


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_audit_export_period(
    history: Cli, tmp_path: Path, suffix: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / f"trail{suffix}"
    start, end = "2026-01-01T00:00:00Z", "2026-01-01T00:30:00Z"
    assert history("audit", "export", "--from", start, "--to", end, "--out", str(out)) == 0
    assert "1 audit rows" in capsys.readouterr().out
    text_out = out.read_text(encoding="utf-8")
    rows = (
        json.loads(text_out) if suffix == ".json" else list(csv.DictReader(io.StringIO(text_out)))
    )
    (row,) = rows
    assert row["action"] == "config_change" and int(row["ts_ns"]) == T0
    assert (
        row["time_utc"] == "2026-01-01T00:00:00.000Z"
        and row["time_local"] == "2026-01-01T01:00:00.000+01:00"
    )
    assert row["reason"] == "replaced Boiler gateway" and MAC not in text_out
    assert len(row["hash"]) == 64
    assert (
        history("audit", "export", "--from", "2026-01-01", "--to", "2026-01-02", "--out", str(out))
        == 0
    )
    assert "2 audit rows" in capsys.readouterr().out


def test_export_is_itself_audited(history: Cli, tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    history("audit", "export", "--from", "2026-01-01", "--to", "2026-01-02", "--out", str(out))
    config = load_config(history.plant)
    historian = Historian.open(config)
    try:
        last = SecurityServices.open(config, historian.engine).audit.records()[-1]
    finally:
        historian.close()
    assert (last.action, last.target, last.new_value) == ("audit_export", str(out), "2 rows")
    assert last.username.startswith("os:")


@pytest.mark.parametrize(
    ("start", "end", "out", "message"),
    [
        ("2026-01-02", "2026-01-01", "t.csv", "before --from"),
        ("yesterday", "2026-01-01", "t.csv", "ISO-8601"),
        ("2026-01-01", "2026-01-02", "t.txt", ".csv or .json"),
    ],
)
def test_audit_export_bad_arguments(
    cli: Cli, tmp_path: Path, start: str, end: str, out: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        cli("audit", "export", "--from", start, "--to", end, "--out", str(tmp_path / out))
