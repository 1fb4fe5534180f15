"""Legacy v1 ``metadata.json`` -> v2, through ai4-metadata's own migration."""

from __future__ import annotations

import json
import pathlib
import tempfile
import warnings

from ai4_metadata import migrate as ai4_migrate


def migrate_v1(doc: dict) -> dict:
    """Convert a v1 document to a v2 dict with ``ai4_metadata.migrate.migrate``.

    That function only reads files, so the (already safely parsed) document is written to a
    temporary file as strict JSON first. Two adjustments afterwards, both because v1 lacks the
    information: the ``dates.updated`` ai4-metadata stamps with *today* is dropped (harvests
    must be reproducible, and it is not the module's date), and the v1 ``license``, which v2
    has no field for, is kept under ``license``.
    """
    with tempfile.TemporaryDirectory(prefix="v1-metadata-") as tmp:
        path = pathlib.Path(tmp) / "metadata.json"
        # ASCII-only JSON: ai4-metadata opens the file with the locale's default encoding.
        path.write_text(json.dumps(_shape_for_migration(doc)), encoding="ascii")
        with warnings.catch_warnings():
            # ai4-metadata's loader never closes the file; CPython closes it on return, with
            # a ResourceWarning that is noise for us.
            warnings.simplefilter("ignore", ResourceWarning)
            migrated = ai4_migrate.migrate(path)
    migrated = json.loads(json.dumps(migrated))  # plain dicts rather than an OrderedDict

    created = migrated.get("dates", {}).get("created")
    if created:
        migrated["dates"] = {"created": created}
    else:
        migrated.pop("dates", None)
    if isinstance(doc.get("license"), str):
        migrated["license"] = doc["license"]
    return migrated


def _shape_for_migration(doc: dict) -> dict:
    """Give the fields ai4-metadata's migration reads the types it assumes.

    It calls ``" ".join(description)``, ``sources.get(...)`` and ``keyword.lower()`` without
    checks, so a v1 file with a text description or a number among its keywords would crash
    it (or, for the description, join its letters with spaces). Nothing is renamed here; the
    mapping stays ai4-metadata's.
    """
    shaped = dict(doc)
    description = doc.get("description", [])
    if isinstance(description, str):
        description = [description]
    if not isinstance(description, list):
        description = []
    shaped["description"] = [str(line) for line in description if line is not None]
    if not isinstance(doc.get("sources", {}), dict):
        shaped["sources"] = {}
    keywords = doc.get("keywords", [])
    shaped["keywords"] = [str(k) for k in keywords] if isinstance(keywords, list) else []
    return shaped
