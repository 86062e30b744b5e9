"""Real asyncua servers in subprocesses (killable, restartable on the same port) for the driver tests.

The server is ``boiler_server.py`` next to this file. Server certificates are generated once
per test session; every test that needs a PKI gets a fresh directory of its own.
"""

from __future__ import annotations

import selectors
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from core.model import QuarantineRecord, Reading
from drivers.base import LinkState, TagDeclaration
from drivers.loop import FieldLoop
from drivers.opcua.config import OpcuaConfig, parse_opcua_sections
from drivers.opcua.driver import OpcuaDriver
from tests.conftest import free_port
from tests.drivers.opcua.boiler_server import ensure_server_certificate

SERVER_SCRIPT = Path(__file__).with_name("boiler_server.py")
READY_TIMEOUT_S = 20.0


class BoilerServer:
    """``boiler_server.py`` as a child process on a fixed port; SIGKILL and restart at will."""

    def __init__(self, port: int, log_dir: Path, *extra_args: str) -> None:
        self.port = port
        self.endpoint = f"opc.tcp://127.0.0.1:{port}/boiler"
        self._args = [sys.executable, str(SERVER_SCRIPT), "--port", str(port), *extra_args]
        self._log_dir = log_dir
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the server and wait (bounded) until it listens."""
        self.starts += 1
        log_file = (self._log_dir / f"server-{self.port}-{self.starts}.log").open("wb")
        self._process = subprocess.Popen(self._args, stdout=subprocess.PIPE, stderr=log_file)
        log_file.close()
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(READY_TIMEOUT_S):
                self.kill()
                pytest.fail(f"OPC-UA test server on port {self.port} did not start")
        line = self._process.stdout.readline()
        if line.strip() != b"READY":
            self.kill()
            pytest.fail(f"OPC-UA test server failed: {self.log_text()}")

    def kill(self) -> None:
        """SIGKILL the server (no goodbye to its clients) and reap it."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
        if self._process is not None:
            self._process.wait(timeout=10)
            if self._process.stdout is not None:
                self._process.stdout.close()
        self._process = None

    def log_text(self) -> str:
        """Everything the server wrote to stderr (for failure messages)."""
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self._log_dir.glob("server-*.log"))
        )


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., BoilerServer]]:
    """Factory: ``start_server("--security", "none")`` -> a running :class:`BoilerServer`."""
    servers: list[BoilerServer] = []

    def start(*args: str) -> BoilerServer:
        server = BoilerServer(free_port(), tmp_path, *args)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.kill()


@pytest.fixture(scope="module")
def plain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoilerServer]:
    """One unsecured server shared by the tests of a module that do not disturb it."""
    server = BoilerServer(
        free_port(), tmp_path_factory.mktemp("plain-server"), "--security", "none"
    )
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="session")
def server_cert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The secure test server's certificate and key, generated once per session."""
    directory = tmp_path_factory.mktemp("server-cert")
    ensure_server_certificate(directory)
    return directory


@pytest.fixture(scope="session")
def client_pki_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A client PKI with the application certificate already made (copied per test)."""
    from drivers.opcua.security import ensure_application_identity

    directory = tmp_path_factory.mktemp("client-pki")
    ensure_application_identity(directory)
    return directory


@pytest.fixture
def client_pki(tmp_path: Path, client_pki_template: Path) -> Path:
    """A fresh client PKI directory of this test's own (empty trust list)."""
    target = tmp_path / "pki"
    shutil.copytree(client_pki_template, target)
    return target


@pytest.fixture
def field_loop() -> Iterator[FieldLoop]:
    """A running FieldLoop, stopped after the test."""
    loop = FieldLoop(name="opcua-test-loop")
    loop.start()
    yield loop
    loop.stop()


@dataclass
class RecordingSink:
    """A thread-safe :class:`drivers.base.DriverSink` that keeps everything and lets tests wait."""

    accept: bool = True
    batches: list[tuple[str, list[Reading]]] = field(default_factory=list)
    declarations: list[TagDeclaration] = field(default_factory=list)
    rejected: list[QuarantineRecord] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def emit(self, readings: Sequence[Reading], *, source: str, on_durable: Any = None) -> bool:
        with self._cond:
            if not self.accept:
                return False
            self.batches.append((source, list(readings)))
            self._cond.notify_all()
        return True

    def reject(self, record: QuarantineRecord) -> None:
        with self._cond:
            self.rejected.append(record)

    def declare(self, tags: Sequence[TagDeclaration]) -> None:
        with self._cond:
            self.declarations.extend(tags)

    def readings(self) -> list[Reading]:
        """Every reading so far, in arrival order."""
        with self._cond:
            return [r for _, batch in self.batches for r in batch]

    def mark(self) -> int:
        """A position to look for readings after (see :meth:`since`)."""
        with self._cond:
            return sum(len(batch) for _, batch in self.batches)

    def since(self, mark: int) -> list[Reading]:
        """Readings that arrived after :meth:`mark` returned ``mark``."""
        return self.readings()[mark:]

    def wait_for(self, predicate: Callable[[list[Reading]], bool], timeout: float) -> bool:
        """Block until ``predicate(all readings)`` holds (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if predicate([r for _, batch in self.batches for r in batch]):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)


class FakeClock:
    """A monotonic clock the test moves forward by hand (thread-safe)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return time.monotonic() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ``seconds`` ahead."""
        with self._lock:
            self._offset += seconds


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` (bounded) until it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def wait_state(driver: OpcuaDriver, state: LinkState, timeout: float) -> bool:
    """Poll the driver's status (bounded) until it reaches ``state``."""
    return wait_until(lambda: driver.status.state is state, timeout)


def make_config(endpoint: str, nodes: list[dict[str, Any]], **extra: Any) -> OpcuaConfig:
    """An ``[[opcua]]`` table named ``boiler`` validated the way the plant file is."""
    table: dict[str, Any] = {
        "name": "boiler",
        "endpoint": endpoint,
        "reconnect_max_delay_s": 1.0,
        "nodes": nodes,
        **extra,
    }
    return parse_opcua_sections([table], Path.cwd(), "test.toml")[0]


@pytest.fixture
def run_driver(field_loop: FieldLoop) -> Iterator[Callable[..., tuple[OpcuaDriver, RecordingSink]]]:
    """Factory: start an :class:`OpcuaDriver` with a :class:`RecordingSink`; stopped afterwards."""
    drivers: list[OpcuaDriver] = []

    def run(config: OpcuaConfig, **kwargs: Any) -> tuple[OpcuaDriver, RecordingSink]:
        driver = OpcuaDriver(config, field_loop, **kwargs)
        sink = RecordingSink()
        drivers.append(driver)
        driver.start(sink)
        return driver, sink

    yield run
    for driver in drivers:
        driver.stop()


def tag_values(readings: list[Reading], tag: str) -> list[Reading]:
    """The readings of one tag."""
    return [r for r in readings if r.tag == tag]
