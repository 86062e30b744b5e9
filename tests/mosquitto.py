"""A real Mosquitto broker for tests: own temp dir, free port on 127.0.0.1, persistence on.

Usage::

    broker = Mosquitto(tmp_path / "broker")          # picks a free port
    broker.start()
    ...  broker.kill(); broker.start()               # SIGKILL, same port and persistence dir
    broker.close()                                   # stop and remove the data dir

Persistence: ``autosave_on_changes true`` + ``autosave_interval 1`` make mosquitto 2.0 save its
database after every change, at the end of the main-loop iteration that made it (on tmpfs, see
``_fast_data_dir``). It sends a publisher's PUBACK *before* that save, so a SIGKILL landing in
between loses a message the publisher already dropped: a kill test must let the publisher's
in-flight messages through first. ``max_queued_messages`` is raised above the default 1000.
``generate_tls_files`` makes a throw-away CA and a server certificate for 127.0.0.1/localhost
with the ``cryptography`` package, for the optional TLS listener.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import free_port, require_binary

START_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """PEM files of a test CA and a certificate signed by it."""

    ca_file: Path
    cert_file: Path
    key_file: Path


class Mosquitto:
    """One mosquitto process; ``start``/``stop``/``kill``/``restart`` keep port and data dir."""

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        tls: TlsFiles | None = None,
        password_file: Path | None = None,
        extra_config: Sequence[str] = (),
        data_dir: Path | None = None,
    ) -> None:
        self.workdir = workdir
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.tls = tls
        self.tls_port = free_port() if tls is not None else None
        self.password_file = password_file
        self.extra_config = list(extra_config)
        self.binary = require_binary("mosquitto")
        self.process: subprocess.Popen[bytes] | None = None
        self.data_dir = data_dir or _fast_data_dir(workdir)
        self._remove_data_dir = (
            weakref.finalize(self, shutil.rmtree, self.data_dir, True) if data_dir is None else None
        )
        self.config_file = workdir / "mosquitto.conf"
        self.log_file = workdir / "mosquitto.log"

    def __enter__(self) -> Mosquitto:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the broker and remove a persistence dir this object created."""
        self.stop()
        if self._remove_data_dir is not None:
            self._remove_data_dir()

    @property
    def pid(self) -> int | None:
        """PID of the running broker."""
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self.process is not None and self.process.poll() is None

    def config_text(self) -> str:
        """The mosquitto.conf this broker runs with."""
        lines = [
            f"user {pwd.getpwuid(os.geteuid()).pw_name}",
            "persistence true",
            f"persistence_location {self.data_dir}/",
            "autosave_on_changes true",
            "autosave_interval 1",
            "max_queued_messages 1000000",
            f"log_dest file {self.log_file}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            f"allow_anonymous {'false' if self.password_file else 'true'}",
        ]
        if self.password_file is not None:
            lines.append(f"password_file {self.password_file}")
        lines.append(f"listener {self.port} {self.host}")
        if self.tls is not None:
            lines += [
                f"listener {self.tls_port} {self.host}",
                f"cafile {self.tls.ca_file}",
                f"certfile {self.tls.cert_file}",
                f"keyfile {self.tls.key_file}",
            ]
        return "\n".join([*lines, *self.extra_config, ""])

    def start(self) -> None:
        """Start (or start again) and wait until every listener accepts connections."""
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(self.config_text())
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        ports = [p for p in (self.port, self.tls_port) if p is not None]
        while not all(_accepts(self.host, p) for p in ports):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self._fail_start()
            time.sleep(0.02)

    def _fail_start(self) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.kill()
        _, err = self.process.communicate(timeout=5)
        self.process = None
        log_tail = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
        raise RuntimeError(f"mosquitto did not start: {err.decode()[-2000:]}\n{log_tail}")

    def _signal(self, signum: int, wait: bool = True) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.kill(self.process.pid, signum)
        if wait:
            self.process.wait(timeout=10)
            assert self.process.stderr is not None
            self.process.stderr.close()
            self.process = None

    def stop(self) -> None:
        """Graceful stop (SIGTERM): mosquitto saves its database on the way out."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: no goodbye, only what persistence already wrote survives."""
        self._signal(signal.SIGKILL)

    def restart(self) -> None:
        """Graceful stop then start on the same port with the same data dir."""
        self.stop()
        self.start()

    def pause(self) -> None:
        """SIGSTOP: a hung broker (TCP stays open, nothing answers)."""
        self._signal(signal.SIGSTOP, wait=False)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        self._signal(signal.SIGCONT, wait=False)

    def log_text(self) -> str:
        """The broker's log so far."""
        return self.log_file.read_text() if self.log_file.exists() else ""

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``text`` appears ``count`` times in the log (e.g. a client's disconnect)."""
        deadline = time.monotonic() + timeout
        while self.log_text().count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"mosquitto log never showed {text!r} x{count}")
            time.sleep(0.01)


def _fast_data_dir(workdir: Path) -> Path:
    """A persistence dir on tmpfs when there is one, else under ``workdir``.

    With ``autosave_interval 1`` mosquitto saves (and fsyncs) its database after every change;
    on a disk that caps a test at a few hundred messages per second. tmpfs survives a SIGKILL
    of the broker process, which is what these tests inject (not a power loss).
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="mosquitto-", dir=shm))
    return workdir / "data"


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def make_password_file(path: Path, users: dict[str, str]) -> Path:
    """A mosquitto password file (hashed by ``mosquitto_passwd``) for ``users``."""
    tool = require_binary("mosquitto_passwd")
    path.write_text("")
    for user, password in users.items():
        subprocess.run([tool, "-b", str(path), user, password], check=True, capture_output=True)
    return path


def generate_tls_files(directory: Path, *, name: str = "test") -> TlsFiles:
    """A fresh CA and a server certificate for 127.0.0.1 and localhost (PEM, EC P-256)."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} CA")])
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    alt_names = x509.SubjectAlternativeName(
        [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    )
    cert = (
        _builder(subject, ca_name, key.public_key(), now)
        .add_extension(alt_names, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime.datetime,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
    )


def _ca_usage() -> x509.KeyUsage:
    unused = ("content_commitment", "key_encipherment", "data_encipherment", "key_agreement")
    off = dict.fromkeys((*unused, "encipher_only", "decipher_only"), False)
    return x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, **off)
