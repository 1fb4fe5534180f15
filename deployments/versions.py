"""Which catalog version of a module is a new version *to run*.

Every published change makes a catalog revision, but only some change what a deployment
runs: new code (the commit moved) or a new image (image, tags, digest). A curator's edit of
the description, tags or links is a revision too, and must not make every deployment look
out of date nor offer an Upgrade to the same commit and image. The "runnable" version is the
newest revision that changed what runs; deployments at or after it are current."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import ModuleRevision

# Fields whose change means a different thing runs.
RUN_FIELDS = frozenset(
    {"docker_image", "docker_tags", "docker_tag", "image_digest", "source_commit"}
)


@dataclass(frozen=True)
class ModuleVersions:
    runnable: int | None  # newest revision that changed what runs
    latest: int | None  # newest revision of any kind (a later one only edited the description)


def changes_what_runs(revision: dict) -> bool:
    """A revision (as a dict of from_commit, to_commit, changes) that changed the commit or
    the image, rather than only the description."""
    if (
        revision["from_commit"]
        and revision["to_commit"]
        and (revision["from_commit"] != revision["to_commit"])
    ):
        return True
    return any(
        isinstance(change, dict) and change.get("field") in RUN_FIELDS
        for change in revision["changes"] or []
    )


def module_versions(module) -> ModuleVersions:
    """One query over the module's revisions (a module has tens, not thousands)."""
    revisions = list(
        ModuleRevision.objects.filter(module=module)
        .order_by("number")
        .values("number", "from_commit", "to_commit", "changes")
    )
    if not revisions:
        return ModuleVersions(runnable=None, latest=None)
    runnable = revisions[0]["number"]  # the first version is what the first deployment ran
    for revision in revisions[1:]:
        if changes_what_runs(revision):
            runnable = revision["number"]
    return ModuleVersions(runnable=runnable, latest=revisions[-1]["number"])


def needs_upgrade(deployment_revision: int | None, versions: ModuleVersions) -> bool:
    return bool(
        deployment_revision is not None
        and versions.runnable
        and deployment_revision < versions.runnable
    )
