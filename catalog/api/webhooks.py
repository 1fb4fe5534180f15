"""`POST /api/v1/webhooks/github`: GitHub push events re-harvest what they touched.

Thin: check the signature, the replay and the rate (catalog.services.webhooks), then queue
the harvest of the touched modules on the harvest queue and say what was done. Answers are
JSON `{"status", "message", "modules"}`; GitHub shows them in the webhook's delivery log.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog.services import webhooks

logger = logging.getLogger(__name__)


def _answer(status: int, state: str, message: str, modules: list[str] | None = None):
    return JsonResponse(
        {"status": state, "message": message, "modules": modules or []}, status=status
    )


@csrf_exempt  # GitHub signs the body instead (X-Hub-Signature-256)
@require_POST
def github_webhook(request: HttpRequest) -> JsonResponse:
    body = request.body
    try:
        webhooks.verify_signature(body, request.headers.get("X-Hub-Signature-256", ""))
        event = request.headers.get("X-GitHub-Event", "")
        if event == "ping":
            return _answer(200, "pong", "The webhook reaches AI Exchange and is signed right.")
        if event != "push":
            return _answer(202, "ignored", f"Only push events are used, not “{event[:40]}”.")
        content_type = request.headers.get("Content-Type", "")
        form_payload = request.POST.get("payload") if "form-urlencoded" in content_type else None
        payload = webhooks.parse_payload(body, content_type, form_payload)
        webhooks.check_rate(webhooks.repository_of(payload))
        plan = webhooks.plan_push(payload)
        if plan.ignored:
            return _answer(202, "ignored", f"Nothing to harvest: {plan.ignored}.")
        delivery = request.headers.get("X-GitHub-Delivery", "")
        if not webhooks.first_delivery(delivery, body):
            return _answer(200, "duplicate", "This delivery was already acted on; ignored.")
    except webhooks.WebhookRefused as refused:
        response = _answer(refused.status, "refused", str(refused))
        if refused.retry_after:
            response["Retry-After"] = str(refused.retry_after)
        return response
    try:
        queued = _queue(plan)
    except Exception:  # the broker is down: GitHub may redeliver, so do not remember it
        logger.exception("webhook: could not queue the harvest of %s", plan.repository)
        webhooks.forget_delivery(delivery, body)
        return _answer(503, "refused", "Could not queue the harvest (task broker unavailable).")
    return _answer(202, "queued", queued, plan.names)


def _queue(plan: webhooks.PushPlan) -> str:
    from catalog.tasks import harvest_catalog, harvest_items

    if plan.whole_catalog:
        harvest_catalog.delay(trigger="webhook")
        return f"{plan.repository} changed its .gitmodules: every catalog is harvested."
    for kind, names in plan.modules.items():
        harvest_items.delay(kind, names, trigger="webhook")
    return f"Re-harvesting {', '.join(plan.names)}."
