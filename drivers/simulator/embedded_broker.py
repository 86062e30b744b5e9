"""An MQTT broker on loopback for the demo, started only when none answers.

:func:`ensure_broker` first asks the configured address for an MQTT CONNACK. When nothing
answers it starts Mosquitto (``mosquitto`` on PATH or ``/usr/sbin/mosquitto``) as a child
process with a generated config bound to 127.0.0.1; without Mosquitto it runs the pure-Python
amqtt broker on a thread of its own. The returned handle stops whichever it started.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0
# MQTT 3.1.1 CONNECT: clean session, keepalive 10 s, client id "cd-probe".
_PROBE_CONNECT = bytes([0x10, 20, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 10, 0, 8]) + b"cd-probe"
_PROBE_DISCONNECT = bytes([0xE0, 0])
_CONNACK = 0x20


def broker_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when an MQTT broker on host:port answers CONNECT with CONNACK."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(_PROBE_CONNECT)
            reply = sock.recv(4)
            if len(reply) >= 1 and reply[0] == _CONNACK:
                sock.sendall(_PROBE_DISCONNECT)
                return True
            return False
    except OSError:
        return False


def _port_taken(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def find_mosquitto() -> str | None:
    """Path of the Mosquitto executable, or None."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None


class _Stoppable(Protocol):
    def stop(self, timeout: float) -> None: ...


class BrokerHandle:
    """A broker this process started; :meth:`stop` ends it (idempotent)."""

    def __init__(self, host: str, port: int, kind: str, runner: _Stoppable) -> None:
        self.host, self.port, self.kind = host, port, kind
        self._runner = runner
        self._stopped = False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the broker and wait for it to end."""
        if self._stopped:
            return
        self._stopped = True
        self._runner.stop(timeout)
        log.info("embedded %s broker on %s:%d stopped", self.kind, self.host, self.port)

    def __repr__(self) -> str:
        return f"BrokerHandle({self.kind} on {self.host}:{self.port})"


class _MosquittoProcess:
    """Mosquitto as a child process with a generated config in a temporary directory."""

    def __init__(self, binary: str, host: str, port: int) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="controldeck-mqtt-")
        config = Path(self._dir.name) / "mosquitto.conf"
        config.write_text(
            f"listener {port} {host}\n"
            "allow_anonymous true\n"
            "persistence false\n"
            "max_queued_messages 100000\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n",
            encoding="utf-8",
        )
        self._log = open(Path(self._dir.name) / "mosquitto.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [binary, "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        """What Mosquitto wrote so far (for error messages)."""
        self._log.flush()
        return (Path(self._dir.name) / "mosquitto.log").read_text("utf-8", errors="replace")

    def stop(self, timeout: float) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self._log.close()
        self._dir.cleanup()


class _AmqttThread:
    """The amqtt broker on its own asyncio loop thread."""

    def __init__(self, host: str, port: int) -> None:
        self._config: dict[str, Any] = {
            "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        self._loop = asyncio.new_event_loop()
        self._broker: Any = None
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="amqtt-broker", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise RuntimeError("amqtt broker did not start in time")
        if self._error is not None:
            raise RuntimeError(f"amqtt broker failed to start: {self._error}") from self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except Exception as exc:  # a broker that cannot start is reported to the caller
            self._error = exc
            self._started.set()
            self._loop.close()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.close()

    async def _start(self) -> None:
        from amqtt.broker import Broker

        for chatty in ("transitions", "amqtt"):
            if logging.getLogger(chatty).level == logging.NOTSET:
                logging.getLogger(chatty).setLevel(logging.WARNING)

        self._broker = Broker(self._config)
        await self._broker.start()

    def stop(self, timeout: float) -> None:
        if self._loop.is_closed():
            return
        future = asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop)
        try:
            future.result(timeout)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)


def _wait_answering(host: str, port: int, alive: Any) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if broker_answers(host, port, timeout=0.5):
            return True
        if not alive():
            return False
        time.sleep(0.05)
    return False


def _start_mosquitto(binary: str, host: str, port: int) -> BrokerHandle | None:
    runner = _MosquittoProcess(binary, host, port)
    if _wait_answering(host, port, lambda: runner.process.poll() is None):
        log.info("started embedded mosquitto on %s:%d (pid %d)", host, port, runner.process.pid)
        return BrokerHandle(host, port, "mosquitto", runner)
    output = runner.output().strip()
    runner.stop(5.0)
    log.warning("mosquitto did not start on %s:%d: %s", host, port, output[-500:])
    return None


def ensure_broker(
    host: str = "127.0.0.1", port: int = 1883, *, use_mosquitto: bool = True
) -> BrokerHandle | None:
    """Make sure an MQTT broker answers on host:port.

    Returns ``None`` when one already answers, else a handle to the broker started here
    (Mosquitto when available and ``use_mosquitto``, amqtt otherwise). Only loopback
    addresses are served; anything else raises ``ValueError``. Raises ``RuntimeError`` when
    the port is held by something that is not an MQTT broker or no broker could start.
    """
    if broker_answers(host, port):
        return None
    if not is_loopback(host):
        raise ValueError(
            f"no MQTT broker answers on {host}:{port} and it is not a loopback address"
        )
    if _port_taken(host, port):
        raise RuntimeError(f"{host}:{port} accepts connections but does not speak MQTT")
    binary = find_mosquitto() if use_mosquitto else None
    if binary is not None:
        handle = _start_mosquitto(binary, host, port)
        if handle is not None:
            return handle
    runner = _AmqttThread(host, port)
    if not _wait_answering(host, port, lambda: True):
        runner.stop(5.0)
        raise RuntimeError(f"the embedded amqtt broker does not answer on {host}:{port}")
    log.info("started embedded amqtt broker on %s:%d", host, port)
    return BrokerHandle(host, port, "amqtt", runner)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (the only ones served here)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
