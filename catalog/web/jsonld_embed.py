"""The schema.org description embedded in a module page as JSON-LD.

Small on purpose: search engines and FAIR checkers read `<script type="application/ld+json">`
on the landing page. The full DCAT / MLDCAT-AP / PROV-O exports live in `catalog.fair`;
this function may be swapped for theirs without touching the template.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from catalog.fair import links as fair_links
from catalog.fair.fair4ml import FAIR4ML, fair4ml_terms
from catalog.fair.parts import embedded_parts
from catalog.metadata.licences import licence_reference
from catalog.models import Module


def module_url(module: Module) -> str:
    return fair_links.absolute_url(reverse("catalog:module-detail", args=[module.name]))


def module_jsonld(module: Module) -> dict[str, Any]:
    """schema.org SoftwareApplication (also a dcat:Resource) for one module."""
    url = module_url(module)
    document: dict[str, Any] = {
        "@context": {
            "@vocab": "https://schema.org/",
            "dcat": "http://www.w3.org/ns/dcat#",
            "fair4ml": FAIR4ML,
            "schema": "https://schema.org/",
        },
        "@type": ["SoftwareApplication", "dcat:Resource"],
        "@id": url,
        "url": url,
        "identifier": module.name,
        "name": module.title or module.name,
        "applicationCategory": f"AI {module.kind}",
        "isAccessibleForFree": True,
    }
    if module.summary:
        document["abstract"] = module.summary
        document["description"] = module.summary
    keywords = [t for t in (*module.tags, *module.tasks) if isinstance(t, str) and t.strip()]
    if keywords:
        document["keywords"] = keywords
    licence = licence_reference(module)
    if licence:
        document["license"] = licence
    if module.created:
        document["dateCreated"] = module.created.isoformat()
    if module.updated:
        document["dateModified"] = module.updated.isoformat()
    code = (module.links or {}).get("source_code") or module.repository_url
    if isinstance(code, str) and code.startswith(("https://", "http://")):
        document["codeRepository"] = code
    if module.doi:
        document["sameAs"] = f"https://doi.org/{module.doi}"
    if module.parts:  # a pipeline: what it is made of
        document["hasPart"] = embedded_parts(module)
    terms = fair4ml_terms(module)  # a model's FAIR4ML terms, where its metadata states them
    document["@type"] += terms.pop("@type", [])
    document.update(terms)
    return document
