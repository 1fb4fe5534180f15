"""Tell people a deployment entered drift: the owner, and the module's maintainers (the
curators who look after the module in the catalog). An in-app notification each, and an
e-mail through Django's mail backend. Maintainers see the module and the drifting
features, not the owner's deployment details.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.urls import reverse

from marketplace.auth.permissions import can_curate
from monitoring.models import DriftCheck, Notification

logger = logging.getLogger(__name__)


def maintainers_of(module) -> list:
    User = get_user_model()
    candidates = User.objects.filter(is_active=True).filter(
        Q(is_global_curator=True) | ~Q(curator_vos=[])
    )
    return [user for user in candidates if can_curate(user, module)]


def notify_drift(*, check_id: int) -> int:
    """Notifications for one check that entered drift; how many people were told."""
    check = DriftCheck.objects.select_related("deployment__owner", "deployment__module").get(
        pk=check_id
    )
    deployment = check.deployment
    features = sorted({r.feature for r in check.results.all() if r.verdict == "drift"})
    what = ", ".join(features[:5]) + (" …" if len(features) > 5 else "")
    url = reverse("monitoring:tab", args=[deployment.pk])
    owner_message = (
        f"Your deployment “{deployment}” entered drift at "
        f"{check.created_at:%Y-%m-%d %H:%M} UTC (features: {what})."
    )
    messages = [(deployment.owner, owner_message, url)]
    if deployment.module is not None:
        module = deployment.module
        module_message = (
            f"A deployment of your module “{module.title or module.name}” entered drift at "
            f"{check.created_at:%Y-%m-%d %H:%M} UTC (features: {what})."
        )
        module_url = reverse("catalog:module-detail", args=[module.name])
        messages += [
            (user, module_message, module_url)
            for user in maintainers_of(module)
            if user.pk != deployment.owner_id
        ]
    Notification.objects.bulk_create(
        Notification(user=user, deployment=deployment, message=text, url=link)
        for user, text, link in messages
    )
    mails = [
        (
            f"[{settings.SITE_NAME}] Drift detected",
            f"{text}\n\n{settings.SITE_URL}{link}\n",
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        for user, text, link in messages
        if user.email
    ]
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # noqa: BLE001 - the in-app notification is already stored
        logger.exception("could not send drift e-mails for check %s", check_id)
    return len(messages)
