"""GitHub push webhooks: re-harvest just what a push touched.

GitHub signs each delivery's raw body with HMAC-SHA256 under the webhook's secret and sends
`X-Hub-Signature-256: sha256=<hex>`; the signature is checked over the exact bytes, in
constant time, before anything is parsed. It covers no timestamp, so a captured delivery
could be sent again: each delivery id (`X-GitHub-Delivery`) and each signed body is acted on
once (remembered for GITHUB_WEBHOOK_REPLAY_DAYS), and a repeat changes nothing.

What a push touches:
- a push to a module's repository, on the branch we harvest → that module;
- a push to a catalog repository (HARVEST_CATALOGS) → the modules whose submodule paths
  the commits changed; a change to `.gitmodules` itself (a module added or removed) → a
  harvest of every catalog, which lists, adds and withdraws;
- anything else (another repository, another branch, a tag) → ignored, and said so.

Events are rate-limited per repository (GITHUB_WEBHOOK_MAX_PER_MINUTE). The harvests run on
the harvest queue (catalog.tasks.harvest_items), which waits for a running harvest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models.functions import Lower

from catalog.models import Module

from .harvest import CatalogSpec

logger = logging.getLogger(__name__)

RATE_WINDOW_SECONDS = 60


class WebhookRefused(Exception):
    """The delivery is not acted on; `status` is the HTTP answer, the message says why."""

    def __init__(self, status: int, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass
class PushPlan:
    """What a push asks for: modules to re-harvest (by kind), or every catalog."""

    repository: str
    modules: dict[str, list[str]] = field(default_factory=dict)  # kind → names
    whole_catalog: bool = False
    ignored: str = ""  # why nothing is harvested

    @property
    def names(self) -> list[str]:
        return [name for names in self.modules.values() for name in names]


def verify_signature(body: bytes, header: str) -> None:
    secret = settings.GITHUB_WEBHOOK_SECRET
    if not secret:
        raise WebhookRefused(404, "Webhooks are not configured on this server.")
    scheme, _, signature = header.partition("=")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if scheme != "sha256" or not hmac.compare_digest(signature.strip(), expected):
        raise WebhookRefused(401, "X-Hub-Signature-256 does not match the body and secret.")


def parse_payload(body: bytes, content_type: str, form_payload: str | None) -> dict:
    """The JSON payload: the body (application/json) or its `payload` form field."""
    text = form_payload if "form-urlencoded" in content_type else body.decode("utf-8", "replace")
    try:
        payload = json.loads(text or "")
    except ValueError:
        raise WebhookRefused(400, "The payload is not JSON.") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "The payload is not a JSON object.")
    return payload


def first_delivery(delivery: str, body: bytes) -> bool:
    """True the first time this delivery id and this signed body are seen."""
    seconds = int(settings.GITHUB_WEBHOOK_REPLAY_DAYS * 86400)
    digest = hashlib.sha256(body).hexdigest()
    new_body = cache.add(f"webhook:body:{digest}", 1, seconds)
    new_id = cache.add(f"webhook:delivery:{delivery[:100]}", 1, seconds) if delivery else True
    return bool(new_body and new_id)


def forget_delivery(delivery: str, body: bytes) -> None:
    """Let GitHub's redelivery through after we failed to act on this one."""
    cache.delete(f"webhook:body:{hashlib.sha256(body).hexdigest()}")
    if delivery:
        cache.delete(f"webhook:delivery:{delivery[:100]}")


def check_rate(repository: str) -> None:
    limit = settings.GITHUB_WEBHOOK_MAX_PER_MINUTE
    if not limit or not repository:
        return
    key = f"webhook:rate:{repository.lower()}"
    cache.add(key, 0, RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)  # None with Redis away: let it through
    except ValueError:  # the window ended between the two calls
        count = 1
    if count is not None and count > limit:
        raise WebhookRefused(
            429,
            f"More than {limit} events a minute for {repository}; this one is dropped.",
            retry_after=RATE_WINDOW_SECONDS,
        )


def repository_of(payload: dict) -> str:
    repository = payload.get("repository")
    return str(repository.get("full_name") or "") if isinstance(repository, dict) else ""


def plan_push(payload: dict) -> PushPlan:
    repository = repository_of(payload)
    plan = PushPlan(repository)
    ref = str(payload.get("ref") or "")
    if not repository or not ref.startswith("refs/heads/"):
        plan.ignored = "not a push to a branch"
        return plan
    branch = ref.removeprefix("refs/heads/")
    default_branch = str(payload["repository"].get("default_branch") or "")
    paths = _touched_paths(payload)
    for spec in (CatalogSpec.parse(text) for text in settings.HARVEST_CATALOGS):
        if spec.full_name.lower() != repository.lower():
            continue
        if branch != (spec.branch or default_branch or branch):
            plan.ignored = f"a push to {branch}, not to the catalog's branch"
            return plan
        if ".gitmodules" in paths:
            plan.whole_catalog = True
            return plan
        names = _catalog_members(spec.kind, paths)
        if names:
            plan.modules[spec.kind] = names
        else:
            plan.ignored = "the push changed no module of the catalog"
        return plan
    for module in Module.objects.filter(
        repository__iexact=repository, origin="ai4os", status=Module.Status.ACTIVE
    ).only("name", "kind", "branch"):
        if branch == (module.branch or default_branch or branch):
            plan.modules.setdefault(module.kind, []).append(module.name)
    if not plan.modules:
        plan.ignored = f"{repository} (branch {branch}) is not harvested here"
    return plan


def _touched_paths(payload: dict) -> set[str]:
    paths: set[str] = set()
    for commit in payload.get("commits") or []:
        if isinstance(commit, dict):
            for key in ("added", "removed", "modified"):
                paths.update(str(p).strip("/") for p in commit.get(key) or [])
    return paths


def _catalog_members(kind: str, paths: set[str]) -> list[str]:
    lowered = {path.lower() for path in paths}
    rows = (
        Module.objects.filter(kind=kind, origin="ai4os")
        .annotate(name_lower=Lower("name"))
        .filter(name_lower__in=lowered)
    )
    return sorted(rows.values_list("name", flat=True))
