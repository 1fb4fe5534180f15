"""The one HTTP client every source uses: polite, bounded and cache-aware.

* Pooled connections (one ``requests.Session``), a User-Agent naming us, connect/read timeouts.
* Conditional requests: the ETag / Last-Modified of the last 200 per URL is kept in
  :mod:`catalog.sources.cache`; an unchanged resource costs a 304 and the cached body is used.
  URLs that name an immutable object (a file at a commit SHA) are served from the cache without
  asking at all (``immutable=True``).
* Retries with exponential backoff and jitter on connection errors, timeouts and 5xx.
* Rate limits: ``X-RateLimit-Remaining``/``Reset`` and ``Retry-After`` are read; a throttled
  service (403/429) is paused for every worker until its reset, but never longer than
  ``settings.HARVEST_MAX_WAIT_SECONDS`` — beyond that the request fails with
  :class:`RateLimited`, naming the wait it would have needed.
* Hostile responses: bodies are read in chunks up to a cap (:class:`TooLarge`); redirects are
  followed only within the same host; tokens are sent only to the URL prefixes configured.

Counters (requests, 304s, full downloads, rate-limit units, wait seconds) feed the HarvestRun.
"""

from __future__ import annotations

import dataclasses
import email.utils
import json
import logging
import random
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.utils import timezone
from requests.adapters import HTTPAdapter

from .cache import CachedResponse, DatabaseHttpCache

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
# Secondary rate limits without Retry-After: GitHub asks to wait at least a minute.
SECONDARY_LIMIT_WAIT = 60.0
# Rate-limit pauses per request before giving up, whatever the wait budget says.
MAX_THROTTLE_PAUSES = 5
_CHUNK = 64 * 1024


class SourceError(Exception):
    """An upstream resource could not be read. ``str(error)`` is a sentence for a maintainer."""

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class NotFound(SourceError):
    """404 (or GitHub's 422 for an unknown ref): the thing does not exist upstream."""


class RateLimited(SourceError):
    """The service throttled us for longer than we are allowed to wait."""


class Unreachable(SourceError):
    """Connection errors, timeouts or server errors that outlasted the retries."""


class TooLarge(SourceError):
    """The body is bigger than the cap for this kind of resource."""


@dataclasses.dataclass(frozen=True)
class Fetched:
    """A response body, fresh or from the cache."""

    url: str
    body: bytes
    content_type: str
    fetched_at: datetime  # when this body was downloaded
    validated_at: datetime  # when the upstream last confirmed it
    not_modified: bool  # the same body the previous harvest saw (304 or immutable hit)
    requested: bool  # False when served from the cache without asking

    def json(self) -> Any:
        return json.loads(self.body)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json_object(self) -> dict:
        """The body as a JSON object; a :class:`SourceError` when it is anything else."""
        try:
            data = self.json()
        except ValueError as exc:
            raise SourceError(f"{self.url} did not answer JSON", url=self.url) from exc
        if not isinstance(data, dict):
            raise SourceError(f"{self.url} did not answer a JSON object", url=self.url)
        return data


class HttpStats:
    """Thread-safe counters for one harvest run."""

    FIELDS = (
        "requests",
        "conditional_hits",
        "full_downloads",
        "cache_hits",
        "rate_limit_units",
        "wait_seconds",
        "retries",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, float] = dict.fromkeys(self.FIELDS, 0)

    def add(self, **amounts: float) -> None:
        with self._lock:
            for name, amount in amounts.items():
                self._values[name] += amount

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)

    def __getitem__(self, name: str) -> float:
        with self._lock:
            return self._values[name]


