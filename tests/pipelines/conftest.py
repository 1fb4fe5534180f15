"""Pipelines: a real S3 server (moto's server mode) and an OSCAR emulator playing its MinIO
storage provider, both on loopback, shared by the session and emptied before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from deployments.sandbox import OscarEmulator
from deployments.sandbox.s3 import SandboxS3
from tests.fixtures.deploy import OSCAR_PASSWORD, OSCAR_USER

JOB_TIMELINE = {"running": 0.1, "succeeded": 0.3}


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SandboxS3]:
    with SandboxS3() as server:
        yield server


@pytest.fixture(scope="session")
def _storage_oscar(s3_server: SandboxS3) -> Iterator[OscarEmulator]:
    with OscarEmulator(
        username=OSCAR_USER,
        password=OSCAR_PASSWORD,
        job_timeline=JOB_TIMELINE,
        storage=s3_server.provider,
        poll_interval=0.05,
    ) as emulator:
        yield emulator


def empty_buckets(s3_server: SandboxS3) -> None:
    s3 = s3_server.client()
    for bucket in s3.list_buckets().get("Buckets", []):
        name = bucket["Name"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=obj["Key"])
        s3.delete_bucket(Bucket=name)


@pytest.fixture
def storage_oscar(_storage_oscar: OscarEmulator, s3_server: SandboxS3) -> Iterator[OscarEmulator]:
    _storage_oscar.up()
    _storage_oscar.reset()
    empty_buckets(s3_server)
    yield _storage_oscar
    _storage_oscar.up()


@pytest.fixture
def pipeline_settings(settings, storage_oscar: OscarEmulator):
    settings.OSCAR_ENDPOINT = storage_oscar.base_url
    settings.OSCAR_USERNAME = OSCAR_USER
    settings.OSCAR_PASSWORD = OSCAR_PASSWORD
    settings.OSCAR_OIDC = ""
    settings.OSCAR_SSL_VERIFY = False
    settings.PIPELINES_POLL_SECONDS = 0.1
    settings.PIPELINES_RUN_TIMEOUT = 30
    return settings


def count_objects(s3_server: SandboxS3, bucket: str) -> dict[str, int]:
    """Objects per folder (everything before the file name) in a bucket."""
    counts: dict[str, int] = {}
    s3 = s3_server.client()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            folder = obj["Key"].rsplit("/", 1)[0]
            counts[folder] = counts.get(folder, 0) + 1
    return counts


# The API tests check bodies against the OpenAPI document the server publishes.
from tests.api.conftest import assert_conforms, openapi  # noqa: E402, F401
