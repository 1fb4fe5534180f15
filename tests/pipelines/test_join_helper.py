"""docker/join/join.py, the helper a join step's OSCAR service runs, executed as OSCAR's script
would run it (a subprocess with INPUT_FILE_PATH, TMP_OUTPUT_DIR and the service's variables and
secrets) against the loopback S3 server."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from deployments.sandbox import join_helper
from deployments.sandbox.s3 import SandboxS3

PARTS = {
    "resnet": {"model": "resnet", "label": "cat", "score": 0.9},
    "effnet": {"model": "effnet", "label": "dog", "score": 0.7},
    "vgg": {"model": "vgg", "label": "cat", "score": 0.5},
}
FILE = "img1.jpg.json"


@pytest.fixture
def join_bucket(s3_server: SandboxS3):
    """A fresh bucket laid out as a run's: parts under vote/in/<step>/, claims in vote/joined."""
    bucket = f"aixp-join-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    return bucket


def put_part(s3_server: SandboxS3, bucket: str, step: str, body: bytes) -> None:
    s3_server.client().put_object(Bucket=bucket, Key=f"vote/in/{step}/{FILE}", Body=body)


def run_join(s3_server, bucket, tmp_path: Path, *, aggregator="majority_vote", parts=PARTS):
    """One job of the join service: the trigger downloaded to INPUT_FILE_PATH, as OSCAR does."""
    job = tmp_path / uuid.uuid4().hex[:8]
    (job / "in").mkdir(parents=True)
    (job / "out").mkdir()
    trigger = job / "in" / FILE
    trigger.write_bytes(json.dumps(next(iter(parts.values()))).encode())
    provider = s3_server.provider
    env = {
        "PATH": "/usr/bin:/bin",
        "AIX_JOIN_INPUT_PATH": f"{bucket}/vote/in",
        "AIX_JOIN_CLAIMS": f"{bucket}/vote/joined",
        "AIX_S3_ENDPOINT": provider["endpoint"],
        "AIX_S3_ACCESS_KEY": provider["access_key"],
        "AIX_S3_SECRET_KEY": provider["secret_key"],
        "AIX_S3_REGION": provider["region"],
        "AIX_S3_VERIFY": "false",
    }
    done = subprocess.run(
        [sys.executable, str(join_helper.REPOSITORY_COPY), "--aggregator", aggregator]
        + ["--parts", ",".join(parts), "--trigger", str(trigger), "--output", str(job / "out")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    written = {p.name: json.loads(p.read_text()) for p in (job / "out").iterdir()}
    return done, written


def test_a_join_waits_for_the_missing_parts_and_writes_nothing(s3_server, join_bucket, tmp_path):
    put_part(s3_server, join_bucket, "resnet", json.dumps(PARTS["resnet"]).encode())

    done, written = run_join(s3_server, join_bucket, tmp_path)

    assert done.returncode == 0, done.stderr
    assert f"waiting for parts of {FILE}: effnet, vgg" in done.stdout
    assert written == {}


@pytest.mark.parametrize(
    ("aggregator", "expected"),
    [
        (
            "majority_vote",
            {"label": "cat", "votes": {"cat": 2, "dog": 1}, "agreement": 0.667, "parts": PARTS},
        ),
        ("mean", {"score": 0.7, "parts": PARTS}),
        ("concatenate", {"outputs": [PARTS["effnet"], PARTS["resnet"], PARTS["vgg"]]}),
    ],
)
def test_once_every_part_is_there_the_join_writes_the_aggregate(
    s3_server, join_bucket, tmp_path, aggregator, expected
):
    for step, part in PARTS.items():
        put_part(s3_server, join_bucket, step, json.dumps(part).encode())

    done, written = run_join(s3_server, join_bucket, tmp_path, aggregator=aggregator)

    assert done.returncode == 0, done.stderr
    assert f"joined {FILE} from resnet, effnet, vgg" in done.stdout
    assert written == {FILE: {"aggregation": aggregator, **expected}}


def test_a_second_trigger_of_a_joined_file_writes_no_duplicate(s3_server, join_bucket, tmp_path):
    for step, part in PARTS.items():
        put_part(s3_server, join_bucket, step, json.dumps(part).encode())

    first, first_written = run_join(s3_server, join_bucket, tmp_path)
    second, second_written = run_join(s3_server, join_bucket, tmp_path)

    assert first.returncode == 0 and list(first_written) == [FILE]
    assert second.returncode == 0, second.stderr
    assert "already joined by another job: nothing written" in second.stdout
    assert second_written == {}


def test_a_malformed_part_fails_the_job_naming_the_object(s3_server, join_bucket, tmp_path):
    put_part(s3_server, join_bucket, "resnet", json.dumps(PARTS["resnet"]).encode())
    put_part(s3_server, join_bucket, "effnet", b"{not json")
    put_part(s3_server, join_bucket, "vgg", json.dumps(PARTS["vgg"]).encode())

    done, written = run_join(s3_server, join_bucket, tmp_path)

    assert done.returncode == 2
    assert f"s3://{join_bucket}/vote/in/effnet/{FILE} is not valid JSON" in done.stderr
    assert written == {}
    # Nothing was claimed: once the part is fixed, its new trigger joins the file.
    put_part(s3_server, join_bucket, "effnet", json.dumps(PARTS["effnet"]).encode())
    fixed, fixed_written = run_join(s3_server, join_bucket, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed_written[FILE]["votes"] == {"cat": 2, "dog": 1}


def test_a_synchronous_call_aggregates_the_parts_it_is_given(tmp_path):
    trigger = tmp_path / "request"
    trigger.write_text(json.dumps({"parts": PARTS}))
    (tmp_path / "out").mkdir()

    done = subprocess.run(
        [sys.executable, str(join_helper.REPOSITORY_COPY), "--aggregator", "mean"]
        + ["--parts", "resnet,effnet,vgg", "--trigger", str(trigger)]
        + ["--output", str(tmp_path / "out")],
        env={"PATH": "/usr/bin:/bin"},  # no storage: the request carries the parts
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "out" / "request.json").read_text())["score"] == 0.7


def test_without_storage_secrets_the_join_says_which_are_missing(join_bucket, tmp_path):
    trigger = tmp_path / FILE
    trigger.write_text(json.dumps(PARTS["resnet"]))
    done = subprocess.run(
        [sys.executable, str(join_helper.REPOSITORY_COPY), "--aggregator", "mean"]
        + ["--parts", "resnet", "--trigger", str(trigger), "--output", str(tmp_path)],
        env={"AIX_JOIN_INPUT_PATH": f"{join_bucket}/vote/in", "AIX_JOIN_CLAIMS": "x/joined"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "AIX_S3_ENDPOINT, AIX_S3_ACCESS_KEY, AIX_S3_SECRET_KEY" in done.stderr
