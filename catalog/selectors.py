"""Read queries shared by pages, the API, OAI-PMH and JSON-LD exporters."""

from django.db.models import QuerySet
from django.db.models.functions import Lower

from catalog.models import FieldProvenance, Module, ModuleRevision, SourceRecord


def published_modules() -> QuerySet[Module]:
    """Modules and tools visible to the public: active and not hidden by a curator."""
    return Module.objects.filter(status=Module.Status.ACTIVE, is_hidden=False)


def with_name_lower(queryset: QuerySet[Module]) -> QuerySet[Module]:
    """``queryset`` that can filter on ``name_lower``, the form the unique index holds."""
    return queryset.alias(name_lower=Lower("name"))


def named(queryset: QuerySet[Module], name: str) -> QuerySet[Module]:
    """The rows of ``queryset`` called ``name`` in any case: at most one, as names are unique
    in any case. Every lookup of a name from a URL or a parameter goes through here, so
    ``deep-oc-mods`` finds ``DEEP-OC-mods``; the caller compares ``module.name`` with what it
    was given to redirect pages to the canonical spelling. Uses the unique index on
    ``Lower("name")``."""
    if not name or "\x00" in name:  # PostgreSQL refuses NUL in text; no name contains one
        return queryset.none()
    return with_name_lower(queryset).filter(name_lower=name.lower())


def module_named(name: str, queryset: QuerySet[Module] | None = None) -> Module | None:
    """The module called ``name`` in any case (whatever its status unless ``queryset`` says)."""
    return named(Module.objects.all() if queryset is None else queryset, name).first()


def module_for_page(name: str) -> Module | None:
    """A module by name whatever its status (pages answer 410 for withdrawn, 404 for hidden)."""
    return module_named(name, Module.objects.select_related("last_harvest_run"))


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
