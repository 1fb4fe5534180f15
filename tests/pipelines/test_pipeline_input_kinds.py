"""A run's input file is of the kind the pipeline is fed: a text file named x.png, given to a
pipeline of image classifiers, is refused on the field that sent it (the page's file field,
the API's `file` or `files[i]`), before OSCAR or its buckets hear of it and without a run,
with the message a deployment's Try it gives for the same file (deployments.oip.file_kinds).
"""

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pipelines.models import PipelineRun
from tests.factories import DeployerFactory
from tests.pipelines.factories import JPEG, VOTE_YAML, classifier

pytestmark = pytest.mark.django_db
NOT_AN_IMAGE = (
    "Input 'x.png': an image is expected (image/*), and this file is of no file type we recognise."
)
RUNS = "/api/v1/pipelines/{pipeline}/runs/"


def _vote_pipeline(client, input_type="Image", data_types=("Image",)) -> str:
    """Plants classification + another classifier + a majority vote, saved from the form."""
    a = classifier("plants-classification", data_types=list(data_types))
    b = classifier("conus-classification", data_types=list(data_types))
    definition = VOTE_YAML.format(a=a.name, b=b.name).replace("Image", input_type)
    saved = client.post("/pipelines/new/", {"title": "Leaf vote", "definition": definition})
    assert saved.status_code == 302, saved.content.decode()
    return "leaf-vote"


def _nothing_reached_oscar(storage_oscar, s3_server) -> None:
    assert PipelineRun.objects.count() == 0
    assert storage_oscar.calls == []
    assert s3_server.client().list_buckets()["Buckets"] == []


def _field_error(page: str, field: str) -> str:
    """The message the page shows on a field, and that the field points to it."""
    control = re.search(rf'<input[^>]*id="id_{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in control
    assert f'aria-describedby="id_{field}_error"' in control
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    return re.sub(r"<[^>]+>", "", errors.group(1)).replace("&#x27;", "'").strip()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_run_form_refuses_a_text_file_named_png_on_its_field(
    client, pipeline_settings, storage_oscar, s3_server, mode
):
    client.force_login(DeployerFactory())
    name = _vote_pipeline(client)
    text_file = SimpleUploadedFile("x.png", b"just some words, not a picture\n")
    response = client.post(f"/pipelines/{name}/run/", {"file": text_file, "mode": mode})

    assert response.status_code == 400
    page = response.content.decode()
    assert _field_error(page, "file") == NOT_AN_IMAGE
    _nothing_reached_oscar(storage_oscar, s3_server)
    assert 'accept="image/*"' in page  # the file picker offers images in the first place


def test_a_pipeline_fed_audio_offers_no_sample_image(
    client, pipeline_settings, storage_oscar, s3_server
):
    """The sample is an image: a pipeline fed audio does not offer it, and a form that sends
    it anyway is asked for a file."""
    client.force_login(DeployerFactory())
    name = _vote_pipeline(client, input_type="Audio", data_types=("Audio",))
    page = client.get(f"/pipelines/{name}/").content.decode()
    assert "Use the sample image" not in page and 'accept="audio/*"' in page

    response = client.post(f"/pipelines/{name}/run/", {"use_sample": "on", "mode": "async"})
    assert response.status_code == 400
    assert "Choose a file." in response.content.decode()
    _nothing_reached_oscar(storage_oscar, s3_server)


def test_the_api_names_the_multipart_file_it_refuses(
    client, pipeline_settings, storage_oscar, s3_server, assert_conforms
):
    client.force_login(DeployerFactory())
    name = _vote_pipeline(client)
    response = client.post(
        RUNS.format(pipeline=name), {"file": SimpleUploadedFile("x.png", b"plain text")}
    )
    assert response.status_code == 400
    assert_conforms(response, RUNS, "post", media_type="application/json")
    assert response.json() == {
        "detail": f"file: {NOT_AN_IMAGE}",
        "field": "file",
        "errors": {"file": [NOT_AN_IMAGE]},
    }
    _nothing_reached_oscar(storage_oscar, s3_server)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_api_names_the_json_file_it_refuses_among_good_ones(
    client, pipeline_settings, storage_oscar, s3_server, mode
):
    client.force_login(DeployerFactory())
    name = _vote_pipeline(client)
    files = [
        {"name": "leaf.jpg", "content_base64": base64.b64encode(JPEG + b"leaf").decode()},
        {"name": "x.png", "content_base64": base64.b64encode(b"plain text").decode()},
    ]
    response = client.post(
        RUNS.format(pipeline=name), {"mode": mode, "files": files}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "files[1]"
    assert response.json()["errors"] == {"files[1]": [NOT_AN_IMAGE]}
    _nothing_reached_oscar(storage_oscar, s3_server)


def test_an_image_still_runs(client, pipeline_settings):
    client.force_login(DeployerFactory())
    name = _vote_pipeline(client)
    leaf = SimpleUploadedFile("leaf.jpg", JPEG + b"a leaf")
    response = client.post(f"/pipelines/{name}/run/", {"file": leaf, "mode": "sync"})
    assert response.status_code == 302
    run = PipelineRun.objects.get()
    assert run.state == PipelineRun.State.SUCCEEDED, run.error
