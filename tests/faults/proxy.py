"""A fault-injecting TCP proxy for loopback tests (standard library only).

    with FaultProxy("127.0.0.1", 5432) as proxy:     # listens on 127.0.0.1:<free port>
        settings.DATABASES["faulty"] = {..., "PORT": proxy.port}
        proxy.latency = 0.05          # seconds added before each forwarded chunk
        proxy.drop_new = True         # accept, then close at once
        proxy.reset_all()             # RST every open connection (SO_LINGER 0)
        proxy.blackhole = True        # accept and read, never answer (a silent partition)
        proxy.pause(); proxy.resume() # hold every byte in flight, then let it go
        proxy.bandwidth = 4096        # bytes per second, each direction
        proxy.stats()                 # counters: accepted, dropped, reset, bytes up/down…

Knobs apply at once to new and open connections. Everything is bounded: one thread per
connection, every wait polls at most every 50 ms, ``stop()`` resets what is open and joins
every thread within a few seconds. Only 127.0.0.1 is ever bound or dialled.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Self

LOOPBACK = "127.0.0.1"
POLL_SECONDS = 0.05
CHUNK_BYTES = 64 * 1024
CONNECT_TIMEOUT = 5.0
# A peer that stops reading cannot pin a connection thread for longer than this.
SEND_TIMEOUT = 10.0


@dataclass
class ProxyStats:
    accepted: int = 0
    dropped: int = 0  # accepted then closed by drop_new
    reset: int = 0  # connections torn down with RST (reset_all, stop, target unreachable)
    blackholed: int = 0  # connections that saw blackhole mode
    upstream_failures: int = 0  # could not reach the target
    bytes_up: int = 0  # client → target
    bytes_down: int = 0  # target → client
    active: int = 0


def _rst_close(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST, not an orderly FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Connection:
    """One client and its upstream socket: one thread per direction, so a slow or throttled
    direction never holds up the other."""

    def __init__(self, proxy: FaultProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.kill = threading.Event()  # set → tear down with RST
        self.done = threading.Event()  # set → one side closed: close the pair
        self.thread = threading.Thread(target=self._run, name="fault-proxy-conn", daemon=True)
        self._blackholed = False

    def start(self) -> None:
        self.thread.start()

    def _over(self) -> bool:
        return self.kill.is_set() or self.done.is_set()

    def _run(self) -> None:
        proxy = self.proxy
        down: threading.Thread | None = None
        try:
            if proxy.connect_latency:
                self._sleep(proxy.connect_latency)
            if not proxy.blackhole and not self._over():
                self._connect_upstream()
            if self.upstream is not None:
                down = threading.Thread(
                    target=self._pump,
                    args=(self.upstream, self.client, "bytes_down"),
                    name="fault-proxy-down",
                    daemon=True,
                )
                down.start()
            self._pump(self.client, self.upstream, "bytes_up")
        finally:
            self.done.set()
            if down is not None:
                down.join(timeout=SEND_TIMEOUT + 1)
            reset = self.kill.is_set()
            for sock in (self.client, self.upstream):
                if sock is None:
                    continue
                if reset:
                    _rst_close(sock)
                else:
                    with contextlib.suppress(OSError):
                        sock.close()
            proxy._forget(self, reset=reset)

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._over() and time.monotonic() < deadline:
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))

    def _connect_upstream(self) -> None:
        try:
            self.upstream = socket.create_connection(
                (self.proxy.target_host, self.proxy.target_port), timeout=CONNECT_TIMEOUT
            )
            self.upstream.settimeout(SEND_TIMEOUT)
            self.upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            self.proxy._count(upstream_failures=1)
            self.kill.set()  # the client sees a reset, as when a server is down

    def _pump(self, source: socket.socket, destination: socket.socket | None, counter: str) -> None:
        proxy = self.proxy
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(source, selectors.EVENT_READ)
                while not self._over():
                    if proxy.paused:
                        time.sleep(POLL_SECONDS)  # bytes wait in the kernel buffers
                        continue
                    if not selector.select(POLL_SECONDS):
                        continue
                    data = source.recv(CHUNK_BYTES)
                    if not data:
                        return  # orderly close on either side ends the pair
                    if proxy.blackhole or destination is None:
                        if not self._blackholed:
                            self._blackholed = True
                            proxy._count(blackholed=1)
                        continue  # read and discard: the peer never hears back
                    if not self._forward(destination, data, counter):
                        return
        except (OSError, ValueError):
            return  # the other side (or reset_all) closed the pair
        finally:
            self.done.set()

    def _forward(self, destination: socket.socket, data: bytes, counter: str) -> bool:
        proxy = self.proxy
        if proxy.latency:
            self._sleep(proxy.latency)
        view = memoryview(data)
        while view:
            # A cap sends ~20 slices a second, so the rate holds within a chunk too.
            bandwidth = proxy.bandwidth
            piece = view[: max(1, bandwidth // 20)] if bandwidth else view
            if bandwidth:
                self._sleep(len(piece) / bandwidth)
            while proxy.paused and not self._over():
                time.sleep(POLL_SECONDS)
            if self._over():
                return False
            # Counted before sending, so a client holding its answer always sees it counted.
            proxy._count(**{counter: len(piece)})
            destination.sendall(piece)
            view = view[len(piece) :]
        return True


class FaultProxy:
    """Forward 127.0.0.1:<port> to ``target_host:target_port`` with faults on demand."""

    def __init__(self, target_host: str, target_port: int) -> None:
        if target_host not in (LOOPBACK, "localhost"):
            raise ValueError(f"FaultProxy only forwards to loopback, not {target_host!r}")
        self.target_host = LOOPBACK
        self.target_port = int(target_port)
        # Knobs (read by connection threads on every chunk; plain attributes on purpose).
        self.latency = 0.0  # seconds before each forwarded chunk
        self.connect_latency = 0.0  # seconds before dialling the target, per connection
        self.bandwidth = 0  # bytes/second per direction; 0 = unlimited
        self.drop_new = False
        self.blackhole = False
        self.paused = False
        # A client URL through the proxy (redis://…, postgres://…), for fixtures to fill in.
        self.url = ""
        self._stats = ProxyStats()
        self._lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Self:
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, 0))
        listener.listen(128)
        listener.settimeout(POLL_SECONDS)
        self._listener = listener
        self._stopping.clear()
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name="fault-proxy-accept", daemon=True
        )
        self._accept_thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, reset every open connection, join every thread."""
        self._stopping.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
            self._accept_thread = None
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        self.reset_all()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("proxy not started")
        return self._listener.getsockname()[1]

    @property
    def address(self) -> tuple[str, int]:
        return (LOOPBACK, self.port)

    # --- faults ----------------------------------------------------------------------------
    def reset_all(self) -> int:
        """Tear down every open connection with a TCP RST; returns how many."""
        connections = self._snapshot()
        for connection in connections:
            connection.kill.set()
        # Each connection's own thread closes its sockets (closing an fd another thread is
        # selecting on is a race); every wait polls, so this returns within ~100 ms.
        for connection in connections:
            connection.thread.join(timeout=2)
        return len(connections)

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def heal(self) -> None:
        """Every knob back to a transparent proxy (open connections are kept)."""
        self.latency = self.connect_latency = 0.0
        self.bandwidth = 0
        self.drop_new = self.blackhole = self.paused = False

    @contextlib.contextmanager
    def outage(self) -> Iterator[None]:
        """Down for the duration: open connections reset, new ones dropped; healed after."""
        self.drop_new = True
        self.reset_all()
        try:
            yield
        finally:
            self.drop_new = False

    # --- counters --------------------------------------------------------------------------
    def stats(self) -> ProxyStats:
        with self._lock:
            return ProxyStats(**{**self._stats.__dict__, "active": len(self._connections)})

    def _count(self, **deltas: int) -> None:
        with self._lock:
            for name, delta in deltas.items():
                setattr(self._stats, name, getattr(self._stats, name) + delta)

    def _snapshot(self) -> list[_Connection]:
        with self._lock:
            return list(self._connections)

    def _forget(self, connection: _Connection, *, reset: bool) -> None:
        with self._lock:
            if connection in self._connections:
                self._connections.discard(connection)
                if reset:
                    self._stats.reset += 1

    # --- accept loop ------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(SEND_TIMEOUT)
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._count(accepted=1)
            if self.drop_new:
                self._count(dropped=1)
                with contextlib.suppress(OSError):
                    client.close()
                continue
            connection = _Connection(self, client)
            with self._lock:  # started under the lock so reset_all never joins an unstarted one
                self._connections.add(connection)
                connection.start()
