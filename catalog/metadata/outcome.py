"""Decide which metadata file a module's catalogue entry comes from, and say why."""

from __future__ import annotations

import dataclasses

from .legacy import migrate_v1
from .loading import MetadataDocument, load_document
from .normalise import normalise
from .problems import ERROR, WARNING, MetadataError, MetadataProblem
from .validation import V1, schema_problems, validate_document

PRIMARY_NAME = "ai4-metadata.yml"
LEGACY_NAME = "metadata.json"

# What both files can say, compared when both are present: (normalised key, v2 path, words).
_COMPARED = (
    ("title", "title", "title"),
    ("summary", "summary", "summary"),
    ("docker_image", "links.docker_image", "Docker image"),
    ("license", "license", "licence"),
)


@dataclasses.dataclass
class SourceFile:
    """A metadata file as fetched from a repository."""

    name: str
    text: str | bytes
    url: str = ""
    commit: str = ""


@dataclasses.dataclass
class MetadataOutcome:
    """The fields for the catalogue, where they came from, and what is wrong."""

    fields: dict | None
    raw: dict | None
    used_file: str | None
    schema_version: str | None
    problems: list[MetadataProblem]

    @property
    def ok(self) -> bool:
        """Fields exist and the file they came from has no errors (other files may)."""
        return self.fields is not None and not any(
            p.severity == ERROR and p.file == self.used_file for p in self.problems
        )


def build_metadata(primary: SourceFile | None, legacy: SourceFile | None) -> MetadataOutcome:
    """Build a module's metadata from ``ai4-metadata.yml`` (primary) and ``metadata.json``.

    The primary file wins whenever it parses, valid or not (schema errors are reported as
    errors, so the caller can keep the last good version); where the legacy file also says a
    title, summary, Docker image or licence, each disagreement becomes a warning, and a licence
    only the legacy file gives is used. When the primary file is missing or unreadable the
    legacy file is migrated to v2 and used, with the primary's error and a warning. With
    neither, ``fields`` is None and the problems explain why.
    """
    problems: list[MetadataProblem] = []
    primary_doc, primary_error = _read(primary)
    legacy_doc, legacy_error = _read(legacy)

    if primary is not None and primary_doc is not None:
        version, found = validate_document(primary_doc, filename=primary.name)
        problems += primary_doc.notes + found
        fields = _fields(primary_doc, version)
        if legacy is not None and legacy_doc is not None:
            problems += legacy_doc.notes
            legacy_fields = _legacy_fields(legacy_doc)
            if legacy_fields is not None:
                problems += _disagreements(fields, legacy_fields, primary, primary_doc, legacy)
                # v2 has no licence field, but most legacy files carry one: better than none.
                fields["license"] = fields["license"] or legacy_fields["license"]
        elif legacy_error is not None:
            # Not used, so it cannot make the module unusable; still worth fixing.
            problems.append(dataclasses.replace(legacy_error, severity=WARNING))
        return MetadataOutcome(fields, primary_doc, primary.name, version, problems)

    primary_name = primary.name if primary is not None else PRIMARY_NAME
    problems.append(primary_error or _missing(primary_name, legacy is not None))
    if legacy is not None and legacy_doc is not None:
        version, found = _validate_legacy(legacy_doc, legacy.name)
        problems += legacy_doc.notes + found
        fields = _legacy_fields(legacy_doc)
        if fields is None:
            problems.append(_problem(legacy.name, f"{legacy.name} could not be converted to v2."))
            return MetadataOutcome(None, None, None, None, problems)
        why = "is missing" if primary is None else "cannot be read"
        problems.append(
            _problem(
                legacy.name,
                f"Using the legacy {legacy.name} (converted to v2 by ai4-metadata) because "
                f"{primary_name} {why}; fix {primary_name} so it is used instead.",
                severity=WARNING,
            )
        )
        return MetadataOutcome(fields, legacy_doc, legacy.name, version, problems)
    if legacy_error is not None:
        problems.append(legacy_error)
    return MetadataOutcome(None, None, None, None, problems)


def _read(source: SourceFile | None) -> tuple[MetadataDocument | None, MetadataProblem | None]:
    if source is None:
        return None, None
    try:
        doc = load_document(source.text, filename=source.name)
    except MetadataError as exc:
        return None, exc.problem
    assert isinstance(doc, MetadataDocument)
    return doc, None


def _declares_v2(doc: dict) -> bool:
    # A metadata.json that declares a v2 version is a v2 document under the old file name.
    declared = doc.get("metadata_version")
    return isinstance(declared, str) and declared.startswith("2.")


def _validate_legacy(doc: dict, filename: str) -> tuple[str, list[MetadataProblem]]:
    if _declares_v2(doc):
        return validate_document(doc, filename=filename)
    return V1, schema_problems(doc, V1, filename=filename)


def _fields(doc: dict, version: str) -> dict:
    if version != V1:
        return normalise(doc)
    fields = normalise(migrate_v1(doc))
    # The migrated dict declares the latest v2; the file itself was v1.
    fields["metadata_version"] = V1
    return fields


def _legacy_fields(doc: dict) -> dict | None:
    try:
        return _fields(doc, "2" if _declares_v2(doc) else V1)
    except Exception:  # third-party migration fed with untrusted data: never crash a harvest
        return None


def _disagreements(
    fields: dict,
    legacy_fields: dict,
    primary: SourceFile,
    primary_doc: MetadataDocument,
    legacy: SourceFile,
) -> list[MetadataProblem]:
    problems = []
    for key, path, words in _COMPARED:
        ours, theirs = fields[key], legacy_fields[key]
        # Whitespace differences (posenet-tf's " ai4oshub/posenet-tf") are not disagreements,
        # and a value only one file gives is not one either.
        if ours and theirs and " ".join(ours.split()) != " ".join(theirs.split()):
            problems.append(
                MetadataProblem(
                    file=primary.name,
                    line=primary_doc.lines.get(tuple(path.split("."))),
                    field=path,
                    message=f"{legacy.name} says {_quote(theirs)}, {primary.name} says "
                    f"{_quote(ours)} for the {words}; using {primary.name}.",
                    severity=WARNING,
                )
            )
    return problems


def _missing(primary_name: str, has_legacy: bool) -> MetadataProblem:
    if has_legacy:
        return _problem(primary_name, f"{primary_name} is missing.")
    return _problem(
        primary_name,
        f"No metadata found: the repository has neither {primary_name} nor {LEGACY_NAME}.",
    )


def _problem(filename: str, message: str, severity: str = ERROR) -> MetadataProblem:
    return MetadataProblem(file=filename, line=None, field=None, message=message, severity=severity)


def _quote(value: str) -> str:
    return f'"{value}"' if len(value) <= 100 else f'"{value[:99]}…"'
