"""Anonymous throttling for the public API.

Counters live in the cache. The cache itself fails soft (marketplace.cache), so with Redis
away the counters read as empty and requests pass: the throttle never takes the site down.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class CatalogAnonThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self):
        # Read at request time, so settings changed by tests or reloads apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
