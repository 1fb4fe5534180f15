"""A two-model + vote pipeline runs on OSCAR (emulated) through oscar-python and a real S3
server: each step is a service, outputs chain through buckets, nothing is lost or duplicated."""

import pytest

from pipelines.models import PipelineRun, StepRun
from pipelines.services import pipeline_save, run_create, run_execute
from tests.factories import DeployerFactory
from tests.pipelines.conftest import count_objects
from tests.pipelines.factories import JPEG, VOTE_YAML, classifier

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
    files = [(f"img{i}.jpg", JPEG + f"image bytes {i}".encode()) for i in range(5)]
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
        "vote/joined": 5,  # join.py's claims (docker/join/join.py): each file joined once
        "result": 5,
    }
    # Services are removed when the run ends; results stay in the bucket.
    assert storage_oscar.services == {}


def test_sync_try_it_calls_each_step_in_turn(pipeline_settings, storage_oscar):
    user = DeployerFactory()
    version = _vote_pipeline(user)
    run = run_create(user=user, version=version, files=[("cat.jpg", JPEG + b"cat")], mode="sync")
    run = run_execute(run.pk)
    assert run.state == PipelineRun.State.SUCCEEDED, run.error
    out = run.result["final"]["cat.jpg"]
    assert out["aggregation"] == "majority_vote"
    assert set(out["parts"]) == {"resnet", "effnet"}


def test_a_failing_job_fails_its_step_and_the_run_says_which(pipeline_settings, storage_oscar):
    user = DeployerFactory()
    version = _vote_pipeline(user)
    storage_oscar.fail_jobs(
        lambda svc: svc["environment"]["variables"].get("AIX_STEP") == "effnet",
        "CUDA out of memory",
    )
    run = run_create(user=user, version=version, files=[("a.jpg", JPEG + b"a")])
    run = run_execute(run.pk)
    assert run.state == PipelineRun.State.FAILED
    assert run.error.startswith("Step 'effnet' failed: Job ")
    assert "CUDA out of memory" in run.error
    states = dict(run.steps.values_list("step_id", "state"))
    assert states["effnet"] == StepRun.State.FAILED
    # The other branch either finished first or was stopped with the run; never left running.
    assert states["resnet"] in {StepRun.State.SUCCEEDED, StepRun.State.STOPPED}
    assert storage_oscar.services == {}  # cleaned up all the same


def test_a_sub_pipeline_runs_inside_another_and_fans_out(pipeline_settings, s3_server):
    from pipelines.definition import load_text

    user = DeployerFactory()
    _vote_pipeline(user)  # "two-model-vote": resnet, effnet → vote
    classifier("dogs-breed-detector")
    outer = pipeline_save(
        user=user,
        title="Vote and dogs",
        document=load_text(
            "steps:\n"
            "  - {id: inner, pipeline: two-model-vote}\n"
            "  - {id: dogs, module: dogs-breed-detector}\n"
            "  - {id: all, join: concatenate, inputs: [inner, dogs]}\n"
        ),
    )
    run = run_create(
        user=user, version=outer, files=[("x.jpg", JPEG + b"x"), ("y.jpg", JPEG + b"y")]
    )
    assert [s.step_id for s in run.steps.all()] == [
        "inner-resnet",
        "inner-effnet",
        "inner-vote",
        "dogs",
        "all",
    ]
    run = run_execute(run.pk)
    assert run.state == PipelineRun.State.SUCCEEDED, run.error
    result = run.result["final"]["x.jpg.json"]
    assert result["aggregation"] == "concatenate"
    assert [o.get("aggregation") or o["model"] for o in result["outputs"]] == [
        "dogs-breed-detector",
        "majority_vote",
    ]
    assert (run.object_counts["lost"], run.object_counts["duplicated"]) == (0, 0)
    assert count_objects(s3_server, run.bucket)["all/in/inner-vote"] == 2


def test_a_retried_run_uploads_nothing_twice(pipeline_settings, s3_server, storage_oscar):
    user = DeployerFactory()
    version = _vote_pipeline(user)
    run = run_create(
        user=user, version=version, files=[("a.jpg", JPEG + b"a"), ("b.jpg", JPEG + b"b")]
    )
    run_execute(run.pk)
    PipelineRun.objects.filter(pk=run.pk).update(state=PipelineRun.State.RUNNING)
    run = run_execute(run.pk)  # as a redelivered task would
    assert run.state == PipelineRun.State.SUCCEEDED
    assert count_objects(s3_server, run.bucket)["resnet/in"] == 2
    assert (run.object_counts["lost"], run.object_counts["duplicated"]) == (0, 0)


def test_a_join_by_a_module_gets_every_part_once(pipeline_settings, s3_server, storage_oscar):
    user = DeployerFactory()
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    judge = classifier("ensemble-judge")
    from pipelines.definition import load_text

    version = pipeline_save(
        user=user,
        title="Judged",
        document=load_text(
            "steps:\n"
            f"  - {{id: resnet, module: {a.name}}}\n"
            f"  - {{id: effnet, module: {b.name}}}\n"
            f"  - {{id: judge, join: module, module: {judge.name}, inputs: [resnet, effnet]}}\n"
        ),
    )
    run = run_execute(run_create(user=user, version=version, files=[("a.jpg", JPEG + b"a")]).pk)
    assert run.state == PipelineRun.State.SUCCEEDED, run.error
    assert run.result["final"]["a.jpg.json"]["model"] == "ensemble-judge"
    assert count_objects(s3_server, run.bucket)["result"] == 1
    assert (run.object_counts["lost"], run.object_counts["duplicated"]) == (0, 0)
