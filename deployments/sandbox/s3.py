"""A real S3-compatible server on loopback for the sandbox and the tests: moto's server mode.

OSCAR's storage provider is MinIO; any S3 API will do for its buckets, so the sandbox runs
moto's `ThreadedMotoServer` (a Werkzeug server speaking the S3 REST protocol) bound to
127.0.0.1, and every client (boto3 inside oscar-python, our pipeline code, the OSCAR emulator)
talks to it over HTTP exactly as it would to MinIO. Objects live in the server's memory and
are gone when it stops.
"""

from __future__ import annotations

import logging
from typing import Any

ACCESS_KEY = "sandbox"
SECRET_KEY = "sandbox-minio-secret"  # noqa: S105 - loopback sandbox credential, documented
REGION = "us-east-1"


def provider(endpoint: str) -> dict[str, Any]:
    """An OSCAR `minio_provider` block (pkg/types/storage.go MinIOProvider) for `endpoint`."""
    return {
        "endpoint": endpoint,
        "verify": False,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region": REGION,
    }


def client(minio_provider: dict[str, Any]):
    """A boto3 S3 client for an OSCAR MinIO provider block (path-style, as OSCAR's)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=minio_provider["endpoint"],
        region_name=minio_provider.get("region") or REGION,
        verify=bool(minio_provider.get("verify")),
        aws_access_key_id=minio_provider["access_key"],
        aws_secret_access_key=minio_provider["secret_key"],
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
    )


class SandboxS3:
    """moto's S3 server on 127.0.0.1:`port` (0 = any free port)."""

    def __init__(self, port: int = 0) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.endpoint = ""

    def start(self) -> SandboxS3:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> SandboxS3:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def provider(self) -> dict[str, Any]:
        return provider(self.endpoint)

    def client(self):
        return client(self.provider)
