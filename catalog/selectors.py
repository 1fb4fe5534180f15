"""Read queries shared by pages, the API, OAI-PMH and JSON-LD exporters."""

from django.db.models import QuerySet

from catalog.models import Module


def published_modules() -> QuerySet[Module]:
    """Modules and tools visible to the public: active and not hidden by a curator."""
    return Module.objects.filter(status=Module.Status.ACTIVE, is_hidden=False)
