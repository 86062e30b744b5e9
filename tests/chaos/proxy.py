"""ChaosProxy: a TCP proxy on 127.0.0.1 whose network faults a test switches at run time.

The proxy runs its own asyncio loop on a background thread, so synchronous tests drive it with
plain method calls; each mode method returns once the mode is in effect, and appends
``(time.monotonic(), mode)`` to :attr:`ChaosProxy.events` so detection latency can be measured.

Modes (RELIABILITY.md, fault-injection toolkit): ``pass`` forwards both ways. ``reset`` RSTs
(SO_LINGER 0) every open connection and every new one. ``refuse`` closes the listener (connects
get ECONNREFUSED) and the open connections (FIN); leaving it listens again on the same port.
``blackhole`` is a pulled cable: sockets stay open, nothing is read or forwarded, new connections
are accepted but not connected upstream; held data flows on after ``pass`` (like TCP retransmits
after the cable is back). ``delay`` holds each chunk ``ms`` (chunks of one direction queue).
``throttle`` caps each direction of each connection at ``bytes_per_s``. ``corrupt`` flips each
byte with probability ``p`` (seeded; robustness tests only). ``half_close`` sends FIN to the
clients and drops data towards them, while what they send still reaches the upstream.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any

CHUNK = 65536


@dataclass(frozen=True, slots=True)
class Mode:
    """The fault in effect; ``label`` is what :attr:`ChaosProxy.events` records."""

    name: str
    delay_s: float = 0.0
    bytes_per_s: float = 0.0
    corrupt_p: float = 0.0

    @property
    def label(self) -> str:
        extra = {"delay": self.delay_s * 1000, "throttle": self.bytes_per_s}
        value = extra.get(self.name, self.corrupt_p)
        return (
            f"{self.name}:{value:g}" if self.name in ("delay", "throttle", "corrupt") else self.name
        )


def flip_bytes(data: bytes, p: float, rng: random.Random) -> bytes:
    """Each byte XOR-ed with a random non-zero value with probability ``p``."""
    out = bytearray(data)
    for i in range(len(out)):
        if rng.random() < p:
            out[i] ^= rng.randint(1, 255)
    return bytes(out)


def _rst(writer: asyncio.StreamWriter) -> None:
    """Abort a connection with a TCP reset instead of a FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Link:
    """One client connection and, once connected, its upstream connection."""

    def __init__(self, client: asyncio.StreamWriter) -> None:
        self.client = client
        self.upstream: asyncio.StreamWriter | None = None
        self.half_closed = False

    def writers(self) -> list[asyncio.StreamWriter]:
        return [w for w in (self.client, self.upstream) if w is not None]

    def reset(self) -> None:
        """RST every open connection and every new one."""
        for writer in self.writers():
            _rst(writer)

    def close(self) -> None:
        for writer in self.writers():
            writer.close()

    def half_close(self) -> None:
        """FIN to the clients; their data still goes upstream."""
        self.half_closed = True
        if self.client.can_write_eof() and not self.client.is_closing():
            self.client.write_eof()


