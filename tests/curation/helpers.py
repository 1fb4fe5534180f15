"""Modules for curation tests, made the way a harvest makes them: through publish_upstream."""

from __future__ import annotations

import copy

from catalog.models import CURATABLE_FIELDS, Module
from catalog.services.publish import ProvenanceSource, publish_upstream

CATALOG = "ai4os-hub/modules-catalog"

# Normalised upstream values (catalog.metadata.normalise keys) of a valid v2 document.
UPSTREAM = {
    "title": "Plankton classifier",
    "summary": "Classify phytoplankton images",
    "description": "A convolutional network for plankton.\n\nTrained on open data.",
    "tags": ["deep learning", "plankton"],
    "tasks": ["Computer Vision", "Classification"],
    "categories": ["AI4 trainable", "AI4 inference"],
    "libraries": ["TensorFlow"],
    "data_types": ["Image"],
    "license": "MIT",
    "links": {
        "source_code": "https://github.com/ai4os-hub/plankton",
        "docker_image": "ai4oshub/plankton",
    },
    "doi": "",
    "created": "2023-05-04",
    "updated": "2024-08-12",
    "resources": {},
    "docker_image": "ai4oshub/plankton",
    "metadata_version": "2.0.0",
}


def upstream(**changes) -> dict:
    values = copy.deepcopy(UPSTREAM)
    values.update(changes)
    return values


def harvest(name: str = "plankton", *, commit: str = "c1", catalog: str = CATALOG, **changes):
    """Publish upstream values for `name` as a harvest does; returns the module."""
    module = Module.objects.filter(name=name).first() or Module(
        name=name,
        catalog=catalog,
        repository=f"ai4os-hub/{name}",
        repository_url=f"https://github.com/ai4os-hub/{name}",
    )
    url = f"https://github.com/ai4os-hub/{name}/blob/{commit}/ai4-metadata.yml"
    source = ProvenanceSource(kind="github_file", url=url, commit=commit)
    publish_upstream(
        module=module,
        upstream=upstream(**changes),
        sources=dict.fromkeys(CURATABLE_FIELDS, source),
        to_commit=commit,
        extra={"source_commit": commit, "metadata_url": url},
    )
    module.refresh_from_db()
    return module
