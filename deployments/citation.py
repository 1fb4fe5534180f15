"""Citable records of what ran: a PROV-O activity as JSON-LD and as an RO-Crate.

Shared by deployments and pipeline runs (pipelines/citation.py builds its record and uses
the same serialisers, access rule and publish switch). A record says which catalog version
(number and source commit) and which image digest were used, who ran it (prov:Agent), when,
and with what configuration; see docs/citation.md.

Access: deployments and runs are private. The owner always reads the record; anyone else
reads it only once the owner published it (a PublishedCitation row), and otherwise gets the
same 404 as for the deployment itself, so an unpublished ID leaks nothing. Publishing shares
the record only, never the deployment page, its endpoints or its storage settings.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, XSD
from rocrate.model.contextentity import ContextEntity
from rocrate.rocrate import ROCrate

from catalog.fair import links
from deployments import datasets
from deployments.federated_options import privacy_statement
from deployments.models import Deployment, DeploymentState, PublishedCitation

SCHEMA = Namespace("https://schema.org/")
CONTEXT = {
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    # A dataset's checksum(s) as its record states them ("md5:…"), or why none is known yet.
    "spdx": "http://spdx.org/rdf/terms#",
}
JSONLD_TYPE = "application/ld+json"
# Settings a citation shows; storage URL and user (and every secret) stay private.
PUBLIC_CONFIG_KEYS = ("flower",)
# The RO-Crate profile for "a tool was run" (https://www.researchobject.org/workflow-run-crate/).
PROCESS_RUN_CRATE = "https://w3id.org/ro/wfrun/process/0.5"
ENDED = (DeploymentState.COMPLETED, DeploymentState.FAILED, DeploymentState.DELETED)


@dataclass(frozen=True)
class UsedEntity:
    """Something the activity used: a module at a revision, an image at a digest, …"""

    key: str  # fragment of the entity's IRI inside the record
    label: str
    kind: str  # "module-revision" | "image" | "pipeline-version" | "dataset"
    properties: dict[str, str] = field(default_factory=dict)
    see_also: str = ""
    # The thing this is a version of (the module's page, the IRI of its catalog JSON-LD).
    version_of: str = ""


@dataclass(frozen=True)
class ActivityRecord:
    url: str  # the record's stable URL; the activity is `url#activity`
    crate_url: str
    title: str
    description: str
    agent_name: str
    started_at: datetime | None
    ended_at: datetime | None
    used: list[UsedEntity]
    configuration: dict[str, Any]
    published_at: datetime | None = None
    # What the run did, in words (a federated run: the privacy budget configured and spent).
    notes: tuple[str, ...] = ()


# -- access ---------------------------------------------------------------------------------
def published_at(kind: str, object_id) -> datetime | None:
    row = PublishedCitation.objects.filter(kind=kind, object_id=object_id).first()
    return row.published_at if row else None


def with_published_at(deployments):
    """`deployments` annotated with `citation_published_at` (one subquery, not one query per
    row), which readers prefer over published_at()."""
    rows = PublishedCitation.objects.filter(
        kind=PublishedCitation.Kind.DEPLOYMENT, object_id=OuterRef("pk")
    ).values("published_at")[:1]
    return deployments.annotate(citation_published_at=Subquery(rows))


def set_published(*, owner, kind: str, object_id, published: bool) -> None:
    """The owner's switch; publishing twice or withdrawing an unpublished record is a no-op."""
    if published:
        PublishedCitation.objects.get_or_create(
            kind=kind, object_id=object_id, defaults={"owner": owner}
        )
    else:
        PublishedCitation.objects.filter(kind=kind, object_id=object_id, owner=owner).delete()


def citable(queryset: QuerySet, *, kind: str, user, pk, missing: str):
    """The row of `queryset` (an owned model) whose record `user` may read: theirs, or
    published by its owner; else 404, the same answer as for an ID that does not exist."""
    published = PublishedCitation.objects.filter(kind=kind, object_id=pk).values("object_id")
    visible = Q(pk__in=published)
    if user.is_authenticated:
        visible |= Q(owner=user)
    row = queryset.filter(visible, pk=pk).first()
    if row is None:
        raise Http404(missing)
    return row


