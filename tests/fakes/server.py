"""A small threaded loopback HTTP server shared by the GitHub and DockerHub fakes.

It owns what both fakes need identically: binding to 127.0.0.1 only, a request log, added
latency, injected faults, strong ETags with ``If-None-Match``/``If-Modified-Since`` → 304, and
a primary rate limit with ``X-RateLimit-*`` headers. Subclasses only route requests.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
# Request headers worth keeping in the log: enough to assert on conditional/authorised requests.
LOGGED_HEADERS = ("Accept", "Authorization", "If-None-Match", "If-Modified-Since", "User-Agent")


@dataclass
class Request:
    method: str
    path: str  # percent-encoded path, without the query string
    query: dict[str, str]  # first value of each parameter
    raw_query: str
    headers: dict[str, str]  # lower-cased names

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    @property
    def target(self) -> str:
        return f"{self.path}?{self.raw_query}" if self.raw_query else self.path

    @property
    def authorised(self) -> bool:
        return bool(self.header("authorization"))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None
    # False for error bodies and redirects: they get no ETag and never become 304s.
    cacheable: bool = True


def json_response(payload: Any, status: int = 200, **kwargs: Any) -> Response:
    body = json.dumps(payload, indent=2).encode()
    headers = {"Content-Type": "application/json; charset=utf-8", **kwargs.pop("headers", {})}
    return Response(status, body, headers, cacheable=status == 200, **kwargs)


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


class LoggedRequest(NamedTuple):
    method: str
    path: str  # without query string
    query: str
    status: int
    headers: dict[str, str]  # subset of request headers (LOGGED_HEADERS)
    at: float  # time.monotonic() when the response was sent


class RequestLog:
    """Thread-safe list of served requests; iterate to get a snapshot."""

    def __init__(self) -> None:
        self._items: list[LoggedRequest] = []
        self._lock = threading.Lock()

    def append(self, item: LoggedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def count(
        self, path_regex: str | None = None, status: int | None = None, method: str | None = None
    ) -> int:
        """Requests whose path (with query) matches ``path_regex`` (re.search) and status."""
        pattern = re.compile(path_regex) if path_regex else None
        return sum(
            1
            for r in self.snapshot()
            if (status is None or r.status == status)
            and (method is None or r.method == method)
            and (pattern is None or pattern.search(f"{r.path}?{r.query}" if r.query else r.path))
        )


@dataclass
class _Fault:
    pattern: re.Pattern[str]
    status: int
    remaining: int
    headers: dict[str, str]
    body: bytes


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # benchmarks open ~50 connections at once
    allow_reuse_address = True


class FakeServer:
    """Base class: subclass and implement :meth:`route`."""

    rate_limit_status = 403  # GitHub answers an exhausted primary limit with 403; Hub with 429
    rate_limit_resource: str | None = None
    rate_limit_window = 3600.0
    default_rate_limit = 5000

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.requests = RequestLog()
        self.rate_limit_limit = self.default_rate_limit
        # Seconds between exhausting the limit and its reset; short so tests can wait it out.
        self.rate_limit_reset_after = 2.0
        self._remaining = self.rate_limit_limit
        self._reset_at = time.time() + self.rate_limit_window
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._slow: list[tuple[re.Pattern[str], float]] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------
    def start(self) -> Self:
        if self._httpd is None:
            self._httpd = _HTTPServer((LOOPBACK, 0), _make_handler(self))
            # A short poll interval keeps stop() (and so every test teardown) fast.
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                args=(0.02,),
                name=type(self).__name__,
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @classmethod
    @contextlib.contextmanager
    def running(cls, *args: Any, **kwargs: Any) -> Iterator[Self]:
        """``with FakeX.running(...) as fake:`` — started on a free port, stopped on exit."""
        with cls(*args, **kwargs) as fake:
            yield fake

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    # --- fault injection ----------------------------------------------------
    def fail_next(
        self,
        path_regex: str,
        status: int,
        count: int = 1,
        headers: dict[str, str] | None = None,
        body: str | bytes | dict[str, Any] | None = None,
    ) -> None:
        """Answer the next ``count`` requests whose path+query matches with ``status``.

        ``headers`` defaults to ``{"Retry-After": "1"}`` for 403/429/503 (how throttling is
        signalled) and to nothing otherwise; pass ``{}`` to send no Retry-After.
        """
        if headers is None:
            headers = {"Retry-After": "1"} if status in (403, 429, 503) else {}
        if body is None:
            body = self.fault_body(status)
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        with self._lock:
            self._faults.append(_Fault(re.compile(path_regex), status, count, headers, body))

    def slow(self, path_regex: str, seconds: float) -> None:
        """Add ``seconds`` of latency to every request whose path+query matches."""
        with self._lock:
            self._slow.append((re.compile(path_regex), seconds))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._slow.clear()

    def fault_body(self, status: int) -> dict[str, Any]:
        return {"message": f"Injected fault {status}"}

    # --- rate limit ---------------------------------------------------------
    @property
    def rate_limit_remaining(self) -> int:
        with self._lock:
            self._maybe_reset(time.time())
            return self._remaining

    @rate_limit_remaining.setter
    def rate_limit_remaining(self, value: int) -> None:
        with self._lock:
            self._remaining = value
            now = time.time()
            self._reset_at = (
                now + self.rate_limit_reset_after if value <= 0 else now + self.rate_limit_window
            )

    def _maybe_reset(self, now: float) -> None:
        if self._remaining <= 0 and now >= self._reset_at:
            self._remaining = self.rate_limit_limit
            self._reset_at = now + self.rate_limit_window

    def _rate_headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit_limit),
            "X-RateLimit-Remaining": str(max(self._remaining, 0)),
            "X-RateLimit-Used": str(self.rate_limit_limit - max(self._remaining, 0)),
            "X-RateLimit-Reset": str(math.ceil(self._reset_at)),
        }
        if self.rate_limit_resource:
            headers["X-RateLimit-Resource"] = self.rate_limit_resource
        return headers

    # --- hooks for subclasses -----------------------------------------------
    def route(self, req: Request) -> Response:
        raise NotImplementedError

    def is_rate_limited(self, req: Request) -> bool:
        """Whether this request counts against (and reports) the rate limit."""
        return True

    def preflight(self, req: Request) -> Response | None:
        """A response that refuses the request before routing (e.g. missing User-Agent)."""
        return None

    def rate_limited_response(self, req: Request, retry_after: int) -> Response:
        return json_response({"message": "rate limit exceeded"}, self.rate_limit_status)

    # --- request pipeline ---------------------------------------------------
    def _delay(self, target: str) -> float:
        with self._lock:
            return self.latency + sum(s for p, s in self._slow if p.search(target))

    def _take_fault(self, target: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.pattern.search(target):
                    fault.remaining -= 1
                    return fault
            self._faults = [f for f in self._faults if f.remaining > 0]
        return None

    def dispatch(self, req: Request) -> Response:
        delay = self._delay(req.target)
        if delay > 0:
            time.sleep(delay)
        limited = self.is_rate_limited(req)
        fault = self._take_fault(req.target)
        if fault is not None:
            resp = Response(fault.status, fault.body, dict(fault.headers), cacheable=False)
            resp.headers.setdefault("Content-Type", "application/json; charset=utf-8")
        else:
            resp = self.preflight(req) or self._limited_or_routed(req, limited)
        if limited:
            with self._lock:
                resp.headers.update(self._rate_headers())
        return resp

    def _limited_or_routed(self, req: Request, limited: bool) -> Response:
        if limited:
            with self._lock:
                now = time.time()
                self._maybe_reset(now)
                if self._remaining <= 0:
                    retry_after = max(1, math.ceil(self._reset_at - now))
                    resp = self.rate_limited_response(req, retry_after)
                    resp.cacheable = False
                    return resp
        resp = self.route(req)
        _apply_conditional(req, resp)
        # An authorised conditional request answered 304 is free, as on GitHub.
        if limited and not (resp.status == 304 and req.authorised):
            with self._lock:
                self._remaining -= 1
                if self._remaining == 0:
                    self._reset_at = time.time() + self.rate_limit_reset_after
        return resp


def _apply_conditional(req: Request, resp: Response) -> None:
    """Add validators to a cacheable 200 and turn it into a 304 when the client's copy is fresh."""
    if resp.status != 200 or not resp.cacheable:
        return
    etag = resp.headers.setdefault("ETag", strong_etag(resp.body))
    if resp.last_modified is not None:
        resp.headers["Last-Modified"] = email.utils.format_datetime(resp.last_modified, True)
    if_none_match = req.header("if-none-match")
    fresh = False
    if if_none_match:
        # Weak comparison, as for GET: W/"x" matches "x".
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        fresh = "*" in tags or etag.removeprefix("W/") in tags
    elif req.header("if-modified-since") and resp.last_modified is not None:
        with contextlib.suppress(TypeError, ValueError):
            since = email.utils.parsedate_to_datetime(req.header("if-modified-since"))
            fresh = resp.last_modified.replace(microsecond=0) <= since
    if fresh:
        resp.status, resp.body = 304, b""
        resp.headers.pop("Content-Type", None)


def _make_handler(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so connection pools are exercised
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm
        # holds the body until the client's delayed ACK (~40 ms per keep-alive request).
        disable_nagle_algorithm = True
        timeout = 30  # idle keep-alive connections do not pin a thread forever

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            self._serve(send_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            split = urlsplit(self.path)
            req = Request(
                method=self.command,
                path=split.path,
                query={k: v[0] for k, v in parse_qs(split.query).items()},
                raw_query=split.query,
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            try:
                resp = fake.dispatch(req)
            except Exception as exc:  # a bug in a fake should surface as a 500, not a hang
                resp = json_response({"message": f"fake server error: {exc!r}"}, 500)
            # Log before answering so a client that has its response always finds it logged.
            logged = {h: self.headers[h] for h in LOGGED_HEADERS if h in self.headers}
            fake.requests.append(
                LoggedRequest(
                    req.method, req.path, req.raw_query, resp.status, logged, time.monotonic()
                )
            )
            self.send_response(resp.status)
            for name, value in resp.headers.items():
                self.send_header(name, value)
            if resp.status != 304:
                self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if send_body and resp.status != 304:
                self.wfile.write(resp.body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the RequestLog is the record; stderr noise would drown test output

    return Handler
