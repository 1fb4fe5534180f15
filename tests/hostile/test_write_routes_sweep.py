"""The hostile-input sweep: every write route, fed hostile values, never answers 5xx and never
stores part of a request it refuses.

The routes come from the site itself: every POST/PUT/PATCH/DELETE operation of the OpenAPI
document served at /api/schema/, and every ``<form method="post">`` of the pages a signed-in
owner and curator sees. Hypothesis puts one hostile value (NUL, lone surrogates, integers of
500 digits or beyond 64 bits, 1e400, NaN, JSON nested 5,000 deep, dates the calendar lacks,
100 kB strings, markup, generated text and JSON) into one field of a request the route
otherwise accepts. Each example runs in a savepoint that is rolled back, so examples do not
see each other; on a 4xx (or a form shown again with its errors) the row count of every table
must be what it was before.

The example budget is fixed and generation derandomised, so a failure reproduces and the
sweep stays within its time; the counts per route are printed (``-s``) and kept in
docs/reliability.md.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django import forms as django_forms
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, transaction
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from deployments.oip.metadata import model_name
from tests.factories import VO, DeploymentFactory, ModuleFactory, UserFactory, add_revision
from tests.federated_learning.test_flow import TOOL as FEDERATED_TOOL
from tests.hostile.sweep import (
    CORE_JSON,
    CORE_TEXT,
    EVERY_FIELD,
    RowCounts,
    Tally,
    changed,
    hostile_body,
    hostile_files,
    hostile_json_fragments,
    hostile_text,
    post_forms,
    write_operations,
)

pytestmark = pytest.mark.django_db

# Generated examples per route, after the explicit ones (each core value in every field).
EXAMPLES_PER_ROUTE = 8
BUDGET = settings(
    max_examples=EXAMPLES_PER_ROUTE,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
TALLY = Tally()
# Forms that end the session or leave the site: posting them would end the sweep, not test it.
SKIPPED_ACTIONS = ("/accounts/logout/", "/oidc/", "/admin/")


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """An owner who is also a curator, with a module, a running monitored deployment, a
    pipeline and a run of it; seeded once in a transaction rolled back at the end."""
    from monitoring.services import issue_token
    from pipelines import services as pipelines
    from tests.curation.helpers import harvest
    from tests.pipelines.factories import VOTE_YAML, classifier

    # As Django's test client does: requests must not close the connection the seeded
    # transaction lives on (CONN_MAX_AGE=0 closes it at every request_finished).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        user = UserFactory(username="sweeper", vos=[VO], curator_vos=[VO], is_global_curator=True)
        # Named as the OpenAPI document's examples name a module.
        module = harvest("ai4os-demo-app")
        add_revision(module, number=2)
        deployment = DeploymentFactory(owner=user, module=module, running=True)
        # The federated server's deploy form: strategies and privacy options.
        ModuleFactory(tool=True, name=FEDERATED_TOOL, docker_tags=[{"name": "latest"}])
        collector_token = issue_token(deployment=deployment)
        a, b = classifier("sweep-resnet"), classifier("sweep-effnet")
        version = pipelines.pipeline_save(
            user=user,
            document=pipelines.check_text(VOTE_YAML.format(a=a.name, b=b.name)).definition,
            title="Sweep pipeline",
        )
        run = pipelines.run_create(user=user, version=version, files=[("in.png", b"\x89PNG")])
        # A 500 is an answer to count, not an exception in the test.
        client = Client(raise_request_exception=False)
        client.force_login(user)
        yield {
            "client": client,
            "collector": {"HTTP_AUTHORIZATION": f"Bearer {collector_token}"},
            "values": {
                "id": str(deployment.pk),
                "model": model_name(deployment),  # the OIP routes' model of this deployment
                "version": "1",
                "name": module.name,
                "pipeline": version.pipeline.name,
                "kind": "modules",
                "run_id": str(run.pk),
            },
            "pages": [
                f"/deployments/new/{module.name}/",
                f"/deployments/new/{FEDERATED_TOOL}/",
                f"/deployments/{deployment.pk}/",
                f"/deployments/{deployment.pk}/monitoring/",
                "/pipelines/new/",
                f"/pipelines/{version.pipeline.name}/",
                f"/pipelines/{version.pipeline.name}/edit/",
                f"/pipelines/runs/{run.pk}/",
                f"/modules/{module.name}/curate/",
                f"/modules/{module.name}/curate/upstream/",
                f"/modules/{module.name}/curate/history/1/",
                f"/modules/{module.name}/curate/sources/",
                "/accounts/",
                "/notifications/",
            ],
            "counts": RowCounts(),
            "yaml": VOTE_YAML.format(a=a.name, b=b.name),
        }
        transaction.set_rollback(True)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def every_field_first(values, argument: str, **others):
    """Explicit examples, run before the generated ones: each value in every field at once."""

    def decorate(test):
        for value in reversed(values):
            test = example(field=EVERY_FIELD, **{argument: value}, **others)(test)
        return test

    return decorate


def _refused_form(response) -> bool:
    """A 4xx, or the page shown again with its form's errors (Django's way for HTML)."""
    if 400 <= response.status_code < 500:
        return True
    if response.status_code != 200 or response.context is None:
        return False
    contexts = response.context if isinstance(response.context, list) else [response.context]
    return any(
        isinstance(value, django_forms.BaseForm) and value.is_bound and value.errors
        for context in contexts
        for value in context.flatten().values()
    )


def _try(site, label: str, send, refused) -> None:
    """One example in a savepoint rolled back afterwards: no 5xx; if refused, no new rows."""
    with transaction.atomic():
        before = site["counts"]()
        response = send()
        TALLY.add(label, response.status_code)
        assert response.status_code < 500, (label, response.status_code, response.content[:300])
        if refused(response):
            assert changed(before, site["counts"]()) == {}, (label, response.status_code)
        transaction.set_rollback(True)


def test_every_api_write_operation_survives_hostile_bodies(site):
    client = site["client"]
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    operations = write_operations(schema)
    assert len(operations) >= 15, [o.label for o in operations]
    failures = []
    for operation in operations:
        try:
            _api_sweep(site, operation)()
        except Exception as exc:  # every route is swept; the failures are listed together
            failures.append(f"{operation.label}: {exc!r}"[:600])
    assert failures == []


def _valid_bodies(site) -> dict[str, dict]:
    """Bodies these routes accept (the document's types cannot say which module, field or
    definition is real), so one hostile field reaches past the first check."""
    pipeline = {"title": "Swept", "yaml": site["yaml"]}
    return {
        "POST /api/v1/deployments/{id}/monitoring/summaries/": {
            "summaries": [{"features": {"t": 1.5, "station": "north"}}]
        },
        "POST /api/v1/deployments/{id}/monitoring/feedback/": {
            "feedback": [{"id": 1, "correct": True}]
        },
        "PATCH /api/v1/modules/{name}/curation/fields/": {
            "fields": {"summary": "A better summary"},
            "reason": "Clearer",
        },
        "POST /api/v1/modules/{name}/curation/upstream/": {
            "field": "summary",
            "decision": "keep",
            "reason": "Ours is better",
        },
        "POST /api/v1/pipelines/": pipeline,
        "PUT /api/v1/pipelines/{pipeline}/": pipeline,
        "POST /api/v1/pipeline-validation/": {"yaml": site["yaml"]},
    }


def _api_sweep(site, operation):
    client = site["client"]
    valid = _valid_bodies(site).get(operation.label)
    if valid is not None:
        operation.base = valid
        operation.fields = list(dict.fromkeys([*operation.fields, *valid]))
    url = operation.path.format(**site["values"])
    headers = site["collector"] if "/monitoring/" in url else {}

    @BUDGET
    @given(
        field=st.sampled_from([*operation.fields, "unknown_field", None]),
        fragment=hostile_json_fragments,
    )
    @every_field_first(CORE_JSON, "fragment")
    def sweep(field, fragment):
        body = hostile_body(operation, field, fragment)

        def send():
            return client.generic(
                operation.method.upper(), url, body, "application/json", **headers
            )

        _try(site, operation.label, send, lambda r: 400 <= r.status_code < 500)

    return sweep


def test_every_html_form_survives_hostile_values(site):
    client = site["client"]
    found = {}
    for page in site["pages"]:
        response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        for form in post_forms(page, response.content):
            if not form.action.startswith(SKIPPED_ACTIONS):
                found.setdefault(form.label, form)
    assert len(found) >= 12, sorted(found)
    failures = []
    for form in found.values():
        try:
            _form_sweep(site, form)()
        except Exception as exc:
            failures.append(f"{form.label}: {exc!r}"[:600])
    assert failures == []


def _as_route(label: str, values: dict[str, str]) -> str:
    """A form's label with the seeded ids and names written as the OpenAPI document writes
    them (``/deployments/{id}/``), so the counts read the same in every run."""
    for key in ("id", "name", "pipeline", "run_id"):
        label = label.replace(f"/{values[key]}/", f"/{{{key}}}/")
    return label


def _form_sweep(site, form):
    client = site["client"]

    @BUDGET
    @given(
        field=st.sampled_from([*form.fields, *form.files, *form.switches, "unknown_field"]),
        value=hostile_text,
        upload=hostile_files,
        # Unticked checkboxes ticked, so that what they turn on reads the hostile values too.
        switched=st.sets(st.sampled_from(form.switches)) if form.switches else st.just(set()),
    )
    @every_field_first(CORE_TEXT, "value", upload=b"[" * 5000 + b"]" * 5000, switched=set())
    def sweep(field, value, upload, switched):
        def send():
            data = dict(form.fields) | dict.fromkeys(switched, "on")
            for name in form.files:
                chosen = name == field or field == EVERY_FIELD
                content = upload if chosen else b'{"rows": [{"t": 1}]}'
                data[name] = SimpleUploadedFile(f"{uuid.uuid4().hex}.json", content)
            names = [*form.fields, *form.switches] if field == EVERY_FIELD else [field]
            data |= {name: value for name in names if name not in form.files}
            return client.post(form.action, data)

        _try(site, _as_route(form.label, site["values"]), send, _refused_form)

    return sweep


def test_the_sweep_reached_every_route():
    if not TALLY.routes:
        pytest.skip("run together with the sweeps above")
    print("\n" + TALLY.table())
    for route, counts in TALLY.routes.items():
        assert sum(counts.values()) >= EXAMPLES_PER_ROUTE // 2, route
        assert counts["5xx"] == 0, route