def citable_deployment(user, pk) -> Deployment:
    """The deployment whose record `user` may read, else 404."""
    return citable(
        Deployment.objects.select_related("owner", "module", "revision"),
        kind=PublishedCitation.Kind.DEPLOYMENT,
        user=user,
        pk=pk,
        missing="No such deployment.",
    )


# -- the deployment's record ------------------------------------------------------------------
def deployment_record(deployment: Deployment) -> ActivityRecord:
    pk = deployment.pk
    url = links.absolute_url(reverse("deployments:citation", args=[pk]))
    started, ended = _run_window(deployment)
    used = []
    module = deployment.module
    if module is not None or deployment.revision_number is not None:
        used.append(module_revision_entity(deployment))
    used.append(image_entity(deployment))
    used.extend(dataset_entities(deployment))
    title = deployment.title or str(pk)
    what = (module.title or module.name) if module else deployment.docker_image
    configuration = public_configuration(deployment)
    return ActivityRecord(
        url=url,
        crate_url=links.absolute_url(reverse("deployments:ro-crate", args=[pk])),
        title=f"Deployment “{title}” of {what}",
        description=deployment.description,
        agent_name=display_name(deployment.owner),
        started_at=started,
        ended_at=ended,
        used=used,
        configuration=configuration,
        published_at=published_at(PublishedCitation.Kind.DEPLOYMENT, pk),
        notes=budget_notes(configuration.get("federated_guarantees")),
    )


def module_revision_entity(deployment: Deployment) -> UsedEntity:
    module = deployment.module
    name = module.name if module else ""
    props = {"schema:version": str(deployment.revision_number or "unknown")}
    if name:
        props["schema:identifier"] = name
    if deployment.source_commit:
        props["schema:codeRepository"] = (
            f"{module.repository_url}/tree/{deployment.source_commit}"
            if module and module.repository_url
            else ""
        )
        props["dct:identifier"] = deployment.source_commit
    return UsedEntity(
        key="module-revision",
        label=f"{name or 'module'} version {deployment.revision_number or 'unknown'}",
        kind="module-revision",
        properties={k: v for k, v in props.items() if v},
        see_also=history_url(name) if name else "",
        version_of=links.landing_url(name) if name else "",
    )


def image_entity(deployment: Deployment) -> UsedEntity:
    props = {"schema:version": deployment.docker_tag, "schema:name": deployment.docker_image}
    if deployment.image_digest:
        props["dct:identifier"] = deployment.image_digest
        label = f"{deployment.docker_image}@{deployment.image_digest}"
    else:
        label = f"{deployment.image_ref} (digest unknown: ran by tag)"
    return UsedEntity(
        key="image",
        label=label,
        kind="image",
        properties=props,
        see_also=links.docker_hub_url(deployment.docker_image),
    )


def dataset_entities(deployment: Deployment) -> list[UsedEntity]:
    """Each dataset the job fetched, by its DOI (or URL) and checksum(s); "not yet fetched"
    until the job ran past its download tasks (deployments/services/datasets.py); then those a
    federated run's partner sites named, which they fetched themselves."""
    entities = []
    for number, dataset in enumerate(datasets.cited_datasets(deployment), start=1):
        identifier = dataset["doi"]
        site = " (a partner site's)" if dataset.get("partner_site") else ""
        props = {
            "schema:identifier": datasets.landing_url(identifier),
            "spdx:checksum": datasets.checksum_text(dataset),
        }
        entities.append(
            UsedEntity(
                key=f"dataset-{number}",
                label=f"dataset {identifier}{site}",
                kind="dataset",
                properties=props,
                see_also=datasets.landing_url(identifier),
            )
        )
    return entities


