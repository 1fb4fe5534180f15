"""Datasets a deployment cites by DOI or URL: accepted or refused (field named) by the form and
PAPI's `storage.datasets`, fetched by a prestart task of the Nomad job (read back from the
emulator), and named with DOI and checksum in the provenance card, the PROV record and the
RO-Crate, checksums read from the loopback Zenodo-like record once the job runs."""

import hashlib
import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV
from rocrate.rocrate import ROCrate

from deployments.models import Deployment
from deployments.sandbox.dataset_records import SANDBOX_DOI, SANDBOX_FILES, DatasetRecordServer
from deployments.services import deployment_submit, sync_statuses
from tests.factories import VO, DeployerFactory, ModuleFactory, form_data
from tests.fixtures.deploy import wait_for

pytestmark = pytest.mark.django_db
SPDX_CHECKSUM = URIRef("http://spdx.org/rdf/terms#checksum")
URL_DATASET = "https://data.example.org/cohort.csv"


@pytest.fixture(scope="module")
def _records():
    with DatasetRecordServer() as server:
        yield server


@pytest.fixture
def records(_records, settings):
    _records.reset()
    settings.DATASET_RECORDS_API = f"{_records.base_url}/api/records"
    return _records


@pytest.fixture
def signed_in(client):
    user = DeployerFactory()
    client.force_login(user)
    return user


def _form_post(client, module, **values):
    page = client.get(f"/deployments/new/{module.name}/")
    data = form_data(page.context["form"]["token"].value(), **values)
    return client.post(f"/deployments/new/{module.name}/", data)


def _papi(client, module, datasets):
    body = {
        "general": {"docker_image": module.docker_image, "title": "cites data"},
        "storage": {"datasets": datasets},
    }
    return client.post(
        f"/v1/deployments/modules?vo={VO}", body, content_type="application/json"
    ).json()


def test_the_form_records_dois_and_urls_one_per_line(client, signed_in):
    module = ModuleFactory()
    lines = f"doi:{SANDBOX_DOI}\n\n{URL_DATASET} force_pull\n"
    response = _form_post(client, module, datasets=lines)
    assert response.status_code == 302
    assert Deployment.objects.get().config["datasets"] == [
        {"doi": SANDBOX_DOI, "force_pull": False},
        {"doi": URL_DATASET, "force_pull": True},
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("ftp://data.example.org/x", "Datasets: dataset 1: “ftp://data.example.org/x” is neither"),
        (f"{SANDBOX_DOI}\nhttp://plain.example.org/x", "dataset 2: “http://plain.example.org/x”"),
        (f"{SANDBOX_DOI}\n{SANDBOX_DOI}", f"dataset 2: {SANDBOX_DOI} is named twice"),
    ],
)
def test_the_form_refuses_a_bad_dataset_next_to_its_field_and_keeps_the_text(
    client, signed_in, value, message
):
    response = _form_post(client, ModuleFactory(), datasets=value)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors["datasets"][0]
    assert message in response.content.decode()
    assert form["datasets"].value() == value  # what was typed is shown again to fix
    assert Deployment.objects.count() == 0


def test_papi_accepts_storage_datasets_and_refuses_bad_ones_naming_the_field(client, signed_in):
    module = ModuleFactory()
    created = _papi(client, module, [{"doi": SANDBOX_DOI, "force_pull": True}])
    assert created["status"] == "success", created
    deployment = Deployment.objects.get(pk=created["job_ID"])
    assert deployment.config["datasets"] == [{"doi": SANDBOX_DOI, "force_pull": True}]

    refused = _papi(client, module, [{"doi": "zenodo:123", "force_pull": False}])
    assert refused["status"] == "fail"
    assert refused["error_msg"].startswith("storage.datasets: Datasets: dataset 1: “zenodo:123”")
    not_bool = _papi(client, module, [{"doi": SANDBOX_DOI, "force_pull": "yes"}])
    assert not_bool["errors"] == {
        "storage.datasets": ["Datasets: dataset 1: `force_pull` must be true or false."]
    }
    # PAPI's /config offers the same field.
    config = client.get(f"/v1/catalog/modules/{module.name}/config?vo={VO}").json()
    assert config["storage"]["datasets"]["value"] == []


def _deploy_citing(client, module, deploy_settings):
    created = _papi(
        client,
        module,
        [{"doi": SANDBOX_DOI, "force_pull": True}, {"doi": URL_DATASET, "force_pull": False}],
    )
    deployment_submit(deployment_id=created["job_ID"])
    return Deployment.objects.get(pk=created["job_ID"])


