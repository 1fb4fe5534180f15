"""Module metadata: parse, validate, migrate and normalise ai4-metadata files.

Pure Python (no Django, no network), so the harvester, management commands and tests can use
it anywhere. The public surface is re-exported here; the submodules each do one job.
"""

from .legacy import migrate_v1
from .loading import MAX_DEPTH, MAX_DOCUMENT_BYTES, MetadataDocument, load_document
from .normalise import NORMALISED_FIELDS, normalise
from .outcome import MetadataOutcome, SourceFile, build_metadata
from .problems import MetadataError, MetadataProblem
from .validation import validate_document

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "NORMALISED_FIELDS",
    "MetadataDocument",
    "MetadataError",
    "MetadataOutcome",
    "MetadataProblem",
    "SourceFile",
    "build_metadata",
    "load_document",
    "migrate_v1",
    "normalise",
    "validate_document",
]
