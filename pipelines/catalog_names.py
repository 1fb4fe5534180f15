"""The catalog name and page of a pipeline's entry (kind "pipeline"), shared by the pages,
the JSON-LD and the publisher (pipelines.catalog_entry)."""

from catalog.fair.links import landing_url

# Catalog names are shared by every kind; the prefix keeps a pipeline from taking (or being
# taken by) a harvested module's name.
ENTRY_PREFIX = "pipeline-"


def entry_name(pipeline_name: str) -> str:
    return f"{ENTRY_PREFIX}{pipeline_name}"[:200]


def entry_url(pipeline_name: str) -> str:
    return landing_url(entry_name(pipeline_name))