def test_the_nomad_job_fetches_each_dataset_before_the_main_task(
    client, signed_in, deploy_settings, nomad
):
    deployment = _deploy_citing(client, ModuleFactory(), deploy_settings)
    job = nomad.jobs[str(deployment.pk)]
    tasks = {task["Name"]: task for task in job["TaskGroups"][0]["Tasks"]}
    first, second = tasks["dataset_download_0"], tasks["dataset_download_1"]
    assert first["Lifecycle"] == {"Hook": "prestart", "Sidecar": False}
    assert first["Env"]["DOI"] == SANDBOX_DOI and first["Env"]["FORCE_PULL"] == "true"
    assert second["Env"]["DOI"] == URL_DATASET and second["Env"]["FORCE_PULL"] == "false"
    # No storage given: the datasets land in the allocation's shared directory.
    assert tasks["main"]["Env"]["AIX_DATASETS_DIR"] == first["Env"]["DATASETS_DIR"]
    assert first["Env"]["DATASETS_DIR"] == "${NOMAD_ALLOC_DIR}/datasets"


def _record(client, deployment) -> Graph:
    response = client.get(f"/deployments/{deployment.pk}/citation.jsonld")
    graph = Graph().parse(data=response.content.decode(), format="json-ld")
    activity = next(graph.subjects(PROV.used, None))
    return {
        str(graph.value(e, URIRef("https://schema.org/identifier"))): str(
            graph.value(e, SPDX_CHECKSUM)
        )
        for e in graph.objects(activity, PROV.used)
        if str(graph.value(e, DCTERMS.type)) == "dataset"
    }


def test_citation_and_ro_crate_name_each_dataset_with_doi_and_checksum_once_fetched(
    client, signed_in, deploy_settings, nomad, records, tmp_path
):
    deployment = _deploy_citing(client, ModuleFactory(), deploy_settings)
    doi_url = f"https://doi.org/{SANDBOX_DOI}"
    # Before the job ran past its downloads, no checksum is invented.
    assert _record(client, deployment) == {
        doi_url: "not yet fetched",
        URL_DATASET: "not yet fetched",
    }

    def running():
        sync_statuses()
        return Deployment.objects.get(pk=deployment.pk).state == "running"

    wait_for(running, timeout=30)
    expected = "; ".join(
        f"{name} md5:{hashlib.md5(content, usedforsecurity=False).hexdigest()}"
        for name, content in SANDBOX_FILES.items()
    )
    assert _record(client, deployment) == {
        doi_url: expected,
        URL_DATASET: "not published by the dataset's source",
    }
    assert [c.path for c in records.calls] == [f"/api/records/{SANDBOX_DOI.rsplit('.', 1)[1]}"]

    page = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert SANDBOX_DOI in page and "iris-sample.csv md5:" in page

    zipped = tmp_path / "crate.zip"
    zipped.write_bytes(client.get(f"/deployments/{deployment.pk}/ro-crate.zip").content)
    crate = ROCrate(str(zipped))
    found = {
        e["identifier"]: e["checksum"]
        for e in crate.get_entities()
        if e.type == "Dataset" and e.get("additionalType") == "dataset"
    }
    assert found == {doi_url: expected, URL_DATASET: "not published by the dataset's source"}
    action = next(e for e in crate.get_entities() if e.type == "CreateAction")
    objects = {o["identifier"] for o in action["object"] if o.get("additionalType") == "dataset"}
    assert objects == {doi_url, URL_DATASET}
    # The configuration stays free of the record's internals but keeps the run's settings.
    assert json.loads(crate.get(f"{crate.root_dataset['identifier']}#configuration")["value"])

    # Upgrading names the same datasets again (what the old job fetched stays with it).
    upgrade = client.get(
        f"/deployments/new/{deployment.module.name}/?upgrade={deployment.pk}&service=deepaas"
    )
    assert upgrade.context["form"]["datasets"].value() == (
        f"{SANDBOX_DOI} force_pull\n{URL_DATASET}"
    )


def test_an_unreadable_record_is_said_so_instead_of_a_checksum(
    client, signed_in, deploy_settings, nomad, records
):
    records.fail_next("GET", r"/api/records/.*", status=503)
    deployment = _deploy_citing(client, ModuleFactory(), deploy_settings)

    def running():
        sync_statuses()
        return Deployment.objects.get(pk=deployment.pk).state == "running"

    wait_for(running, timeout=30)
    checksums = _record(client, deployment)
    assert checksums[f"https://doi.org/{SANDBOX_DOI}"] == (
        "fetched, but its record could not be read (HTTP 503)"
    )


def test_a_federated_client_names_its_datasets_by_the_same_rule(capsys):
    from federated_learning import client

    assert client.parse_dataset(f"https://doi.org/{SANDBOX_DOI}") == SANDBOX_DOI
    assert client.parse_dataset(URL_DATASET) == URL_DATASET
    with pytest.raises(SystemExit) as refused:
        client.main(["--address", "127.0.0.1:9", "--token", "t", "--dataset", "ftp://x"])
    assert refused.value.code == 2
    assert "argument --dataset: “ftp://x” is neither a DOI" in capsys.readouterr().err
