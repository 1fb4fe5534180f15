"""The parts of a composite entry (kind "pipeline"), as linked data.

``Module.parts`` is written by whoever composes the entry (the pipelines app); the catalog only
reads it, so exporters say ``schema:hasPart`` / ``dcterms:hasPart`` without knowing that app:
each module part at the revision and commit used, each sub-pipeline at its version, each
built-in aggregation as a step of the entry itself.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from catalog.fair.links import landing_url

SCHEMA = Namespace("https://schema.org/")


def _parts(module) -> list[dict[str, Any]]:
    return [p for p in (module.parts or []) if isinstance(p, dict) and p.get("name")]


def part_iri(module, part: dict[str, Any]) -> str:
    """A module or sub-pipeline part is its catalog page; an aggregation, a step of ours."""
    if part.get("kind") in ("module", "pipeline"):
        return landing_url(str(part["name"]))
    return f"{landing_url(module.name)}#step-{part.get('step', '')}"


def part_urls(module) -> list[str]:
    """Catalog pages of the entry's module and pipeline parts (for dc:relation)."""
    return [part_iri(module, p) for p in _parts(module) if p.get("kind") in ("module", "pipeline")]


def _version(part: dict[str, Any]) -> str:
    value = part.get("revision") if part.get("kind") == "module" else part.get("version")
    return "" if value is None else str(value)


def add_parts(graph: Graph, subject: URIRef, module) -> None:
    for part in _parts(module):
        node = URIRef(part_iri(module, part))
        graph.add((subject, SCHEMA.hasPart, node))
        graph.add((subject, DCTERMS.hasPart, node))
        graph.add((node, SCHEMA.position, Literal(str(part.get("step", "")))))
        if part.get("kind") == "join":
            graph.add((node, RDF.type, SCHEMA.SoftwareSourceCode))
            graph.add((node, SCHEMA.name, Literal(str(part["name"]))))
            continue
        graph.add((node, RDF.type, SCHEMA.SoftwareApplication))
        graph.add((node, SCHEMA.identifier, Literal(str(part["name"]))))
        if _version(part):
            graph.add((node, SCHEMA.version, Literal(_version(part))))
        graph.add((subject, PROV.wasDerivedFrom, node))
        if part.get("commit") and part.get("repository"):
            tree = URIRef(f"https://github.com/{part['repository']}/tree/{part['commit']}")
            graph.add((node, PROV.wasDerivedFrom, tree))


def embedded_parts(module) -> list[dict[str, Any]]:
    """The same parts for the page's small schema.org JSON-LD."""
    out = []
    for part in _parts(module):
        item: dict[str, Any] = {"@id": part_iri(module, part), "position": str(part.get("step"))}
        if part.get("kind") == "join":
            item |= {"@type": "SoftwareSourceCode", "name": str(part["name"])}
        else:
            item |= {"@type": "SoftwareApplication", "identifier": str(part["name"])}
            if _version(part):
                item["version"] = _version(part)
        out.append(item)
    return out