def history_url(module_name: str) -> str:
    """The public list of a module's versions (numbers, commits, changes)."""
    return links.absolute_url(f"/api/v1/modules/{module_name}/history/")


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def public_configuration(deployment: Deployment) -> dict[str, Any]:
    config = {
        "kind": deployment.kind,
        "backend": deployment.backend,
        "service": deployment.service,
        "vo": deployment.vo,
        "image": deployment.run_image,
        "cpu_num": deployment.cpu,
        "memory_MB": deployment.ram_mb,
        "disk_MB": deployment.disk_mb,
        "gpu_num": deployment.gpu_num,
        "gpu_type": deployment.gpu_type,
    }
    for key in PUBLIC_CONFIG_KEYS:
        if key in (deployment.config or {}):
            config[key] = deployment.config[key]
    if "flower" in config:  # a federated run: the guarantees its options give, in words,
        # and what its server last reported of the run (the rounds done, the budget spent)
        config["federated_guarantees"] = privacy_statement(
            config["flower"], deployment.reported_progress, ended=deployment.state in ENDED
        )
    return config


def budget_notes(guarantees: dict[str, Any] | None) -> tuple[str, ...]:
    """The privacy budget a federated run was configured with and the one it spent, in
    words (the same figures as `federated_guarantees` in the configuration)."""
    if not guarantees or not guarantees.get("privacy_budget"):
        return ()
    budget, spent = guarantees["privacy_budget"], guarantees.get("privacy_spent")
    notes = [
        f"Privacy budget configured: ε = {_epsilon(budget['epsilon'])} at δ = "
        f"{budget['delta']:g} for all {budget['rounds']} rounds (cap ε = "
        f"{budget['epsilon_cap']:g}; {budget['mode']} differential privacy)."
    ]
    if spent is None:
        notes.append("Privacy budget spent: not known (the server never reported progress).")
    else:
        when = "at the end" if spent["final"] else "so far"
        run = guarantees["progress"]
        notes.append(
            f"Privacy budget spent {when}: ε = {_epsilon(spent['epsilon'])} at δ = "
            f"{spent['delta']:g} over {spent['rounds']} of {budget['rounds']} rounds "
            f"(the server reported the run {run['state']} at {run['recorded_at']})."
        )
    return tuple(notes)


def _epsilon(value: float | None) -> str:
    return "∞" if value is None else f"{value:.4g}"


def _run_window(deployment: Deployment) -> tuple[datetime | None, datetime | None]:
    """When it started running (else when it was submitted) and when it stopped."""
    started = ended = None
    for t in deployment.transitions.all():
        if t.to_state == DeploymentState.RUNNING and started is None:
            started = t.at
        elif t.to_state in ENDED and ended is None and (started or deployment.submitted_at):
            ended = t.at
    return started or deployment.submitted_at, ended


# -- serialisers ------------------------------------------------------------------------------
def activity_graph(record: ActivityRecord) -> Graph:
    """The PROV-O graph: an Activity that used each entity and was associated with a user."""
    graph = Graph()
    for prefix, iri in CONTEXT.items():
        graph.bind(prefix, iri)
    doc = URIRef(record.url)
    activity = URIRef(f"{record.url}#activity")
    agent = URIRef(f"{record.url}#agent")
    graph.add((activity, RDF.type, PROV.Activity))
    graph.add((activity, RDFS.label, Literal(record.title)))
    if record.description:
        graph.add((activity, DCTERMS.description, Literal(record.description)))
    for note in record.notes:
        graph.add((activity, RDFS.comment, Literal(note)))
    if record.started_at:
        graph.add((activity, PROV.startedAtTime, _time(record.started_at)))
    if record.ended_at:
        graph.add((activity, PROV.endedAtTime, _time(record.ended_at)))
    graph.add((activity, PROV.wasAssociatedWith, agent))
    graph.add((agent, RDF.type, PROV.Agent))
    graph.add((agent, RDF.type, PROV.Person))
    graph.add((agent, FOAF.name, Literal(record.agent_name)))
    for used in record.used:
        entity = URIRef(f"{record.url}#{used.key}")
        graph.add((activity, PROV.used, entity))
        graph.add((entity, RDF.type, PROV.Entity))
        graph.add((entity, RDFS.label, Literal(used.label)))
        graph.add((entity, DCTERMS.type, Literal(used.kind)))
        for name, value in used.properties.items():
            prefix, _, local = name.partition(":")
            graph.add((entity, URIRef(CONTEXT[prefix] + local), Literal(value)))
        if used.see_also:
            graph.add((entity, RDFS.seeAlso, URIRef(used.see_also)))
        if used.version_of:
            graph.add((entity, PROV.specializationOf, URIRef(used.version_of)))
    settings_entity = URIRef(f"{record.url}#configuration")
    graph.add((activity, PROV.used, settings_entity))
    graph.add((settings_entity, RDF.type, PROV.Entity))
    graph.add((settings_entity, RDFS.label, Literal("configuration")))
    graph.add(
        (
            settings_entity,
            PROV.value,
            Literal(json.dumps(record.configuration, sort_keys=True), datatype=RDF.JSON),
        )
    )
    # The document itself: a citable entity about the activity.
    graph.add((doc, RDF.type, PROV.Entity))
    graph.add((doc, SCHEMA.about, activity))
    graph.add((doc, DCTERMS.title, Literal(f"Provenance of {record.title}")))
    if record.published_at:
        graph.add((doc, DCTERMS.issued, _time(record.published_at)))
    graph.add((doc, DCTERMS.hasFormat, URIRef(record.crate_url)))
    return graph


