"""The OSCAR emulator's MinIO storage provider, driven by the real oscar-python client and a
real S3 server: an object written to a service's input path starts a job whose output lands
in its output path, which can be another service's input path (OSCAR's service chaining)."""

from __future__ import annotations

import json
import time

import pytest
from oscar_python.client import Client

from deployments.sandbox import OscarEmulator
from deployments.sandbox.s3 import SandboxS3


@pytest.fixture
def stack(tmp_path):
    with (
        SandboxS3() as s3,
        OscarEmulator(
            password="pw",  # noqa: S106 - loopback emulator
            job_timeline={"running": 0.05, "succeeded": 0.1},
            storage=s3.provider,
            poll_interval=0.05,
        ) as oscar,
    ):
        client = Client(
            {
                "cluster_id": "c",
                "endpoint": oscar.base_url,
                "user": "oscar",
                "password": "pw",
                "ssl": False,
            }
        )
        yield s3, oscar, client


def _service(name: str, source: str, target: str, model: str) -> dict:
    return {
        "name": name,
        "image": "ai4oshub/x",
        "script": "#!/bin/sh\n",
        "environment": {"variables": {"AIX_MODULE": model, "AIX_SANDBOX_FUNCTION": "predict"}},
        "input": [{"storage_provider": "minio.default", "path": source}],
        "output": [{"storage_provider": "minio.default", "path": target}],
    }


def _wait(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_file_in_one_services_output_triggers_the_next(stack, tmp_path):
    s3, oscar, client = stack
    client.create_service(_service("first", "chain/first/in", "chain/second/in", "m1"))
    client.create_service(_service("second", "chain/second/in", "chain/out", "m2"))
    config = client.get_cluster_config().json()
    assert config["minio_provider"]["endpoint"] == s3.endpoint
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"a photo")
    client.create_storage_client("first").upload_file("minio.default", str(photo), "chain/first/in")

    boto = s3.client()
    _wait(lambda: boto.list_objects_v2(Bucket="chain", Prefix="out/").get("KeyCount", 0) == 1)
    out = json.loads(boto.get_object(Bucket="chain", Key="out/photo.jpg.json")["Body"].read())
    assert out["model"] == "m2" and out["sandbox"] is True
    jobs = client.list_jobs("second").json()["jobs"]
    assert [j["status"] for j in jobs.values()] == ["Succeeded"]
    logs = client.get_job_logs("second", next(iter(jobs))).text
    assert "triggered by s3://chain/second/in/photo.jpg.json" in logs
    assert "wrote s3://chain/out/photo.jpg.json" in logs
    # One object, one job: nothing is triggered twice.
    time.sleep(0.3)
    assert len(client.list_jobs("first").json()["jobs"]) == 1


def test_creating_a_service_creates_its_buckets(stack):
    s3, oscar, client = stack
    client.create_service(_service("svc", "in-bucket/x", "out-bucket/y", "m"))
    names = {b["Name"] for b in s3.client().list_buckets()["Buckets"]}
    assert {"in-bucket", "out-bucket"} <= names
