"""Upstream sources the harvester reads: GitHub (API + raw files), DockerHub, `.gitmodules`.

Every network call goes through :class:`catalog.sources.http.HttpClient`, so politeness
(conditional requests, rate limits, retries, timeouts, size caps) lives in one place. The
source modules turn responses into plain dataclasses; they never touch the catalog models.
"""

from .http import (
    Fetched,
    HttpClient,
    NotFound,
    RateLimited,
    SourceError,
    TooLarge,
    Unreachable,
)

__all__ = [
    "Fetched",
    "HttpClient",
    "NotFound",
    "RateLimited",
    "SourceError",
    "TooLarge",
    "Unreachable",
]
