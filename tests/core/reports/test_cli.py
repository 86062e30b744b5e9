"""``controldeck report``, ``report verify``, ``report sign`` and ``report run-schedules`` through
:func:`core.cli.main.main` (exit codes 0 / 1 / 2), with ``report`` registered as the lead will."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from core.cli import main as cli_main
from core.cli import report_cmds
from core.config import PlantConfig, load_config
from core.reports.csvout import read_tables
from core.reports.model import sha256_hex
from core.reports.service import ReportService
from tests.core.reports.plantdata import PASSWORD

WEEK = ["--from", "2026-01-05T00:00:00+01:00", "--to", "2026-01-12T00:00:00+01:00"]


@pytest.fixture(autouse=True)
def _report_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """``report`` in the parser (a no-op once core/cli/main.py registers it)."""
    original = cli_main.build_parser

    def build(extra: Sequence[str] = ()) -> argparse.ArgumentParser:
        parser = original(extra)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and "report" not in action.choices:
                report_cmds.add_parsers(action)
        return parser

    monkeypatch.setattr(cli_main, "build_parser", build)


def run(
    args: list[str], capsys: pytest.CaptureFixture[str], stdin: str = ""
) -> tuple[int, str, str]:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = cli_main.main(args)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


def test_generate_verify_sign_verify(
    plant_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "alarms.pdf"
    code, text, _ = run(
        ["report", "--config", str(plant_file), "--kind", "alarms", *WEEK, "--out", str(out)],
        capsys,
    )
    assert code == 0 and f"wrote {out}: report #" in text and "sha256 " in text
    code, text, _ = run(["report", "verify", str(out), "--config", str(plant_file)], capsys)
    assert code == 0 and text.strip().endswith("VERIFIED")
    code, text, err = run(
        ["report", "sign", "--config", str(plant_file), "--file", str(out), "--meaning", "approved",
         "--user", "sue", "--password-stdin"], capsys, stdin=PASSWORD + "\n",
    )  # fmt: skip
    signed = tmp_path / "alarms.signed.pdf"
    assert code == 0, err
    assert "as approved by Sue Visor" in text and signed.exists()
    code, text, _ = run(["report", "verify", str(signed), "--config", str(plant_file)], capsys)
    assert code == 0 and "signature (valid): Sue Visor (sue), approved" in text
    with ReportService.open(load_config(plant_file)) as service:
        original = service.archive.by_hash(sha256_hex(out.read_bytes()))
        copy = service.archive.by_hash(sha256_hex(signed.read_bytes()))
        exported = service.ctx.security.audit.records(0)
    assert original is not None and original.file_path == str(out)
    assert copy is not None and copy.file_path == str(signed)
    assert [(r.target, r.new_value) for r in exported if r.action == "report_exported"] == [
        (str(out), original.content_hash)
    ]


def test_modified_file_fails_verification(
    plant_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "energy.csv"
    assert (
        run(
            ["report", "--config", str(plant_file), "--kind", "energy", *WEEK, "--out", str(out)],
            capsys,
        )[0]
        == 0
    )
    data = bytearray(out.read_bytes())
    data[len(data) // 3] ^= 0x04
    out.write_bytes(bytes(data))
    code, text, _ = run(["report", "verify", str(out), "--config", str(plant_file)], capsys)
    assert code == 1 and "NOT VERIFIED" in text and "no report with this SHA-256" in text


def test_single_table_csv(
    plant_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "devices.csv"
    code, _, _ = run(["report", "--config", str(plant_file), "--kind", "energy", *WEEK,
                      "--out", str(out), "--table", "energy_devices"], capsys)  # fmt: skip
    assert code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("device,area,site,carrier,scope,kwh")
    assert len(lines) == 4 and read_tables(out.read_bytes())["metadata"] == []


def test_wrong_password_exits_1(
    plant_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "a.pdf"
    run(
        ["report", "--config", str(plant_file), "--kind", "alarms", *WEEK, "--out", str(out)],
        capsys,
    )
    code, _, err = run(
        ["report", "sign", "--config", str(plant_file), "--file", str(out), "--meaning", "reviewed",
         "--user", "sue", "--password-stdin"], capsys, stdin="not-the-password-1\n",
    )  # fmt: skip
    assert code == 1 and "refused" in err and not (tmp_path / "a.signed.pdf").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "weekly", *WEEK, "--out", "x.pdf"], "invalid choice"),
        (["--kind", "energy", *WEEK], "--out"),
        (["--kind", "energy", "--from", "yesterday", "--to", "2026-01-02", "--out", "x.pdf"], "--from"),
        (["--kind", "energy", "--from", "2026-01-02", "--to", "2026-01-01", "--out", "x.pdf"], "--from/--to"),
        (["--kind", "energy", *WEEK, "--out", "x.txt"], ".pdf or .csv"),
        (["--kind", "energy", *WEEK, "--out", "x.pdf", "--table", "energy_devices"], "--table"),
        (["--kind", "energy", *WEEK, "--out", "x.csv", "--table", "nope"], "no such table"),
    ],
)  # fmt: skip
def test_bad_usage_exits_2(
    plant_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    fixed = [a if not a.startswith("x.") else str(tmp_path / a) for a in args]
    code, _, err = run(["report", "--config", str(plant_file), *fixed], capsys)
    assert code == 2 and message in err
    assert not any(tmp_path.glob("x.*"))


def test_verify_of_a_missing_file_exits_2(
    plant_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["report", "verify", str(tmp_path / "none.pdf"), "--config", str(plant_file)], capsys
    )
    assert code == 2 and "cannot read" in err


def test_run_schedules(
    plant_file: Path,
    config: PlantConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    wired = config.model_copy(
        update={"reports": [{"kind": "alarms", "every": "month", "folder": "monthly"}]}
    )
    monkeypatch.setattr(report_cmds, "load_config", lambda _path: wired)
    code, text, _ = run(["report", "run-schedules", "--config", str(plant_file)], capsys)
    assert code == 0 and "alarms-month" in text and "written" in text
    assert len(list((config.base_dir / "monthly").glob("alarms-month_*.pdf"))) == 1
    code, text, _ = run(["report", "run-schedules", "--config", str(plant_file)], capsys)
    assert code == 0 and "nothing due" in text


def test_run_schedules_without_schedules(
    plant_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text, _ = run(["report", "run-schedules", "--config", str(plant_file)], capsys)
    assert code == 0 and "no [[reports]] schedules" in text
