"""Absolute URLs: every one the site hands out is built here, from SITE_URL.

Every exporter (JSON-LD, OAI-PMH, Signposting, feeds, sitemap, REST pagination, PAPI) names
a resource by the same URL, never by the request's Host header: that differs behind proxies
and in background jobs, and a client could make us publish links to any host it likes.
"""

from django.conf import settings


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str) -> str:
    """SITE_URL + a site path (``/feed/changes.atom``, ``/api/v1/changes/?page=2``)."""
    return f"{site_url()}/{path.lstrip('/')}"


def request_url(request) -> str:
    """The URL of this request (path and query) under SITE_URL; use it where DRF and
    Django would call ``request.build_absolute_uri()``."""
    return absolute_url(request.get_full_path())


def landing_url(name: str) -> str:
    """The module page (tools share it): the persistent URL cited for an entry (`cite-as`)."""
    return f"{site_url()}/modules/{name}/"


def page_url(module) -> str:
    return landing_url(module.name)


def api_detail_url(name: str) -> str:
    return f"{site_url()}/api/v1/modules/{name}/"


def ai4_export_url(name: str, fmt: str = "json") -> str:
    return f"{site_url()}/api/v1/modules/{name}/ai4-metadata.{fmt}"


def papi_metadata_url(name: str, kind: str = "module") -> str:
    return f"{site_url()}/v1/catalog/{kind}s/{name}/metadata"


def catalog_url() -> str:
    return f"{site_url()}/catalog.jsonld"


def harvest_run_url(run_id: int) -> str:
    return f"{site_url()}/api/v1/harvest-runs/{run_id}/"


def docker_hub_url(image: str) -> str:
    """`ai4oshub/x:tag` → the image's page on Docker Hub (other registries: as given)."""
    if not image:
        return ""
    if image.startswith(("http://", "https://")):
        return image
    reference = image.split("@", 1)[0]
    first = reference.split("/", 1)[0]
    if "/" in reference and ("." in first or ":" in first):  # another registry
        return f"https://{reference}"
    repository = reference.rsplit(":", 1)[0] if ":" in reference else reference
    if "/" not in repository:
        return f"https://hub.docker.com/_/{repository}"
    return f"https://hub.docker.com/r/{repository}"
