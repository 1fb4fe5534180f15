"""A two-model + vote pipeline runs on OSCAR (emulated) through oscar-python and a real S3
server: each step is a service, outputs chain through buckets, nothing is lost or duplicated."""

import pytest

from pipelines.models import PipelineRun, StepRun
from pipelines.services import pipeline_save, run_create, run_execute
from tests.deploy.factories import DeployerFactory
from tests.pipelines.conftest import count_objects
from tests.pipelines.factories import VOTE_YAML, classifier

pytestmark = pytest.mark.django_db


def _vote_pipeline(user):
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    from pipelines.definition import load_text

    return pipeline_save(
        user=user, document=load_text(VOTE_YAML.format(a=a.name, b=b.name)), title="Two-model vote"
    )


def test_async_run_chains_services_through_buckets_and_votes(
    pipeline_settings, s3_server, storage_oscar
):
    user = DeployerFactory()
    version = _vote_pipeline(user)
    files = [(f"img{i}.jpg", f"image bytes {i}".encode()) for i in range(5)]
    run = run_create(user=user, version=version, files=files)
    run = run_execute(run.pk)

    assert run.state == PipelineRun.State.SUCCEEDED, run.error
    steps = list(run.steps.all())
    assert [s.step_id for s in steps] == ["resnet", "effnet", "vote"]
    assert all(s.state == StepRun.State.SUCCEEDED for s in steps)
    assert [len(s.jobs) for s in steps] == [5, 5, 10]
    assert "[sandbox] triggered by" in steps[0].jobs[0]["logs"]
    final = run.result["final"]
    assert sorted(final) == [f"img{i}.jpg.json" for i in range(5)]
    for output in final.values():
        assert output["aggregation"] == "majority_vote"
        assert output["label"] in output["votes"]
        assert set(output["parts"]) == {"resnet", "effnet"}
    assert run.object_counts["lost"] == 0
    assert run.object_counts["duplicated"] == 0
    # Counted independently, straight from the bucket.
    assert count_objects(s3_server, run.bucket) == {
        "resnet/in": 5,
        "effnet/in": 5,
        "vote/in/resnet": 5,
        "vote/in/effnet": 5,
        "result": 5,
    }
    # Services are removed when the run ends; results stay in the bucket.
    assert storage_oscar.services == {}


def test_sync_try_it_calls_each_step_in_turn(pipeline_settings, storage_oscar):
    user = DeployerFactory()
    version = _vote_pipeline(user)
    run = run_create(user=user, version=version, files=[("cat.jpg", b"cat")], mode="sync")
    run = run_execute(run.pk)
    assert run.state == PipelineRun.State.SUCCEEDED, run.error
    out = run.result["final"]["cat.jpg"]
    assert out["aggregation"] == "majority_vote"
    assert set(out["parts"]) == {"resnet", "effnet"}
