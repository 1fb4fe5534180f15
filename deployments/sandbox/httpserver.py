"""Tiny threaded loopback HTTP server shared by the sandbox emulators (standard library only).

It owns what both emulators need identically: binding to 127.0.0.1 only, a request log
(``calls``), injected failures (``fail_next``) and delays (``delay_next``), and ``down()`` /
``up()`` that really close and reopen the listening socket, so clients see a refused
connection rather than a polite 503. Subclasses only implement ``handle(request)``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, unquote, urlsplit

LOOPBACK = "127.0.0.1"
logger = logging.getLogger(__name__)


class Call(NamedTuple):
    """One request as the server saw it: enough for tests and benchmarks to count and assert."""

    method: str
    path: str  # decoded path, without the query string
    query: dict[str, str]  # last value of each parameter


@dataclass
class Request:
    method: str
    path: str  # decoded path, without the query string
    query: dict[str, str]  # last value of each parameter (Go's Query().Get takes the first)
    headers: dict[str, str]  # lower-cased names
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body as JSON; raises ValueError (json.JSONDecodeError) when it is not."""
        return json.loads(self.body.decode("utf-8") or "null")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, text: str = "", headers: dict[str, str] | None = None) -> Response:
        # Both real servers answer errors as plain text (Go's http.Error / gin's c.String).
        hdrs = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
        return cls(status, text.encode("utf-8"), hdrs)

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        return cls(status, json.dumps(data).encode("utf-8"), hdrs)

    @classmethod
    def empty(cls, status: int, headers: dict[str, str] | None = None) -> Response:
        return cls(status, b"", dict(headers or {}))


@dataclass
class _Fault:
    method: str | None  # None: any method
    pattern: re.Pattern[str]
    remaining: int
    status: int = 500
    body: str = ""
    seconds: float = 0.0

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        return self.pattern.search(path) is not None


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so down() really cuts every client off instead
    # of leaving kept-alive connections served by old handler threads.
    protocol_version = "HTTP/1.0"
    server_version = "sandbox"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self) -> None:
        owner: LoopbackServer = self.server.owner  # type: ignore[attr-defined]
        owner._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a delayed request must never keep the interpreter alive
    allow_reuse_address = True  # up() rebinds the same port right after down()

    def __init__(self, address: tuple[str, int], owner: LoopbackServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class LoopbackServer:
    """Base class: a threaded HTTP server on 127.0.0.1 that routes to ``handle()``."""

    def __init__(self, port: int = 0) -> None:
        self.host = LOOPBACK
        self._port = port
        # One re-entrant lock guards all emulator state, request log and fault lists included.
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"

    @property
    def is_down(self) -> bool:
        return self._server is None

    def start(self) -> Self:
        self._stopping.clear()
        self._listen()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes delayed requests so they finish promptly
        self._close()

    def down(self) -> None:
        """Close the listening socket: new connections are refused until ``up()``."""
        self._close()

    def up(self) -> None:
        """Listen again on the same port after ``down()``."""
        if self._server is None:
            self._listen()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _listen(self) -> None:
        server = _Server((self.host, self._port), self)
        self._port = server.server_address[1]
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits one poll at most,
            name=f"{type(self).__name__}:{self._port}",
            daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread

    def _close(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    # -- fault knobs and counters -------------------------------------------------------------
    def fail_next(
        self,
        method: str | None,
        path_regex: str,
        status: int = 500,
        count: int = 1,
        body: str = "injected failure (sandbox emulator)",
    ) -> None:
        """Answer the next ``count`` requests whose path matches ``path_regex`` (re.search)
        and method equals ``method`` (None: any) with ``status`` and a plain-text ``body``."""
        fault = _Fault(_upper(method), re.compile(path_regex), count, status=status, body=body)
        with self._lock:
            self._failures.append(fault)

    def delay_next(
        self, path_regex: str, seconds: float, count: int = 1, method: str | None = None
    ) -> None:
        """Hold the next ``count`` matching requests ``seconds`` before answering them,
        e.g. longer than the client's timeout to provoke a read timeout."""
        fault = _Fault(_upper(method), re.compile(path_regex), count, seconds=seconds)
        with self._lock:
            self._delays.append(fault)

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every request received, oldest first."""
        with self._lock:
            return list(self._calls)

    def reset(self) -> None:
        """Forget the request log and pending faults (subclasses also clear their state)."""
        with self._lock:
            self._calls.clear()
            self._failures.clear()
            self._delays.clear()

    # -- request handling ---------------------------------------------------------------------
    def handle(self, request: Request) -> Response:  # pragma: no cover - abstract
        raise NotImplementedError

    def _serve(self, handler: _Handler) -> None:
        request = _read_request(handler)
        with self._lock:
            self._calls.append(Call(request.method, request.path, dict(request.query)))
            delay = _take(self._delays, request)
            failure = _take(self._failures, request)
        if delay is not None:
            self._stopping.wait(delay.seconds)
        if failure is not None:
            response = Response.text(failure.status, failure.body)
        else:
            try:
                response = self.handle(request)
            except Exception as exc:  # an emulator bug must still produce an HTTP answer
                logger.exception("sandbox emulator failed on %s %s", request.method, request.path)
                response = Response.text(500, f"sandbox emulator error: {exc}")
        _write_response(handler, response)


def _upper(method: str | None) -> str | None:
    return method.upper() if method else None


def _take(faults: list[_Fault], request: Request) -> _Fault | None:
    """Consume one use of the first fault matching the request (caller holds the lock)."""
    for fault in faults:
        if fault.matches(request.method, request.path):
            fault.remaining -= 1
            if fault.remaining <= 0:
                faults.remove(fault)
            return fault
    return None


def _read_request(handler: _Handler) -> Request:
    parts = urlsplit(handler.path)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length > 0 else b""
    headers = {k.lower(): v for k, v in handler.headers.items()}
    return Request(handler.command, unquote(parts.path), query, headers, body)


def _write_response(handler: _Handler, response: Response) -> None:
    try:
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(response.body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(response.body)
    except (BrokenPipeError, ConnectionResetError):
        # The client gave up (typically a timeout provoked by delay_next): nothing to answer.
        logger.debug("client closed the connection before the response was written")
