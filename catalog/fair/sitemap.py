"""`sitemap.xml`: every published module page with its last change (django.contrib.sitemaps)."""

from django.contrib.sitemaps import Sitemap

from catalog.fair import links as fair_links
from catalog.models import Module
from catalog.selectors import published_modules


class ModuleSitemap(Sitemap):
    changefreq = "weekly"
    limit = 50000  # the protocol's per-file maximum; django paginates beyond it

    def items(self):
        return published_modules().only("name", "modified_at").order_by("name")

    def location(self, module: Module) -> str:
        # Absolute already; Sitemap.get_urls prefixes the domain only to relative paths
        # through `get_domain`, so return the path part and let it add ours.
        return fair_links.landing_url(module.name)[len(fair_links.site_url()) :]

    def lastmod(self, module: Module):
        return module.modified_at

    def get_domain(self, site=None) -> str:
        return fair_links.site_url().split("://", 1)[1]

    def get_protocol(self, protocol=None) -> str:
        return fair_links.site_url().split("://", 1)[0]


SITEMAPS = {"modules": ModuleSitemap}
