"""Validation of our linked data against the official application-profile shapes
(DCAT-AP 3.0.1, MLDCAT-AP 3.1.0; copies in `profiles/`), the way the EOSC and
data.europa.eu harvesters check records before accepting them. Used by
`manage.py validate_profiles` (docs/conformance.md)."""

from __future__ import annotations

import dataclasses
import functools
import json

import pyshacl
from rdflib import Graph
from rdflib.namespace import RDF, SH

from catalog.fair import jsonld
from catalog.fair.contexts import PROFILES
from catalog.fair.mldcat import known_gap
from catalog.fair.oai.formats import dcat_rdfxml
from catalog.models import Module

SHAPES = {
    "DCAT-AP 3.0.1": "dcat-ap-3.0.1-SHACL.ttl",
    "MLDCAT-AP 3.1.0": "mldcat-ap-3.1.0-SHACL.ttl",
}


@dataclasses.dataclass(frozen=True)
class Finding:
    profile: str
    focus: str
    path: str
    message: str
    known_gap: str  # the reason, when the conformance page lists this violation

    def __str__(self) -> str:
        return f"[{self.profile}] {self.focus} {self.path}: {self.message}"


@functools.cache
def shapes(profile: str) -> Graph:
    return Graph().parse(PROFILES / SHAPES[profile], format="turtle")


def violations(data: Graph, profile: str) -> list[Finding]:
    """Every sh:Violation of `data` against the profile's shapes."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes(profile), inference="none")
    findings = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = report.value(result, SH.focusNode)
        path = report.value(result, SH.resultPath)
        gap = known_gap(data, focus, path)
        findings.append(
            Finding(
                profile=profile,
                focus=str(focus),
                path=str(path),
                message=str(report.value(result, SH.resultMessage)),
                known_gap=gap.reason if gap else "",
            )
        )
    return sorted(findings, key=lambda f: (f.focus, f.path, f.message))


def documents(modules: list[Module]) -> dict[str, Graph]:
    """What we publish as DCAT / MLDCAT-AP, grouped by route: each group is one graph (the
    union of its documents), so a run validates a handful of graphs, not hundreds."""
    catalog = jsonld.catalog_graph(modules)
    pages, papi, oai = Graph(), Graph(), Graph()
    for module in modules:
        pages += jsonld.module_graph(module)
        if module.origin == "ai4os" and module.kind in (Module.Kind.MODULE, Module.Kind.TOOL):
            papi.parse(data=json.dumps(jsonld.mldcatap_document(module)), format="json-ld")
        oai.parse(data=dcat_rdfxml(module), format="xml")
    return {
        "/catalog.jsonld": catalog,
        "module pages (JSON-LD)": pages,
        "PAPI profile=mldcatap": papi,
        "OAI-PMH dcat_rdfxml": oai,
    }
