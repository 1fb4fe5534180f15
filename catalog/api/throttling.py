"""Anonymous throttling for the public API.

Counters live in the cache (Redis). The throttle protects the site; it must never take it
down: if the cache cannot be reached the request is let through and the outage logged, so
the catalog keeps answering from PostgreSQL while Redis is away.
"""

import logging

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle

logger = logging.getLogger(__name__)


class CatalogAnonThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self):
        # Read at request time, so settings changed by tests or reloads apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # any cache backend error: fail open, never 500
            logger.warning("throttle cache unavailable, request allowed: %s", exc)
            return True
