"""Read queries shared by pages, the API, OAI-PMH and JSON-LD exporters."""

from django.db.models import QuerySet

from catalog.models import FieldProvenance, Module, ModuleRevision, SourceRecord


def published_modules() -> QuerySet[Module]:
    """Modules and tools visible to the public: active and not hidden by a curator."""
    return Module.objects.filter(status=Module.Status.ACTIVE, is_hidden=False)


def module_for_page(name: str) -> Module | None:
    """A module by name whatever its status (pages answer 410 for withdrawn, 404 for hidden)."""
    return Module.objects.select_related("last_harvest_run").filter(name=name).first()


def module_provenance(module: Module) -> list[FieldProvenance]:
    """Where each field's value came from, in one query."""
    return list(module.provenance.select_related("curator", "harvest_run"))


def module_revisions(module: Module, *, limit: int = 20) -> list[ModuleRevision]:
    """The newest published versions of a module, newest first."""
    return list(
        module.revisions.select_related("author", "harvest_run").order_by("-number")[:limit]
    )


def module_source_records(module: Module) -> list[SourceRecord]:
    """The records of other sources that publish this entry (still listed), in one query;
    none for the usual AI4OS module that no other source publishes (``Module.sources``)."""
    if not module.sources and module.origin == "ai4os":
        return []
    return list(module.source_records.filter(listed=True).order_by("kind", "record_id"))
