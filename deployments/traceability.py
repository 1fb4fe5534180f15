"""What the deployment page shows about where a deployment came from: the catalog version
(number, commit, links to its history), the image digest or why it is unknown, and the
citation links and switch."""

from __future__ import annotations

from django.urls import reverse

from deployments import citation, datasets, panels
from deployments.models import Deployment, DigestSource, PublishedCitation
from deployments.versions import module_versions, needs_upgrade
from marketplace.auth.permissions import can_curate


def provenance_context(request, deployment: Deployment) -> dict:
    module = deployment.module
    revision_url = ""
    if module is not None and deployment.revision_number and can_curate(request.user, module):
        revision_url = reverse("curation:revision", args=[module.name, deployment.revision_number])
    commit_url = ""
    if module is not None and module.repository_url and deployment.source_commit:
        commit_url = f"{module.repository_url.rstrip('/')}/tree/{deployment.source_commit}"
    current = None
    newer = False
    upgrade_url = ""
    if module is not None and deployment.revision_number is not None:
        # The version that counts is the newest that changed what runs (commit, image);
        # a later description edit is not a new version of this deployment.
        versions = module_versions(module)
        current = versions.runnable
        newer = needs_upgrade(deployment.revision_number, versions)
        if newer and deployment.is_running:
            upgrade_url = panels.upgrade_url(deployment, module)
    return {
        "current_number": current,
        "newer_version": newer,
        "upgrade_url": upgrade_url,
        "revision_number": deployment.revision_number,
        "source_commit": deployment.source_commit,
        "commit_url": commit_url,
        "history_url": citation.history_url(module.name) if module else "",
        "revision_url": revision_url,
        "digest": deployment.image_digest,
        "digest_pinned": deployment.image_digest_source == DigestSource.REGISTRY,
        "digest_source": deployment.get_image_digest_source_display(),
        "citation_url": reverse("deployments:citation", args=[deployment.pk]),
        "crate_url": reverse("deployments:ro-crate", args=[deployment.pk]),
        "publish_url": reverse("deployments:publish", args=[deployment.pk]),
        "published_at": citation.published_at(PublishedCitation.Kind.DEPLOYMENT, deployment.pk),
        "datasets": [
            {
                "doi": d["doi"],
                "url": datasets.landing_url(d["doi"]),
                "checksum": datasets.checksum_text(d),
            }
            for d in datasets.cited_datasets(deployment)
        ],
    }