class _Throttle:
    """Per-service pause shared by all workers: one 403/429 holds back everyone."""

    def __init__(self, *, max_wait: float, stats: HttpStats, sleep: Callable[[float], None]):
        self.max_wait = max_wait
        self._stats = stats
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self._why: dict[str, str] = {}

    def wait_turn(self, service: str, url: str) -> None:
        with self._lock:
            delay = self._until.get(service, 0.0) - time.time()
            why = self._why.get(service, "")
        if delay <= 0:
            return
        if delay > self.max_wait:
            raise RateLimited(
                f"{service} is rate limited for another {delay:.0f} s ({why}); that is more "
                f"than HARVEST_MAX_WAIT_SECONDS={self.max_wait:.0f}, so {url} was not read",
                url=url,
            )
        self._sleep(delay)

    def pause(self, service: str, seconds: float, why: str) -> None:
        until = time.time() + seconds
        with self._lock:
            previous = self._until.get(service, 0.0)
            if until <= previous:
                return
            if seconds <= self.max_wait:
                # Wall-clock time the service was held back (overlapping pauses count once).
                self._stats.add(wait_seconds=until - max(previous, time.time()))
            self._until[service] = until
            self._why[service] = why


class HttpClient:
    """GET with caching, retries and rate-limit handling. Safe to share between threads."""

    def __init__(
        self,
        *,
        cache: DatabaseHttpCache | None = None,
        credentials: Mapping[str, str] | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        max_wait: float | None = None,
        pool_size: int = 32,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cache = cache
        # URL prefix -> Authorization header value ("" = none); never sent anywhere else.
        self.credentials = dict(credentials or {})
        self.timeout = timeout if timeout is not None else settings.HARVEST_HTTP_TIMEOUT
        self.retries = retries if retries is not None else settings.HARVEST_HTTP_RETRIES
        self.backoff = backoff if backoff is not None else settings.HARVEST_HTTP_BACKOFF
        self.stats = HttpStats()
        self._sleep = sleep
        self._throttle = _Throttle(
            max_wait=max_wait if max_wait is not None else settings.HARVEST_MAX_WAIT_SECONDS,
            stats=self.stats,
            sleep=sleep,
        )
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=8, pool_maxsize=pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = user_agent()
        if not urllib.request.getproxies():
            # No proxy configured: skip requests' per-request scan of the environment.
            self.session.trust_env = False

    # --- public -----------------------------------------------------------------------------
    def get(
        self,
        url: str,
        *,
        service: str,
        headers: Mapping[str, str] | None = None,
        immutable: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> Fetched:
        """The body at ``url``; raises a :class:`SourceError` subclass when it cannot be had.

        ``service`` groups URLs that share a rate limit (``github``, ``github-raw``,
        ``dockerhub``). ``immutable`` means the URL names content that never changes (a file
        at a commit SHA): a cached copy is used without a request.
        """
        cached = self.cache.get(url) if self.cache is not None else None
        if cached is not None and immutable:
            self.stats.add(cache_hits=1)
            return _from_cache(cached, requested=False)
        request_headers = dict(headers or {})
        if cached is not None:
            if cached.etag:
                request_headers["If-None-Match"] = cached.etag
            elif cached.last_modified:
                request_headers["If-Modified-Since"] = cached.last_modified
        response = self._send(url, service, request_headers)
        try:
            if response.status_code == 304 and cached is not None:
                self.stats.add(conditional_hits=1)
                return _from_cache(self.cache.mark_validated(cached), requested=True)
            if response.status_code == 200:
                body = _read_capped(response, max_bytes, url)
                self.stats.add(full_downloads=1)
                return self._remember(url, response, body, immutable)
            raise _error_for(response, url)
        finally:
            _release(response)

    def cached(self, url: str) -> Fetched | None:
        """The cached body for ``url`` without asking upstream (the caller knows it is current)."""
        entry = self.cache.get(url) if self.cache is not None else None
        if entry is None:
            return None
        self.stats.add(cache_hits=1)
        return _from_cache(entry, requested=False)

    def same_body(self, url: str, source: Fetched) -> Fetched:
        """``source``'s body as the body of ``url``, an immutable URL known to serve the same
        bytes (the same git blob at another commit): kept for ``url`` with no request."""
        # Downloaded when the source was; confirmed now (git names content by its hash).
        now = timezone.now()
        entry = CachedResponse(
            url, "", "", source.content_type, source.body, source.fetched_at, now
        )
        if self.cache is not None:
            self.cache.store(entry)
        self.stats.add(cache_hits=1)
        return _from_cache(entry, requested=False)

    def prefetch(self, urls) -> None:
        """Load the cache entries of many URLs in a few queries (see DatabaseHttpCache)."""
        if self.cache is not None:
            self.cache.prefetch(urls)

    def flush(self) -> None:
        if self.cache is not None:
            self.cache.flush()

    def close(self) -> None:
        self.flush()
        self.session.close()

    # --- internals --------------------------------------------------------------------------
    def _remember(
        self, url: str, response: requests.Response, body: bytes, immutable: bool
    ) -> Fetched:
        now = timezone.now()
        entry = CachedResponse(
            url=url,
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
            content_type=response.headers.get("Content-Type", ""),
            body=body,
            fetched_at=now,
            validated_at=now,
        )
        if self.cache is not None and (immutable or entry.etag or entry.last_modified):
            self.cache.store(entry)
        return Fetched(url, body, entry.content_type, now, now, False, True)

    def _headers_for(self, url: str, extra: Mapping[str, str]) -> dict[str, str]:
        headers = dict(extra)
        # The longest matching prefix decides; an empty value means "send no credentials"
        # (raw files may live under the API host, as in tests, and must not get the token).
        matching = [prefix for prefix in self.credentials if url.startswith(prefix)]
        if matching and self.credentials[max(matching, key=len)]:
            headers["Authorization"] = self.credentials[max(matching, key=len)]
        return headers

    def _send(self, url: str, service: str, headers: Mapping[str, str]) -> requests.Response:
        """One logical GET: retries, throttling pauses and same-host redirects included."""
        attempt = pauses = redirects = 0
        current = url
        while True:
            self._throttle.wait_turn(service, url)
            try:
                response = self.session.get(
                    current,
                    headers=self._headers_for(current, headers),
                    timeout=self.timeout,
                    stream=True,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                self.stats.add(requests=1)
                if attempt >= self.retries:
                    raise Unreachable(
                        f"could not connect to {origin(url)} after {attempt + 1} attempts "
                        f"({type(exc).__name__})",
                        url=url,
                    ) from exc
                self._back_off(attempt, url, type(exc).__name__)
                attempt += 1
                continue
            self.stats.add(requests=1)
            self._account(response, service, headers)
            status = response.status_code
            if status in (301, 302, 303, 307, 308):
                target = urljoin(current, response.headers.get("Location", ""))
                _release(response)
                if origin(target) != origin(url) or redirects >= MAX_REDIRECTS:
                    raise SourceError(
                        f"{url} redirects to {target}, which is not followed "
                        "(only redirects within the same host are)",
                        url=url,
                        status=status,
                    )
                redirects += 1
                current = target
                continue
            if status in (403, 429):
                wait, why = _throttle_wait(response, pauses)
                if wait is not None:
                    _release(response)
                    if wait > self._throttle.max_wait or pauses >= MAX_THROTTLE_PAUSES:
                        raise RateLimited(
                            f"{service} throttled {url} ({why}): it asks to wait {wait:.0f} s, "
                            f"more than HARVEST_MAX_WAIT_SECONDS="
                            f"{self._throttle.max_wait:.0f}",
                            url=url,
                            status=status,
                        )
                    logger.info("%s throttled (%s); pausing %.1f s", service, why, wait)
                    self._throttle.pause(service, wait, why)
                    pauses += 1
                    continue
            if status >= 500 and attempt < self.retries:
                _release(response)
                self._back_off(attempt, url, f"HTTP {status}")
                attempt += 1
                continue
            return response

    def _account(
        self, response: requests.Response, service: str, headers: Mapping[str, str]
    ) -> None:
        remaining = response.headers.get("X-RateLimit-Remaining")
        if remaining is None:
            return
        authorised_304 = response.status_code == 304 and "Authorization" in (
            response.request.headers if response.request is not None else {}
        )
        if response.status_code not in (403, 429) and not authorised_304:
            self.stats.add(rate_limit_units=1)
        reset = _to_float(response.headers.get("X-RateLimit-Reset"))
        if remaining.strip() == "0" and reset is not None and response.status_code < 400:
            # The last unit is spent: hold everyone until the reset instead of collecting 403s.
            self._throttle.pause(service, max(reset - time.time(), 0) + 0.25, "limit used up")

    def _back_off(self, attempt: int, url: str, why: str) -> None:
        ceiling = self.backoff * (2**attempt)
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)  # equal jitter
        logger.info("retrying %s after %s in %.2f s", url, why, delay)
        self.stats.add(retries=1)
        self._sleep(delay)


def user_agent() -> str:
    return f"AI-Exchange-Harvester/1.0 (+{settings.SITE_URL})"


def _release(response: requests.Response) -> None:
    """Hand the connection back to the pool for the next request (keep-alive). Closing a
    streamed response instead would throw the connection away; an unread body that is
    small is drained first, a large one is not worth it."""
    drained = 0
    try:
        for chunk in response.iter_content(_CHUNK):
            drained += len(chunk)
            if drained > _CHUNK:
                break
    except Exception:  # noqa: S110 - consumed already, or broken: close() handles both
        pass
    response.close()


def _from_cache(entry: CachedResponse, *, requested: bool) -> Fetched:
    return Fetched(
        entry.url,
        entry.body,
        entry.content_type,
        entry.fetched_at,
        entry.validated_at,
        True,
        requested,
    )


def origin(url: str) -> str:
    """``scheme://host[:port]``, lower-cased: what redirects and pagination must stay on."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _to_float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    seconds = _to_float(value.strip())
    if seconds is not None:
        return max(seconds, 0.0)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def _throttle_wait(response: requests.Response, pauses: int) -> tuple[float | None, str]:
    """How long a 403/429 asks us to wait, or None when it is not about rate limits."""
    retry_after = _retry_after(response.headers.get("Retry-After"))
    if retry_after is not None:
        return retry_after, f"Retry-After {retry_after:.0f} s"
    reset = _to_float(response.headers.get("X-RateLimit-Reset"))
    if response.headers.get("X-RateLimit-Remaining", "").strip() == "0" and reset is not None:
        return max(reset - time.time(), 0.0) + 0.25, "rate limit used up until its reset"
    snippet = response.raw.read(2048, decode_content=True) if response.raw else b""
    if response.status_code == 429 or b"rate limit" in snippet.lower():
        # A secondary limit without Retry-After: at least a minute, doubling each time.
        return SECONDARY_LIMIT_WAIT * (2**pauses), "secondary rate limit"
    return None, ""


def _read_capped(response: requests.Response, max_bytes: int, url: str) -> bytes:
    length = _to_float(response.headers.get("Content-Length"))
    if length is not None and length > max_bytes:
        raise TooLarge(f"{url} is {int(length)} bytes, more than the {max_bytes} allowed", url=url)
    chunks: list[bytes] = []
    total = 0
    # Decoded size is what counts: a small gzip body can inflate enormously.
    for chunk in response.iter_content(_CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise TooLarge(f"{url} is more than the {max_bytes} bytes allowed", url=url)
        chunks.append(chunk)
    return b"".join(chunks)


def _error_for(response: requests.Response, url: str) -> SourceError:
    status = response.status_code
    try:
        detail = json.loads(response.raw.read(4096, decode_content=True) or b"{}").get(
            "message", ""
        )
    except (ValueError, AttributeError):
        detail = ""
    suffix = f": {detail}" if detail else ""
    if status == 404:
        return NotFound(f"{url} was not found (HTTP 404){suffix}", url=url, status=status)
    if status >= 500:
        return Unreachable(f"{url} kept failing with HTTP {status}{suffix}", url=url, status=status)
    return SourceError(f"{url} answered HTTP {status}{suffix}", url=url, status=status)
