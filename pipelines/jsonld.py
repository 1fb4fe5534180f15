"""A pipeline as linked data: a schema.org / DCAT composite resource whose parts
(`hasPart`, `dcterms:hasPart`) are the catalog modules (at a revision and commit) and the
sub-pipelines (at a version) it is made of, with PROV-O saying which version of each it used."""

from __future__ import annotations

from typing import Any

from catalog.fair.links import landing_url, site_url
from pipelines.catalog_names import entry_url
from pipelines.definition import AGGREGATORS
from pipelines.models import Pipeline, PipelineVersion

CONTEXT = {
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
}


def pipeline_url(name: str) -> str:
    return f"{site_url()}/pipelines/{name}/"


def pipeline_document(pipeline: Pipeline, version: PipelineVersion) -> dict[str, Any]:
    url = pipeline_url(pipeline.name)
    parts: list[dict[str, Any]] = []
    derived: list[dict[str, Any]] = []
    by_step = {p["step"]: p for p in version.provenance}
    for step in version.definition.get("steps", []):
        origin = by_step.get(step["id"], {})
        if origin.get("kind") == "module":
            module_iri = landing_url(origin["module"])
            part = {
                "@id": module_iri,
                "@type": ["schema:SoftwareApplication", "dcat:Resource"],
                "schema:identifier": origin["module"],
                "schema:version": str(origin.get("revision") or ""),
                "schema:position": step["id"],
            }
            if step["kind"] == "join":
                part["schema:description"] = "aggregation step (user module)"
            parts.append(part)
            entity = {"@id": module_iri, "schema:version": str(origin.get("revision") or "")}
            if origin.get("commit") and origin.get("repository"):
                entity["prov:wasDerivedFrom"] = {
                    "@id": f"https://github.com/{origin['repository']}/tree/{origin['commit']}"
                }
            derived.append(entity)
        elif origin.get("kind") == "pipeline":
            sub_iri = pipeline_url(origin["pipeline"])
            parts.append(
                {
                    "@id": sub_iri,
                    "@type": ["schema:SoftwareApplication", "dcat:Resource"],
                    "schema:identifier": origin["pipeline"],
                    "schema:version": str(origin["version"]),
                    "schema:applicationCategory": "AI pipeline",
                    "schema:position": step["id"],
                }
            )
            derived.append({"@id": sub_iri, "schema:version": str(origin["version"])})
        elif step["kind"] == "join":
            parts.append(
                {
                    "@id": f"{url}#step-{step['id']}",
                    "@type": "schema:SoftwareSourceCode",
                    "schema:name": AGGREGATORS.get(step["join"], step["join"]),
                    "schema:position": step["id"],
                }
            )
    return {
        "@context": CONTEXT,
        "@id": url,
        "@type": ["schema:SoftwareApplication", "dcat:Resource", "prov:Entity"],
        "schema:name": pipeline.title,
        "schema:identifier": pipeline.name,
        "schema:applicationCategory": "AI pipeline",
        "schema:description": pipeline.description,
        "schema:version": str(version.number),
        "schema:dateModified": version.created_at.isoformat(),
        "schema:author": {"@type": "schema:Person", "schema:name": _author(pipeline)},
        "schema:url": url,
        "dcat:landingPage": {"@id": url},
        "schema:hasPart": parts,
        "dcterms:hasPart": [{"@id": p["@id"]} for p in parts],
        "prov:wasDerivedFrom": derived,
        "dcterms:hasFormat": {"@id": f"{url}definition.yaml"},
        # The same pipeline as an entry of the module catalog (public pipelines only).
        **({} if pipeline.is_private else {"schema:sameAs": {"@id": entry_url(pipeline.name)}}),
    }


def _author(pipeline: Pipeline) -> str:
    owner = pipeline.owner
    return getattr(owner, "display_name", "") or owner.get_full_name() or owner.username