class ChaosProxy:
    """TCP proxy ``127.0.0.1:port`` -> ``upstream_host:upstream_port`` with switchable faults."""

    def __init__(self, upstream_host: str, upstream_port: int, listen_port: int = 0) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = listen_port
        self.events: list[tuple[float, str]] = []
        # counters: connections accepted, bytes client->upstream / upstream->client, RSTs sent
        self.connections = self.bytes_up = self.bytes_down = self.resets = 0
        self._mode = Mode("pass")
        self._rng = random.Random(0)
        self._links: set[_Link] = set()
        self._server: asyncio.Server | None = None
        self._loop = asyncio.new_event_loop()
        self._flowing = asyncio.Event()  # cleared while blackholed
        self._flowing.set()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="chaos-proxy", daemon=True
        )

    # ------------------------------------------------------------ control (any thread)
    def start(self) -> ChaosProxy:
        """Listen and start forwarding (mode ``pass``); returns self."""
        self._thread.start()
        self._call(self._start())
        return self

    def stop(self) -> None:
        """Close every connection and the listener, then stop the loop thread."""
        if self._thread.is_alive():
            self._call(self._shutdown())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_closed() and not self._loop.is_running():
            self._loop.close()

    def pass_through(self) -> None:
        """Forward both ways."""
        self._set(Mode("pass"))

    def reset(self) -> None:
        """RST every open connection and every new one."""
        self._set(Mode("reset"))

    def refuse(self) -> None:
        """Close the listener and the open connections."""
        self._set(Mode("refuse"))

    def blackhole(self) -> None:
        """Pulled cable: keep sockets open, forward nothing."""
        self._set(Mode("blackhole"))

    def delay(self, ms: float) -> None:
        """Hold each chunk ``ms`` before forwarding it."""
        self._set(Mode("delay", delay_s=ms / 1000))

    def throttle(self, bytes_per_s: float) -> None:
        """Cap each direction at ``bytes_per_s``."""
        self._set(Mode("throttle", bytes_per_s=float(bytes_per_s)))

    def corrupt(self, p: float, seed: int = 0) -> None:
        """Flip each byte with probability ``p``."""
        self._rng = random.Random(seed)
        self._set(Mode("corrupt", corrupt_p=p))

    def half_close(self) -> None:
        """FIN to the clients; their data still goes upstream."""
        self._set(Mode("half_close"))

    @property
    def mode(self) -> str:
        """Label of the mode in effect."""
        return self._mode.label

    @property
    def active_connections(self) -> int:
        """Client connections currently open through the proxy."""
        return len(self._links)

    def __enter__(self) -> ChaosProxy:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _set(self, mode: Mode) -> None:
        self._call(self._apply(mode))

    def _call(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10)

    # ------------------------------------------------------------ loop thread
    async def _start(self) -> None:
        await self._listen()
        self.events.append((time.monotonic(), "pass"))

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._on_client, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _apply(self, mode: Mode) -> None:
        self._mode = mode
        if mode.name == "blackhole":
            self._flowing.clear()
        else:
            self._flowing.set()
        if mode.name == "refuse" and self._server is not None:
            self._server.close()
            self._server = None
        elif mode.name != "refuse" and self._server is None:
            await self._listen()
        for link in list(self._links):
            if mode.name == "reset":
                self.resets += 1
                link.reset()
            elif mode.name == "refuse":
                link.close()
            elif mode.name == "half_close":
                link.half_close()
        self.events.append((time.monotonic(), mode.label))

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for link in list(self._links):
            for writer in link.writers():
                writer.transport.abort()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.sleep(0.01)  # let the aborted transports close their sockets

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        link = _Link(writer)
        self._links.add(link)
        try:
            await self._flowing.wait()
            if self._mode.name == "reset":
                self.resets += 1
                _rst(writer)
                return
            if writer.is_closing() or self._mode.name == "refuse":
                return
            try:
                up_reader, link.upstream = await asyncio.open_connection(*self.upstream)
            except OSError:
                writer.close()
                return
            if self._mode.name == "half_close":
                link.half_close()
            await asyncio.gather(
                self._pump(link, reader, link.upstream, up=True),
                self._pump(link, up_reader, writer, up=False),
            )
        finally:
            self._links.discard(link)
            link.close()

    async def _pump(
        self, link: _Link, src: asyncio.StreamReader, dst: asyncio.StreamWriter, *, up: bool
    ) -> None:
        """Copy one direction until EOF (passed on as a FIN) or an error (closes the link)."""
        try:
            while True:
                await self._flowing.wait()
                data = await src.read(CHUNK)
                if not data:
                    if dst.can_write_eof() and not dst.is_closing():
                        dst.write_eof()
                    return
                await self._flowing.wait()
                if not up and link.half_closed:
                    continue
                await self._forward(data, dst, up=up)
        except (ConnectionError, OSError):
            link.close()

    async def _forward(self, data: bytes, dst: asyncio.StreamWriter, *, up: bool) -> None:
        mode = self._mode
        if mode.name == "delay":
            await asyncio.sleep(mode.delay_s)
        elif mode.name == "corrupt":
            data = flip_bytes(data, mode.corrupt_p, self._rng)
        step = max(1, int(mode.bytes_per_s / 20)) if mode.name == "throttle" else len(data)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            dst.write(piece)
            await dst.drain()
            if up:
                self.bytes_up += len(piece)
            else:
                self.bytes_down += len(piece)
            if mode.name == "throttle":
                await asyncio.sleep(len(piece) / mode.bytes_per_s)