def jsonld(record: ActivityRecord) -> str:
    return activity_graph(record).serialize(format="json-ld", context=CONTEXT, indent=2)


def ro_crate_zip(record: ActivityRecord) -> bytes:
    """An RO-Crate (Process Run Crate shape): a CreateAction with its instrument (the module
    revision), object (the image), agent and times, plus the PROV record as a file."""
    crate = ROCrate()
    crate.name = f"Provenance of {record.title}"
    crate.description = record.description or crate.name
    crate.root_dataset["identifier"] = record.url
    crate.root_dataset["datePublished"] = (record.published_at or _now()).isoformat()
    profile = crate.add(
        ContextEntity(
            crate,
            PROCESS_RUN_CRATE,
            properties={"@type": "CreativeWork", "name": "Process Run Crate", "version": "0.5"},
        )
    )
    crate.root_dataset["conformsTo"] = profile
    agent = crate.add(ContextEntity(crate, f"{record.url}#agent", properties={"@type": "Person"}))
    agent["name"] = record.agent_name
    entities = []
    for used in record.used:
        props = {
            "@type": "Dataset" if used.kind == "dataset" else "SoftwareApplication",
            "name": used.label,
            "additionalType": used.kind,
        }
        for name, value in used.properties.items():
            props[name.partition(":")[2]] = value
        if used.see_also:
            props["url"] = used.see_also
        if used.kind == "dataset":
            # A web-based data entity: its @id is where it lives (https://doi.org/…), part
            # of the crate by reference (nothing is downloaded into the zip).
            entities.append(crate.add_dataset(used.see_also, properties=props))
            continue
        entities.append(crate.add(ContextEntity(crate, f"{record.url}#{used.key}", props)))
    prov_file = crate.add_file(
        io.StringIO(jsonld(record)),
        dest_path="provenance.jsonld",
        properties={
            "name": "PROV-O record (JSON-LD)",
            "encodingFormat": JSONLD_TYPE,
            "url": record.url,
        },
    )
    config = crate.add(
        ContextEntity(
            crate,
            f"{record.url}#configuration",
            properties={
                "@type": "PropertyValue",
                "name": "configuration",
                "value": json.dumps(record.configuration, sort_keys=True),
            },
        )
    )
    # The PROV file describes the run; it is not something the run produced, so it is no
    # `result` of the action (we do not know the run's outputs).
    action = crate.add_action(
        entities[0],
        identifier=f"{record.url}#activity",
        properties={"@type": "CreateAction", "name": record.title},
    )
    if record.notes:
        action["description"] = " ".join(record.notes)
    action["agent"] = agent
    action["object"] = [*entities[1:], config]
    prov_file["about"] = action
    if record.started_at:
        action["startTime"] = record.started_at.isoformat()
    if record.ended_at:
        action["endTime"] = record.ended_at.isoformat()
    return b"".join(crate.stream_zip())


def _time(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.dateTime)


def _now() -> datetime:
    return timezone.now()
