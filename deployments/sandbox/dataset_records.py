"""A loopback stand-in for Zenodo's record API: the datasets a sandbox deployment can cite.

It serves Zenodo's shapes for what the platform reads (deployments/services/datasets.py):
``GET /api/records/<id>`` answers the record JSON (``id``, ``doi``, ``metadata.title``,
``files[]`` with ``key``, ``size``, ``checksum`` as ``md5:<hex>`` and ``links.self``), and
``GET /api/records/<id>/files/<key>/content`` the file's bytes, whose md5 is the checksum the
record states. An unknown record is Zenodo's 404 JSON. Point ``DATASET_RECORDS_API`` at
``<base_url>/api/records``.

Everything here is labelled SANDBOX: the one built-in record is a few lines of made-up CSV
under a DOI-shaped identifier no real Zenodo record has (``10.5281/zenodo.<SANDBOX_RECORD_ID>``
is resolved by this server only, never by doi.org). Standard library only, 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from deployments.sandbox.httpserver import LoopbackServer, Request, Response

SANDBOX_RECORD_ID = 900000001
SANDBOX_DOI = f"10.5281/zenodo.{SANDBOX_RECORD_ID}"
SANDBOX_FILES = {
    "iris-sample.csv": (
        b"sepal_length,sepal_width,petal_length,petal_width,species\n"
        b"5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,virginica\n"
    ),
    "README.txt": b"SANDBOX dataset from AI Exchange's loopback record server; not real data.\n",
}
_RECORD = re.compile(r"/api/records/(\d+)")
_CONTENT = re.compile(r"/api/records/(\d+)/files/([^/]+)/content")


class DatasetRecordServer(LoopbackServer):
    """Zenodo-like records on loopback: ``records`` maps a record id to ``{title, files}``
    (file name → bytes); by default the one sandbox record."""

    def __init__(
        self, port: int = 0, records: Mapping[int, Mapping[str, Any]] | None = None
    ) -> None:
        super().__init__(port)
        default = {SANDBOX_RECORD_ID: {"title": "SANDBOX sample dataset", "files": SANDBOX_FILES}}
        self.records = {int(k): dict(v) for k, v in (records or default).items()}

    def handle(self, request: Request) -> Response:
        if request.method != "GET":
            return Response.json(405, {"status": 405, "message": "Method not allowed."})
        match = _CONTENT.fullmatch(request.path)
        if match:
            files = self._files(int(match.group(1)))
            if files is None or match.group(2) not in files:
                return _not_found()
            return Response(200, files[match.group(2)], {"Content-Type": "text/plain"})
        match = _RECORD.fullmatch(request.path.rstrip("/"))
        if match and int(match.group(1)) in self.records:
            return Response.json(200, self._record(int(match.group(1))))
        return _not_found()

    def _files(self, record_id: int) -> dict[str, bytes] | None:
        record = self.records.get(record_id)
        return dict(record["files"]) if record else None

    def _record(self, record_id: int) -> dict[str, Any]:
        record = self.records[record_id]
        base = f"{self.base_url}/api/records/{record_id}"
        return {
            "id": record_id,
            "doi": f"10.5281/zenodo.{record_id}",
            "metadata": {"title": record["title"], "resource_type": {"type": "dataset"}},
            "files": [
                {
                    "key": name,
                    "size": len(content),
                    "checksum": "md5:" + hashlib.md5(content, usedforsecurity=False).hexdigest(),
                    "links": {"self": f"{base}/files/{name}/content"},
                }
                for name, content in record["files"].items()
            ],
            "links": {"self": base},
        }


def _not_found() -> Response:
    return Response.json(404, {"status": 404, "message": "PID does not exist."})
