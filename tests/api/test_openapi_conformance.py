"""Every operation of the published OpenAPI document, fuzzed from the document itself.

Schemathesis reads `/api/schema/` from the running site (WSGI, the same stack as
production) and, for every operation, generates requests from it: valid data (positive)
and data the schema forbids (negative), including path parameters that name real
modules, tools and deployments. Each answer must be documented by the schema (status
code, media type, body schema, headers) and no input may produce a 5xx.

Each operation runs twice: anonymously (so 401/403 and the public answers are checked)
and with the personal API token of a signed-in curator who may deploy (so the
authenticated answers are checked too). Generation is derandomised with a fixed example
budget, so a failure reproduces and the whole file stays within a CI budget.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection

from tests.factories import HarvestRunFactory, ModuleFactory, UserFactory

# pytest-django makes the test database for marked items; schemathesis' generated items are
# not seen to request `db`, so the mark says it.
pytestmark = pytest.mark.django_db
MAX_EXAMPLES = 25
TOKEN_USER = "conformance-curator"
DEPLOYMENT_ID = "6f1c2a9e-4b7d-4c1e-9a35-0d2f8e7b5c41"
HARVEST_RUN_ID = 990001
# Demo-snapshot modules and a tool, plus the withdrawn (410) and hidden (404) ones seeded below.
REAL_NAMES = [
    "ai4os-demo-app",
    "dogs-breed-detector",
    "ai4os-dev-env",
    "conformance-history",
    "conformance-withdrawn",
    "conformance-hidden",
]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Real AI4OS modules (the demo snapshot), plus the cases the API treats specially.

    Seeded once for the module inside a transaction that is rolled back at the end; each
    operation test runs in a savepoint of it, so what one test writes, the next does not see.
    """
    from catalog.services.demo import load_demo_snapshot
    from deployments.models import Deployment
    from marketplace.auth.tokens import create_token

    # As Django's test client does: requests must not close the connection the test's
    # transaction lives on (CONN_MAX_AGE=0 closes it at every request_finished).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo_snapshot()
        ModuleFactory(name="conformance-withdrawn", withdrawn=True)
        ModuleFactory(name="conformance-hidden", hidden=True)
        ModuleFactory(name="conformance-history", with_history=True, with_provenance=True)
        HarvestRunFactory(pk=HARVEST_RUN_ID)
        user = UserFactory(
            username=TOKEN_USER,
            vos=["vo.ai4eosc.eu"],
            curator_vos=["vo.ai4eosc.eu"],
            display_name="Conformance Curator",
        )
        _token, secret = create_token(user=user, name="conformance")
        Deployment.objects.create(
            pk=DEPLOYMENT_ID,
            owner=user,
            module=ModuleFactory(name="conformance-deployed"),
            title="conformance",
            docker_image="ai4oshub/conformance-deployed",
            vo="vo.ai4eosc.eu",
        )
        yield {"token": secret}
        transaction.set_rollback(True)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _existing(path: str) -> dict[str, list]:
    if "harvest-runs" in path:
        return {"id": [HARVEST_RUN_ID]}
    return {"name": REAL_NAMES, "id": [DEPLOYMENT_ID]}


def _is_valid_path_value(key: str, value) -> bool:
    if key == "id":
        if isinstance(value, int):
            return not isinstance(value, bool)
        try:
            uuid.UUID(str(value))
        except ValueError:
            return False
        return True
    return isinstance(value, str) and bool(value) and "/" not in value


def _published_schema():
    """The OpenAPI document exactly as the site serves it at /api/schema/."""
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        database="none",
    )
    # Schema-valid input may still break a rule the schema cannot express (a module name that
    # must exist, a VO that must be yours, a quota, a withdrawn module): those answers are
    # 400/410 with the documented error body, which response_schema_conformance checks.
    acceptance = loaded.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "400", "410"]
    negative = loaded.config.checks.negative_data_rejection
    # A withdrawn module answers 410 whatever else the request gets wrong.
    negative.expected_statuses = [*negative.expected_statuses, "410"]

    @loaded.hook
    def flatmap_path_parameters(context, path_parameters):
        # Half the time, a valid generated value is swapped for one that exists, so detail
        # routes answer 200 too; invalid (negative) values are left alone.
        real = {
            key: st.sampled_from(values)
            for key, values in _existing(context.operation.path).items()
            if _is_valid_path_value(key, (path_parameters or {}).get(key))
        }
        if not real:
            return st.just(path_parameters)
        return st.one_of(
            st.just(path_parameters), st.fixed_dictionaries(real).map(lambda r: path_parameters | r)
        )

    return loaded


schema = _published_schema()
# The WSGI test transport does not decompress; real clients do, so ask for plain bodies.
PLAIN = {"Accept-Encoding": "identity"}


# Free-text query parameters: every value is valid on the wire (a "boolean" mutation arrives
# as the string "false"), so "negative" data that only touches them cannot be rejected.
FREE_TEXT = {"q", "source", "task", "category", "library", "data_type", "license", "tag"}
FREE_TEXT |= {"tags", "tags_any", "not_tags", "not_tags_any", "vos", "vo", "item_name"}


def _excluded_checks(case) -> list:
    mutations = getattr(getattr(case.meta, "phase", None), "data", None)
    mutations = getattr(mutations, "mutations", None) or []
    only_free_text = mutations and all(
        m.parameter_location == ParameterLocation.QUERY and m.parameter in FREE_TEXT
        for m in mutations
    )
    return [negative_data_rejection] if only_free_text else []


# Statuses each operation answered, per identity: the last test proves the runs reached
# past the front door (signed in: not only 401s; anonymous: the 401s of private routes).
ANSWERED: dict[tuple[str, str], set[int]] = {}


def _record(identity: str, case, response) -> None:
    ANSWERED.setdefault((identity, case.operation.label), set()).add(response.status_code)


@schema.parametrize()
def test_anonymous_answers_match_the_published_schema(case, seeded):
    response = case.call_and_validate(headers=PLAIN, excluded_checks=_excluded_checks(case))
    _record("anonymous", case, response)


@schema.parametrize()
def test_signed_in_answers_match_the_published_schema(case, seeded):
    response = case.call_and_validate(
        headers={**PLAIN, "Authorization": f"Bearer {seeded['token']}"},
        excluded_checks=_excluded_checks(case),
    )
    _record("signed-in", case, response)


def test_the_runs_reached_real_answers_of_every_operation():
    if not ANSWERED:
        pytest.skip("run together with the conformance tests above")
    operations = {operation for _identity, operation in ANSWERED}
    for operation in sorted(operations):
        signed_in = ANSWERED.get(("signed-in", operation), set())
        assert signed_in - {401}, f"{operation}: signed in, only {sorted(signed_in)}"
    successes = [
        op for op in operations if any(c < 300 for c in ANSWERED.get(("signed-in", op), ()))
    ]
    assert len(successes) >= len(operations) * 3 // 4, sorted(operations - set(successes))
    private = [op for op in operations if op.split(" ", 1)[1].startswith("/api/v1/deployments")]
    for operation in private:
        assert 401 in ANSWERED.get(("anonymous", operation), set()), operation
