"""Accounts: people who sign in through OpenID Connect."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A person known to AI Exchange.

    Users are created and refreshed from OIDC claims at sign-in; `vos` and
    `curator_vos` are derived from entitlement claims by configuration, never
    edited by hand, so they always reflect what the identity provider says.
    """

    oidc_sub = models.CharField(max_length=255, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    vos = models.JSONField(default=list, blank=True, help_text="Virtual organisations")
    curator_vos = models.JSONField(default=list, blank=True)
    is_global_curator = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.display_name or self.email or self.username
