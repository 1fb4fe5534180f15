"""Datasets a deployment names by DOI or URL (PAPI's `storage.datasets`: `[{doi, force_pull}]`).

The deploy form (one per line) and PAPI's API (a list of objects) both end here: each entry is
a DOI (`10.NNNN/…`, also written `doi:10.…` or `https://doi.org/10.…`) or an https URL; anything
else is refused with a message saying which entry and why. The Nomad job fetches each one in a
prestart task (deployments/backends/nomad_job.py); once the job ran past its prestart tasks the
platform reads the dataset's record (a Zenodo-style `GET <api>/records/<id>` with files and
checksums) so the provenance names what was fetched. Until then a dataset's checksum is
"not yet fetched", never a guess. Pure Python apart from settings: no Django models here.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_PREFIXES = ("doi:", "https://doi.org/", "http://doi.org/", "https://dx.doi.org/")
# A Zenodo DOI or record URL names a record whose API answers with files and checksums.
_ZENODO_DOI_RE = re.compile(r"^10\.5281/zenodo\.(\d+)$", re.IGNORECASE)
_RECORD_PATH_RE = re.compile(r"^/(?:api/)?records?/(\d+)/?$")
MAX_DATASETS = 10
MAX_LENGTH = 500
NOT_YET_FETCHED = "not yet fetched"
NOT_PUBLISHED = "not published by the dataset's source"
# A federated run's partner sites train on their own data and may name it (aix-fl-client
# --dataset): its identifier reaches the record, the data and its files never leave the site.
PARTNER_SITE = "named by a partner site that trains on it; fetched there, not by this job"
MAX_PARTNER_DATASETS = 50  # per run: what clients report cannot grow a record without bound


class DatasetError(ValueError):
    """A refused dataset entry; the message says which one and why."""


def normalise_identifier(raw: Any) -> str:
    """A DOI (without prefix) or an https URL; raises DatasetError for anything else."""
    if not isinstance(raw, str) or not raw.strip():
        raise DatasetError("give a DOI (10.NNNN/…) or an https URL")
    text = raw.strip()
    if len(text) > MAX_LENGTH:
        raise DatasetError(f"at most {MAX_LENGTH} characters")
    for prefix in DOI_PREFIXES:
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    if DOI_RE.match(text):
        return text
    parts = urlsplit(text)
    if parts.scheme == "https" and parts.hostname and " " not in text:
        return text
    raise DatasetError(f"“{raw.strip()[:80]}” is neither a DOI (10.NNNN/…) nor an https URL")


def parse_datasets(value: Any) -> list[dict[str, Any]]:
    """`[{doi, force_pull}]` from PAPI's list of objects or the form's lines (a trailing
    ` force_pull` on a line asks for a fresh download). Raises DatasetError naming the entry."""
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        entries: list[Any] = []
        for line in value.splitlines():
            words = line.split()
            if not words:
                continue
            force = len(words) > 1 and words[-1].lower() == "force_pull"
            entries.append({"doi": " ".join(words[:-1] if force else words), "force_pull": force})
    elif isinstance(value, list):
        entries = value
    else:
        raise DatasetError("give a list of {doi, force_pull} objects")
    if len(entries) > MAX_DATASETS:
        raise DatasetError(f"at most {MAX_DATASETS} datasets")
    datasets: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or set(entry) - {"doi", "force_pull"}:
            raise DatasetError(f"dataset {number}: give an object with `doi` and `force_pull`")
        force = entry.get("force_pull", False)
        if not isinstance(force, bool):
            raise DatasetError(f"dataset {number}: `force_pull` must be true or false")
        try:
            identifier = normalise_identifier(entry.get("doi"))
        except DatasetError as exc:
            raise DatasetError(f"dataset {number}: {exc}") from exc
        if any(d["doi"] == identifier for d in datasets):
            raise DatasetError(f"dataset {number}: {identifier} is named twice")
        datasets.append({"doi": identifier, "force_pull": force})
    return datasets


def is_doi(identifier: str) -> bool:
    return bool(DOI_RE.match(identifier))


def landing_url(identifier: str) -> str:
    """Where a reader follows the dataset: https://doi.org/<doi>, or the URL itself."""
    return f"https://doi.org/{identifier}" if is_doi(identifier) else identifier


def record_api_url(identifier: str) -> str:
    """The Zenodo-style record API for this dataset, or "" when its source has none we know
    (then the record says the checksum is not published). DATASET_RECORDS_API is Zenodo's
    (`https://zenodo.org/api/records/`); the sandbox points it at its loopback record."""
    base = settings.DATASET_RECORDS_API.rstrip("/")
    match = _ZENODO_DOI_RE.match(identifier)
    if match:
        return f"{base}/{match.group(1)}"
    parts = urlsplit(identifier)
    api = urlsplit(base)
    record = _RECORD_PATH_RE.match(parts.path)
    if record and parts.hostname and parts.hostname == api.hostname:
        return f"{base}/{record.group(1)}"
    return ""


def files_of_record(record: Any) -> list[dict[str, Any]]:
    """`[{key, checksum, size}]` from a Zenodo record JSON (`files[]` with `key`, `checksum`
    such as `md5:…`, `size`); raises ValueError when the JSON is not such a record."""
    if not isinstance(record, dict) or not isinstance(record.get("files"), list):
        raise ValueError("the record has no `files` list")
    files = []
    for item in record["files"]:
        if not isinstance(item, dict) or not isinstance(item.get("checksum"), str):
            raise ValueError("a file of the record has no checksum")
        files.append(
            {
                "key": str(item.get("key") or item.get("filename") or ""),
                "checksum": item["checksum"],
                "size": item.get("size") if isinstance(item.get("size"), int) else None,
            }
        )
    return files


def checksum_text(dataset: dict[str, Any]) -> str:
    """The dataset's checksum(s) as a record states them, or why there is none yet."""
    if "files" not in dataset:
        return dataset.get("problem") or NOT_YET_FETCHED
    checksums = [f"{f['key']} {f['checksum']}".strip() for f in dataset["files"]]
    return "; ".join(checksums) or NOT_PUBLISHED


def partner_named(reported: Any) -> list[str]:
    """The datasets partner sites of a federated run said they train on: from what their
    clients reported (untrusted), each valid DOI or https URL once, sorted, at most
    MAX_PARTNER_DATASETS; anything else is left out."""
    if not isinstance(reported, list | tuple):
        return []
    named: set[str] = set()
    for raw in reported:
        try:
            named.add(normalise_identifier(raw))
        except DatasetError:
            continue
        if len(named) >= MAX_PARTNER_DATASETS:
            break
    return sorted(named)


def cited_datasets(deployment: Any) -> list[dict[str, Any]]:
    """Every dataset a deployment's record names: those its job fetched (config `datasets`,
    with their checksums) and, for a federated run, those its partner sites named (kept with
    the progress its server reported, Deployment.reported_progress)."""
    fetched = list((deployment.config or {}).get("datasets") or [])
    known = {dataset["doi"] for dataset in fetched}
    reported = (deployment.reported_progress or {}).get("partner_datasets")
    partners = [
        {"doi": identifier, "problem": PARTNER_SITE, "partner_site": True}
        for identifier in partner_named(reported)
        if identifier not in known
    ]
    return fetched + partners
