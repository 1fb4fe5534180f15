"""FAIR Signposting on module pages: Level 1 `Link` headers and Level 2 linksets.

One list of typed links per entry (:func:`signposts`) feeds both levels, so they cannot
disagree: `cite-as`, `describedby` (JSON-LD, Turtle, ai4-metadata JSON and YAML, the OAI-PMH
records in Dublin Core and DCAT, each with its profile), `type`, `license`, `author` and
`item` (Docker image, code repository, model weights).

* Level 1: a middleware, so the web pages' view needs no change: 200 answers of a module
  page route get the links as `Link` headers, plus `linkset` links to the two linksets.
* Level 2: `/modules/<name>/linkset.json` (`application/linkset+json`) and
  `/modules/<name>/linkset` (`application/linkset`), RFC 9264 documents with the landing
  page's links and, for each metadata document and item, the link back to it
  (`describes`, `collection`), as the FAIR Signposting Level 2 recipe shows.

FAIR assessment tools (F-UJI and the like) read these before anything else.
"""

from __future__ import annotations

import dataclasses
import json
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from catalog.fair import links as fair_links
from catalog.fair.negotiation import is_module_page
from catalog.fair.oai.formats import FORMATS
from catalog.fair.oai.protocol import oai_identifier
from catalog.metadata.licences import module_licence, spdx_uri
from catalog.models import Module
from catalog.selectors import module_named
from catalog.sources.external import repository_key

LINKSET_JSON = "application/linkset+json"
LINKSET_TEXT = "application/linkset"
OAI_MEDIA_TYPE = "text/xml"
# Relations of the landing page whose targets are metadata documents, and items.
METADATA_RELATION = "describedby"
ITEM_RELATION = "item"


@dataclasses.dataclass(frozen=True)
class Signpost:
    href: str
    rel: str
    type: str = ""
    profile: str = ""  # the metadata format, where the media type alone does not say it

    def header(self) -> str:
        typed = f' ; type="{self.type}"' if self.type else ""
        profiled = f' ; profile="{self.profile}"' if self.profile else ""
        return f'<{self.href}> ; rel="{self.rel}"{typed}{profiled}'

    def target(self) -> dict[str, str]:
        attributes = {"type": self.type, "profile": self.profile}
        return {"href": self.href, **{k: v for k, v in attributes.items() if v}}


def signposts(module: Module) -> list[Signpost]:
    """The landing page's typed links, Level 1 and Level 2 alike."""
    page = fair_links.page_url(module)
    export = fair_links.ai4_export_url
    result = [
        Signpost(f"https://doi.org/{module.doi}" if module.doi else page, "cite-as"),
        Signpost(page, METADATA_RELATION, "application/ld+json"),
        Signpost(page, METADATA_RELATION, "text/turtle"),
        Signpost(export(module.name, "json"), METADATA_RELATION, "application/json"),
        Signpost(export(module.name, "yml"), METADATA_RELATION, "application/yaml"),
        *oai_records(module),
        Signpost("https://schema.org/SoftwareApplication", "type"),
        Signpost("https://schema.org/AboutPage", "type"),
    ]
    licence = spdx_uri(module_licence(module).spdx)
    if licence:
        result.append(Signpost(licence, "license"))
    for author in author_urls(module):
        result.append(Signpost(author, "author"))
    if module.docker_image:
        result.append(Signpost(fair_links.docker_hub_url(module.docker_image), ITEM_RELATION))
    code = source_code_url(module)
    if code:
        result.append(Signpost(code, ITEM_RELATION, "text/html"))
    weights = (module.links or {}).get("weights")  # BioImage.io: the RDF naming the weights
    if isinstance(weights, str) and weights.startswith(("http://", "https://")):
        result.append(Signpost(weights, ITEM_RELATION))
    return result


def oai_records(module: Module) -> list[Signpost]:
    """The entry's OAI-PMH record in each metadata format we serve (Dublin Core, DCAT)."""
    identifier = quote(oai_identifier(module), safe=":")
    return [
        Signpost(
            fair_links.absolute_url(
                f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier={identifier}"
            ),
            METADATA_RELATION,
            OAI_MEDIA_TYPE,
            metadata_format.namespace,
        )
        for prefix, metadata_format in FORMATS.items()
    ]


def source_code_url(module: Module) -> str:
    code = (module.links or {}).get("source_code") or module.repository_url
    return code if isinstance(code, str) and code.startswith(("http://", "https://")) else ""


def author_urls(module: Module) -> list[str]:
    """Who publishes the entry, as a URI: the account that owns its code repository (a GitHub
    organisation, a Hugging Face user). No source we read gives authors' ORCIDs."""
    key = repository_key(source_code_url(module) or module.repository_url)
    if not key:
        return []
    host, owner, _repository = key.split("/", 2)
    return [f"https://{host}/{owner}"]


def linkset_urls(module: Module) -> dict[str, str]:
    """Media type → URL of the entry's linkset."""
    page = fair_links.page_url(module)
    return {LINKSET_JSON: f"{page}linkset.json", LINKSET_TEXT: f"{page}linkset"}


def signposting_links(module: Module) -> list[str]:
    """Level 1: the `Link` header values of the landing page (with its linksets)."""
    linksets = [Signpost(url, "linkset", kind) for kind, url in linkset_urls(module).items()]
    return [s.header() for s in (*signposts(module), *linksets)]


def linkset_contexts(module: Module) -> list[tuple[str, list[Signpost]]]:
    """Level 2: (anchor, links) of the landing page, then of each metadata document and item
    that has a URL of its own, pointing back at the landing page."""
    page = fair_links.page_url(module)
    landing = signposts(module)
    contexts: list[tuple[str, list[Signpost]]] = [(page, landing)]
    for signpost in landing:
        if signpost.href == page:
            continue  # JSON-LD and Turtle are the page itself, by content negotiation
        if signpost.rel == METADATA_RELATION:
            contexts.append((signpost.href, [Signpost(page, "describes", "text/html")]))
        elif signpost.rel == ITEM_RELATION:
            contexts.append((signpost.href, [Signpost(page, "collection", "text/html")]))
    return contexts


def linkset_json(module: Module) -> str:
    linkset = []
    for anchor, links in linkset_contexts(module):
        context: dict[str, object] = {"anchor": anchor}
        for signpost in links:
            context.setdefault(signpost.rel, []).append(signpost.target())  # type: ignore[union-attr]
        linkset.append(context)
    return json.dumps({"linkset": linkset}, indent=2)


def linkset_text(module: Module) -> str:
    """RFC 9264 `application/linkset`: Link-header syntax, one link a line, anchors explicit."""
    lines = []
    for anchor, links in linkset_contexts(module):
        lines += [f'{s.header()} ; anchor="{anchor}"' for s in links]
    return ",\n".join(lines) + "\n"


def _published(name: str) -> Module:
    module = module_named(name)
    if module is None or not module.is_published:
        raise Http404("No such entry.")
    return module


@require_safe
def linkset_json_view(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse(linkset_json(_published(name)), content_type=LINKSET_JSON)


@require_safe
def linkset_text_view(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse(linkset_text(_published(name)), content_type=LINKSET_TEXT)


class SignpostingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 200 or not is_module_page(request):
            return response
        module = module_named(request.resolver_match.kwargs["name"])
        if module is None or not module.is_published:
            return response
        existing = response.get("Link")
        links = ", ".join(signposting_links(module))
        response["Link"] = f"{existing}, {links}" if existing else links
        return response
