"""Anonymous throttling whose rate is read at request time (settings can change in tests)."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class CatalogAnonThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
