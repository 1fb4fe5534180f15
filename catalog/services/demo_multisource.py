"""The offline demo's external-source entries (``catalog/demo/multisource/*.json``: a few real
public Hugging Face, BioImage.io and AIoD records; attribution in the README beside them), read by
the same source code as a harvest, through a client that answers from the snapshot instead of the
network, and stored by ``store_records`` — so the demo shows the same mapping, validation
reports, de-duplication and provenance as a real harvest. Idempotent: a second load finds every
record at its stored revision and writes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from collections.abc import Mapping
from urllib.parse import urlencode

from django.utils import timezone

from catalog.models import SourceRecord
from catalog.sources import aiod, bioimageio, huggingface
from catalog.sources.http import Fetched, NotFound

from .multisource import refresh_sources, store_records

SNAPSHOT_DIR = pathlib.Path(__file__).resolve().parent.parent / "demo" / "multisource"
HF_ENDPOINT = "https://huggingface.co"
AIOD_API = "https://api.aiod.eu/v2"
BIOIMAGEIO_COLLECTION = "https://uk1s3.embl.ac.uk/public-datasets/bioimage.io/collection.json"


class SnapshotClient:
    """Answers ``get(url)`` from a dict of bodies, like HttpClient answers from the network."""

    def __init__(self, bodies: Mapping[str, bytes]) -> None:
        self.bodies = dict(bodies)

    def get(self, url: str, *, service: str, **_options) -> Fetched:
        if url not in self.bodies:
            raise NotFound(f"{url} is not in the demo snapshot", url=url, status=404)
        now = timezone.now()
        return Fetched(url, self.bodies[url], "", now, now, False, False)


@dataclasses.dataclass
class MultisourceDemoResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0


def load_multisource_snapshot(directory: pathlib.Path = SNAPSHOT_DIR) -> MultisourceDemoResult:
    records = []
    known = {
        (kind, record_id): revision
        for kind, record_id, revision in SourceRecord.objects.values_list(
            "kind", "record_id", "revision"
        )
    }

    def known_for(kind: str) -> dict[str, str]:
        return {rid: rev for (k, rid), rev in known.items() if k == kind}

    hf = _read(directory, "huggingface")
    readmes = {
        f"{HF_ENDPOINT}/{m['id']}/raw/{m['sha']}/README.md": m["readme"].encode()
        for m in hf["models"]
    }
    hf_source = huggingface.HuggingFaceSource(
        SnapshotClient(readmes), endpoint=HF_ENDPOINT, token=""
    )
    hf_known = known_for("huggingface")
    for item in hf["models"]:
        info, _ = huggingface._model_info({k: v for k, v in item.items() if k != "readme"})
        if info is not None:
            records.append(hf_source.record(info, hf_known.get(info.id, "")))

    bio = _read(directory, "bioimageio")
    bodies = {BIOIMAGEIO_COLLECTION: json.dumps(bio["collection"]).encode()}
    bodies |= {url: text.encode() for url, text in bio["rdfs"].items()}
    bio_source = bioimageio.BioImageIOSource(
        SnapshotClient(bodies), collection_url=BIOIMAGEIO_COLLECTION
    )
    records += bio_source.listing({}, known=known_for("bioimageio")).records

    ai = _read(directory, "aiod")
    page = f"{AIOD_API}/ml_models?{urlencode({'offset': 0, 'limit': aiod.PAGE_SIZE})}"
    ai_source = aiod.AIoDSource(
        SnapshotClient({page: json.dumps(ai["ml_models"]).encode()}), api_url=AIOD_API
    )
    records += ai_source.listing({}, known=known_for("aiod")).records

    stored = store_records(records)
    refresh_sources(stored.touched)
    counts = stored.results
    return MultisourceDemoResult(
        new=counts["new"],
        updated=counts["updated"] + counts["joined"],
        unchanged=counts["unchanged"],
        failed=counts["failed"],
    )


def _read(directory: pathlib.Path, name: str) -> dict:
    return json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
