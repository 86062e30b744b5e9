"""ChaosProxy against a local echo server and against the real PostgreSQL on 127.0.0.1."""

from __future__ import annotations

import os
import random
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.chaos.proxy import ChaosProxy, flip_bytes
from tests.conftest import PG_ADMIN_DSN, free_port, port_open, require


class _EchoHandler(socketserver.BaseRequestHandler):
    server: RecordingServer

    def handle(self) -> None:
        while True:
            try:
                data = self.request.recv(65536)
            except ConnectionError:
                return
            if not data:
                return
            with self.server.lock:
                self.server.received += data
            try:
                self.request.sendall(data)
            except ConnectionError:
                return


class RecordingServer(socketserver.ThreadingTCPServer):
    """Echo server on 127.0.0.1 that also records every byte it received."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EchoHandler)
        self.lock = threading.Lock()
        self.received = bytearray()
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def got(self) -> bytes:
        with self.lock:
            return bytes(self.received)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


@pytest.fixture
def echo() -> Iterator[RecordingServer]:
    server = RecordingServer()
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()
    server.thread.join(timeout=5)


@pytest.fixture
def proxy(echo: RecordingServer) -> Iterator[ChaosProxy]:
    with ChaosProxy("127.0.0.1", echo.port) as chaos:
        yield chaos


@pytest.fixture
def client(proxy: ChaosProxy) -> Iterator[Callable[[], socket.socket]]:
    opened: list[socket.socket] = []

    def connect() -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=3)
        opened.append(sock)
        return sock

    yield connect
    for sock in opened:
        sock.close()


def test_pass_through_forwards_both_ways_and_counts(
    proxy: ChaosProxy, client: Callable[[], socket.socket]
) -> None:
    sock, payload = client(), bytes(range(256)) * 400
    sock.sendall(payload)
    assert recv_exactly(sock, len(payload)) == payload
    assert wait_until(lambda: proxy.bytes_up == proxy.bytes_down == len(payload))
    assert (proxy.connections, proxy.active_connections) == (1, 1)
    sock.close()
    assert wait_until(lambda: proxy.active_connections == 0)


def test_reset_sends_rst_on_open_and_new_connections(
    proxy: ChaosProxy, client: Callable[[], socket.socket]
) -> None:
    sock = client()
    sock.sendall(b"hello")
    assert recv_exactly(sock, 5) == b"hello"
    proxy.reset()
    with pytest.raises(ConnectionResetError):
        sock.recv(16)
    with pytest.raises(ConnectionResetError):  # at connect or at the first read: a race
        client().recv(16)
    assert wait_until(lambda: proxy.resets == 2)
    proxy.pass_through()
    again = client()
    again.sendall(b"back")
    assert recv_exactly(again, 4) == b"back"


def test_refuse_closes_the_listener_and_reopens_on_pass(
    proxy: ChaosProxy, client: Callable[[], socket.socket]
) -> None:
    sock = client()
    sock.sendall(b"x")
    assert recv_exactly(sock, 1) == b"x"
    proxy.refuse()
    assert sock.recv(16) == b""  # existing connection closed
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", proxy.port), timeout=3).close()
    proxy.pass_through()
    again = client()
    again.sendall(b"open again")
    assert recv_exactly(again, 10) == b"open again"


def test_blackhole_holds_data_on_open_and_new_connections_until_pass(
    proxy: ChaosProxy, echo: RecordingServer, client: Callable[[], socket.socket]
) -> None:
    sock = client()
    sock.sendall(b"one")
    assert recv_exactly(sock, 3) == b"one"
    proxy.blackhole()
    sock.sendall(b"two")
    fresh = client()  # the TCP handshake completes; nothing goes further
    fresh.sendall(b"three")
    for silent in (sock, fresh):
        silent.settimeout(0.3)
        with pytest.raises(TimeoutError):
            silent.recv(16)
    assert echo.got() == b"one"
    proxy.pass_through()  # the cable is plugged back in: held data flows on
    for live, expected in ((sock, b"two"), (fresh, b"three")):
        live.settimeout(3)
        assert recv_exactly(live, len(expected)) == expected


def test_delay_holds_each_chunk(proxy: ChaosProxy, client: Callable[[], socket.socket]) -> None:
    sock = client()
    proxy.delay(150)
    started = time.monotonic()
    sock.sendall(b"late")
    assert recv_exactly(sock, 4) == b"late"
    assert time.monotonic() - started >= 0.3  # held 150 ms each way: a floor, not a speed
    assert proxy.mode == "delay:150"


def test_throttle_caps_the_byte_rate(
    proxy: ChaosProxy, client: Callable[[], socket.socket]
) -> None:
    sock, payload = client(), os.urandom(10_000)
    proxy.throttle(20_000)
    started = time.monotonic()
    sock.sendall(payload)
    assert recv_exactly(sock, len(payload)) == payload
    assert time.monotonic() - started >= 0.45  # 10 kB at 20 kB/s: a floor, not a speed


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_corrupt_flips_bytes_with_the_given_probability(
    proxy: ChaosProxy, echo: RecordingServer, client: Callable[[], socket.socket], p: float
) -> None:
    sock, payload = client(), bytes(2000)
    proxy.corrupt(p, seed=11)
    sock.sendall(payload)
    assert len(recv_exactly(sock, len(payload))) == len(payload)
    upstream = echo.got()
    flipped = sum(1 for byte in upstream if byte != 0)
    assert len(upstream) == len(payload)
    assert {0.0: flipped == 0, 0.3: 300 < flipped < 900, 1.0: flipped == len(payload)}[p]


def test_flip_bytes_is_reproducible_from_its_seed() -> None:
    data = os.urandom(500)
    first = flip_bytes(data, 0.1, random.Random(5))
    assert first == flip_bytes(data, 0.1, random.Random(5)) != data


def test_half_close_sends_fin_to_clients_but_keeps_their_upstream_path(
    proxy: ChaosProxy, echo: RecordingServer, client: Callable[[], socket.socket]
) -> None:
    sock = client()
    sock.sendall(b"a")
    assert recv_exactly(sock, 1) == b"a"
    proxy.half_close()
    assert sock.recv(16) == b""
    sock.sendall(b"still heard")
    assert wait_until(lambda: echo.got() == b"astill heard")
    fresh = client()
    assert fresh.recv(16) == b""


def test_unreachable_upstream_closes_the_client() -> None:
    with ChaosProxy("127.0.0.1", free_port()) as chaos:
        with socket.create_connection(("127.0.0.1", chaos.port), timeout=3) as sock:
            assert sock.recv(16) == b""
        assert chaos.connections == 1


def test_events_log_each_mode_change_with_its_time(proxy: ChaosProxy) -> None:
    before = time.monotonic()
    proxy.delay(100)
    proxy.throttle(1000)
    proxy.corrupt(0.5)
    proxy.blackhole()
    proxy.half_close()
    proxy.reset()
    proxy.refuse()
    proxy.pass_through()
    labels = [label for _, label in proxy.events]
    times = [at for at, _ in proxy.events]
    assert labels == [
        "pass",
        "delay:100",
        "throttle:1000",
        "corrupt:0.5",
        "blackhole",
        "half_close",
        "reset",
        "refuse",
        "pass",
    ]
    assert times == sorted(times) and before <= times[1] and times[-1] <= time.monotonic()


# ------------------------------------------------------------------------ real PostgreSQL
@pytest.fixture
def pg_proxy() -> Iterator[tuple[ChaosProxy, Callable[..., Any]]]:
    psycopg = pytest.importorskip("psycopg")
    params = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_DSN)
    host, port = str(params.get("host", "127.0.0.1")), int(params.get("port", 5432))
    require(port_open(host, port), f"PostgreSQL on {host}:{port}")
    with ChaosProxy(host, port) as chaos:

        def connect(timeout: int = 2) -> Any:
            dsn = psycopg.conninfo.make_conninfo(
                PG_ADMIN_DSN,
                host="127.0.0.1",
                port=chaos.port,
                sslmode="disable",
                connect_timeout=timeout,
            )
            return psycopg.connect(dsn, autocommit=True)

        yield chaos, connect


def query_with_deadline(conn: Any, sql: str, timeout: float) -> Any:
    """Client-side watchdog: no answer in ``timeout`` s -> shut the socket down, raise TimeoutError."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(lambda: conn.execute(sql).fetchone())
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            with socket.socket(fileno=os.dup(conn.pgconn.socket)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
            failure = future.exception(timeout=10)
            raise TimeoutError(f"no answer within {timeout} s") from failure


def test_postgres_works_through_the_proxy(pg_proxy: tuple[ChaosProxy, Callable[..., Any]]) -> None:
    chaos, connect = pg_proxy
    with connect() as conn:
        assert conn.execute("SELECT 40 + 2").fetchone() == (42,)
    assert chaos.connections == 1 and chaos.bytes_up > 0 and chaos.bytes_down > 0


def test_postgres_refuse_fails_new_connections_at_once(
    pg_proxy: tuple[ChaosProxy, Callable[..., Any]],
) -> None:
    import psycopg

    chaos, connect = pg_proxy
    chaos.refuse()
    with pytest.raises(psycopg.OperationalError, match="refused"):
        connect()
    chaos.pass_through()
    with connect() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_postgres_blackhole_times_out_client_side_then_recovers(
    pg_proxy: tuple[ChaosProxy, Callable[..., Any]],
) -> None:
    import psycopg

    chaos, connect = pg_proxy
    conn = connect()
    try:
        assert query_with_deadline(conn, "SELECT 1", 5.0) == (1,)
        chaos.blackhole()
        with pytest.raises(TimeoutError) as caught:
            query_with_deadline(conn, "SELECT 2", 1.0)
        assert isinstance(caught.value.__cause__, psycopg.OperationalError)
        with pytest.raises(psycopg.errors.ConnectionTimeout):
            connect(timeout=2)
    finally:
        conn.close()
    chaos.pass_through()
    with connect() as fresh:
        assert fresh.execute("SELECT 3").fetchone() == (3,)


def test_postgres_reset_breaks_the_session(pg_proxy: tuple[ChaosProxy, Callable[..., Any]]) -> None:
    import psycopg

    chaos, connect = pg_proxy
    with connect() as conn:
        conn.execute("SELECT 1")
        chaos.reset()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("SELECT 1")
    chaos.pass_through()
    with connect() as fresh:
        assert fresh.execute("SELECT 1").fetchone() == (1,)
