"""``controldeck opcua rejected|trust`` through the entry point."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from drivers.opcua.security import ensure_application_identity

ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "opcua", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def plant(tmp_path: Path) -> Path:
    path = tmp_path / "plant.toml"
    path.write_text(
        '[[opcua]]\nname = "boiler"\nendpoint = "opc.tcp://127.0.0.1:4840"\npki_dir = "pki"\n'
        '[[opcua.nodes]]\ntag = "boiler/temp"\nnode = "ns=2;s=Boiler.Temperature"\n'
    )
    return path


def test_a_rejected_certificate_is_listed_and_trusted(tmp_path: Path) -> None:
    server = ensure_application_identity(tmp_path / "server-pki", hostname="boiler-server")
    rejected = tmp_path / "pki" / "rejected"
    rejected.mkdir(parents=True)
    shutil.copy(server.cert_path, rejected / "boiler.der")
    listed = run("rejected", "--config", str(plant(tmp_path)))
    assert listed.returncode == 0, listed.stderr
    assert "boiler" in listed.stdout
    trusted = run("trust", "--config", str(plant(tmp_path)), "boiler.der")
    assert trusted.returncode == 0, trusted.stderr
    assert list((tmp_path / "pki" / "trusted").iterdir())
    assert not list(rejected.iterdir())


def test_unknown_server_and_missing_certificate(tmp_path: Path) -> None:
    config = str(plant(tmp_path))
    wrong = run("rejected", "--config", config, "--server", "nope")
    assert wrong.returncode == 2 and "choose one server" in wrong.stderr
    missing = run("trust", "--config", config, "no-such-cert")
    assert missing.returncode == 1 and missing.stderr.startswith("controldeck: ")
