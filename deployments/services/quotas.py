"""Quotas per user and per VO: concurrent deployments, CPU cores, RAM and GPUs.

Usage counts every deployment that holds or is about to hold resources
(queued … running, and deleting until the backend let go). Callers run
`check_quotas()` inside the create transaction after locking the user's row,
so one user's concurrent clicks see each other; the VO-wide check takes a
PostgreSQL advisory lock only when the VO is close to its limit, so the common
case does not serialise every user of a VO.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from deployments.models import ACTIVE_STATES, Deployment
from deployments.services.errors import QuotaExceeded

# (quota key, usage field, words for people)
DIMENSIONS = (
    ("deployments", "deployments", "deployments"),
    ("cpu", "cpu", "CPU cores"),
    ("ram_mb", "ram_mb", "MB of RAM"),
    ("gpu", "gpu", "GPUs"),
)
NEAR_LIMIT = 0.8


@dataclass(frozen=True)
class Usage:
    deployments: int = 0
    cpu: int = 0
    ram_mb: int = 0
    gpu: int = 0


def usage_of(queryset: QuerySet[Deployment]) -> Usage:
    totals = queryset.filter(state__in=ACTIVE_STATES).aggregate(
        deployments=Count("pk"),
        cpu=Coalesce(Sum("cpu"), 0),
        ram_mb=Coalesce(Sum("ram_mb"), 0),
        gpu=Coalesce(Sum("gpu_num"), 0),
    )
    return Usage(**totals)


def user_usage(user) -> Usage:
    return usage_of(Deployment.objects.filter(owner=user))


def vo_usage(vo: str) -> Usage:
    return usage_of(Deployment.objects.filter(vo=vo))


def user_limits() -> dict[str, int]:
    return dict(settings.DEPLOY_QUOTAS.get("user", {}))


def vo_limits(vo: str) -> dict[str, int]:
    per_vo = settings.DEPLOY_QUOTAS.get("vo", {})
    return dict(per_vo.get(vo) or per_vo.get("*") or {})


def _user_and_vo_usage(user, vo: str) -> tuple[Usage, Usage]:
    """Both usages in one query (this runs on every click)."""
    mine, theirs = Q(owner=user), Q(vo=vo)
    totals = (
        Deployment.objects.filter(state__in=ACTIVE_STATES)
        .filter(mine | theirs)
        .aggregate(
            **{
                f"{who}_{field}": Coalesce(aggregate(column, filter=condition), 0)
                for who, condition in (("user", mine), ("vo", theirs))
                for field, aggregate, column in (
                    ("deployments", Count, "pk"),
                    ("cpu", Sum, "cpu"),
                    ("ram_mb", Sum, "ram_mb"),
                    ("gpu", Sum, "gpu_num"),
                )
            }
        )
    )
    return tuple(
        Usage(**{field: totals[f"{who}_{field}"] for field in Usage.__dataclass_fields__})
        for who in ("user", "vo")
    )


def check_quotas(*, user, vo: str, cpu: int, ram_mb: int, gpu_num: int) -> None:
    """Raise QuotaExceeded, naming the limit and the current usage, if this request would
    go over the user's or the VO's quota."""
    request = Usage(deployments=1, cpu=cpu, ram_mb=ram_mb, gpu=gpu_num)
    limits = vo_limits(vo)
    if not (user_limits() or limits):
        return
    mine, usage = _user_and_vo_usage(user, vo)
    if user_limits():
        _check("Your", user_limits(), mine, request, subject="you")
    if not limits:
        return
    if _near(limits, usage, request) and connection.vendor == "postgresql":
        # Close to the VO limit: serialise this VO's creates, then count again.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(vo)])
        usage = vo_usage(vo)
    _check(f"The VO {vo}'s", limits, usage, request, subject=f"{vo}")


def _near(limits: dict[str, int], usage: Usage, request: Usage) -> bool:
    for key, field, _words in DIMENSIONS:
        limit = limits.get(key)
        if limit is not None and getattr(usage, field) + getattr(request, field) > (
            NEAR_LIMIT * limit
        ):
            return True
    return False


def _check(owner: str, limits: dict[str, int], usage: Usage, request: Usage, *, subject: str):
    for key, field, words in DIMENSIONS:
        limit = limits.get(key)
        asked = getattr(request, field)
        used = getattr(usage, field)
        if limit is None or asked == 0 or used + asked <= limit:
            continue
        who = "you are" if subject == "you" else f"{subject} is"
        raise QuotaExceeded(
            f"{owner} quota allows {limit} {words} at a time; {who} using {used} "
            f"and this deployment asks for {asked}.",
            limit=key,
            allowed=limit,
            used=used,
            requested=asked,
        )


def _lock_id(vo: str) -> int:
    # A stable signed 64-bit key per VO for pg_advisory_xact_lock.
    return zlib.crc32(f"deployments-vo:{vo}".encode()) - 2**31


def quota_summary(user) -> list[dict[str, int | str]]:
    """The user's usage against each limit, for the deployments page."""
    usage = user_usage(user)
    limits = user_limits()
    return [
        {"label": words, "used": getattr(usage, field), "limit": limits[key]}
        for key, field, words in DIMENSIONS
        if key in limits
    ]
