"""`/robots.txt`: crawl the public catalog, not the private areas; the sitemap lists pages.

RFC 9309 rules (``*`` wildcards, longest match wins). Private areas need a sign-in anyway;
listing them keeps crawlers from spending their budget on sign-in redirects. Filtered and
searched listings (``/modules/?…``) are an endless URL space whose pages the sitemap already
lists one by one.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from catalog.fair import links as fair_links

ROBOTS_CACHE_SECONDS = 24 * 3600
PRIVATE_PATHS = (
    "/accounts/",  # sign-in, account and API token pages
    "/oidc/",
    "/admin/",
    "/deployments/",
    "/api/v1/deployments/",
    "/v1/deployments/",
    "/curation/",
    "/modules/*/curate/",
    "/api/v1/modules/*/curation/",
    "/metrics",
)
# "?*", not "?": first-match parsers drop an empty query and would read "/modules/".
ENDLESS_PATHS = ("/modules/?*", "/tools/?*")


def robots_txt_body() -> str:
    # Allow last: first-match parsers (Python's urllib.robotparser) then read it as RFC 9309
    # longest-match ones do.
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in (*PRIVATE_PATHS, *ENDLESS_PATHS)]
    lines += ["Allow: /", "", f"Sitemap: {fair_links.absolute_url('/sitemap.xml')}", ""]
    return "\n".join(lines)


@require_safe
@cache_control(public=True, max_age=ROBOTS_CACHE_SECONDS)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(robots_txt_body(), content_type="text/plain; charset=utf-8")
