"""Every bad input is a 400 that names the field, never a 500 (issue 20).

One case per class the site used to answer with a 500: JSON nested thousands deep (every DRF
JSON route, the collector, the feedback route), integers of hundreds of digits and ids beyond
64 bits, dates the calendar lacks (collector, changes feed, OAI-PMH ``from``/``until``), NUL
and lone surrogates in stored text. Each answer names the field and nothing is stored.
"""

from __future__ import annotations

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from lxml import etree
from rest_framework.parsers import JSONParser
from rest_framework.views import APIView

from deployments.models import Deployment
from monitoring.models import InferenceSummary
from tests.factories import VO, DeployerFactory, ModuleFactory
from tests.monitoring.helpers import collector_url, monitored_deployment

pytestmark = pytest.mark.django_db

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- JSON bodies -------------------------------------------------------------------------------
def _drf_views(patterns=None, prefix=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _drf_views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "cls", None)
            if isinstance(view, type) and issubclass(view, APIView):
                yield prefix + str(pattern.pattern), view


def test_every_drf_route_reads_json_through_the_bounded_parser():
    from marketplace.inputs.drf import BoundedJSONParser

    views = list(_drf_views())
    assert len(views) > 20
    unbounded = [
        route
        for route, view in views
        for parser in view.parser_classes
        if issubclass(parser, JSONParser) and not issubclass(parser, BoundedJSONParser)
    ]
    assert unbounded == []


@pytest.fixture
def api_client(client, db):
    client.force_login(DeployerFactory(curator_vos=[VO]))
    return client


JSON_WRITE_ROUTES = [
    ("post", "/api/v1/deployments/"),
    ("post", "/v1/deployments/modules/"),
    ("post", "/api/v1/pipelines/"),
    ("post", "/api/v1/pipeline-validation/"),
    ("patch", "/api/v1/modules/{module}/curation/fields/"),
    ("post", "/api/v1/modules/{module}/curation/moderation/"),
    ("post", "/api/v1/modules/{module}/curation/restore/"),
]


@pytest.mark.parametrize(("method", "route"), JSON_WRITE_ROUTES)
def test_json_nested_5000_deep_is_a_400_naming_the_body(api_client, method, route):
    url = route.format(module=ModuleFactory().name)
    response = getattr(api_client, method)(url, deep(5000), content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["field"] == "body"
    assert "nested more than" in response.json()["detail"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ('"a\\ud800b"', "lone surrogate (U+D800)"),
        ('"a\\udfffb"', "lone surrogate (U+DFFF)"),
        ('"a\\u0000b"', "NUL character"),
    ],
)
def test_bad_characters_in_a_deployment_title_are_a_400_and_nothing_is_stored(
    api_client, raw, message
):
    module = ModuleFactory()
    body = f'{{"module": "{module.name}", "vo": "{VO}", "title": {raw}}}'
    response = api_client.post("/api/v1/deployments/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["field"] == "title"
    assert message in response.json()["detail"]
    assert not Deployment.objects.exists()


def test_a_500_digit_integer_is_a_400_naming_the_field(api_client):
    body = '{"module": "x", "cpu_num": ' + "9" * 500 + "}"
    response = api_client.post("/api/v1/deployments/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "cpu_num"
    assert "500 digits" in response.json()["detail"]


# --- the monitoring collector and feedback -----------------------------------------------------
def _summary(**fields) -> dict:
    return {"summaries": [{"features": {"station": "north"}, **fields}]}


COLLECTOR_CASES = [
    ("deep", deep(3000), "body"),
    ("day 30 of February", _summary(at="2026-02-30T10:00:00Z"), "summaries[0].at"),
    ("hour 25", _summary(at="2026-02-01T25:61:00Z"), "summaries[0].at"),
    ("offset +99:00", _summary(at="2026-02-01T10:00:00+99:00"), "summaries[0].at"),
    ("year 0", _summary(at="0000-01-01T00:00:00Z"), "summaries[0].at"),
    (
        "500 digits",
        '{"summaries": [{"features": {"t": ' + "9" * 500 + "}}]}",
        "summaries[0].features.t",
    ),
    ("NUL in a category", _summary(features={"station": "no\x00rth"}), "summaries[0].features"),
    (
        "lone surrogate in a category",
        '{"summaries": [{"features": {"station": "no\\ud800rth"}}]}',
        "summaries[0].features.station",
    ),
    (
        "lone surrogate in a feature name",
        '{"summaries": [{"features": {"st\\udc00": 1}}]}',
        "summaries[0].features.st",
    ),
]


@pytest.mark.parametrize(
    ("case", "body", "field"), COLLECTOR_CASES, ids=[c[0] for c in COLLECTOR_CASES]
)
def test_the_collector_refuses_with_a_400_naming_the_field(client, case, body, field):
    deployment, token = monitored_deployment()
    response = client.post(
        collector_url(deployment),
        body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["field"].startswith(field)
    assert response.json()["detail"].startswith(response.json()["field"])
    assert InferenceSummary.objects.count() == 0


def _feedback_with_id(digits: str) -> str:
    return '{"feedback": [{"id": ' + digits + ', "correct": true}]}'


@pytest.mark.parametrize(
    ("case", "body", "field"),
    [
        ("deep", deep(3000), "body"),
        ("id beyond 64 bits", _feedback_with_id(str(2**64)), "feedback[0].id"),
        ("500-digit id", _feedback_with_id("9" * 500), "feedback[0].id"),
    ],
)
def test_feedback_refuses_with_a_400_naming_the_field(client, case, body, field):
    deployment, token = monitored_deployment()
    response = client.post(
        f"/api/v1/deployments/{deployment.pk}/monitoring/feedback/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.json()["field"] == field


# --- date parameters ---------------------------------------------------------------------------
OUTSIDE_THE_CALENDAR = [
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "2026-01-01T24:00:00Z",
    "2026-13-01",
    "2026-01-01T23:60:00Z",
    "9999-12-31T23:59:59Z",
]


@pytest.mark.parametrize("argument", ["from", "until"])
@pytest.mark.parametrize("value", OUTSIDE_THE_CALENDAR)
def test_oai_dates_outside_the_calendar_are_bad_arguments(client, argument, value):
    response = client.get(
        "/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", argument: value}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    errors = etree.fromstring(body).findall(f"{OAI_NS}error")
    assert [e.get("code") for e in errors] == ["badArgument"]
    assert errors[0].text.startswith(argument)


@pytest.mark.parametrize(
    "value", ["2026-02-30", "0000-01-01", "2026-01-01T25:61:00Z", "2026-01-01T10:00:00+99:00"]
)
def test_changes_since_outside_the_calendar_is_a_400_naming_since(client, value):
    response = client.get("/api/v1/changes/", {"since": value})
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["errors"]) == ["since"]


# --- form bodies -------------------------------------------------------------------------------
def test_nul_in_a_form_field_read_by_the_view_itself_is_a_400_naming_it(client, db):
    from marketplace.models import ApiToken

    client.force_login(DeployerFactory())
    response = client.post("/accounts/", {"name": "laptop\x00token"})
    assert response.status_code == 400
    assert "The field “name” contains a NUL character" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_oai_pmh_still_answers_bad_text_in_its_own_protocol(client, db):
    response = client.post(
        "/oai", {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "x\x00y"}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert etree.fromstring(body).findall(f"{OAI_NS}error")


def test_a_form_posted_to_the_collector_is_a_400_naming_the_body(client):
    deployment, token = monitored_deployment()
    response = client.post(
        collector_url(deployment), {"summaries": "x"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "body"
