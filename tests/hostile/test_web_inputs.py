"""Hostile input through the public surface: search text, OAI-PMH arguments, module names that
try to climb out of the URL space, and oversized request bodies. Never a 500, always a clear
answer."""

from __future__ import annotations

import pathlib
import string
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.factories import ModuleFactory
from tests.hostile.strategies import SQL_AND_LIKE

pytestmark = pytest.mark.django_db

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_ERRORS = {
    "badArgument",
    "badResumptionToken",
    "badVerb",
    "cannotDisseminateFormat",
    "idDoesNotExist",
    "noRecordsMatch",
    "noMetadataFormats",
    "noSetHierarchy",
}
SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "fair" / "schemas"
WEB = settings(
    max_examples=40,
    deadline=5000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def wildcard_modules(db):
    return {
        "percent": ModuleFactory(name="percent", title="Accuracy 100% model"),
        "underscore": ModuleFactory(name="underscore", title="snake_case model"),
        "plain": ModuleFactory(name="plain", title="Plain model"),
        "quote": ModuleFactory(name="quote", title="O'Brien's \"quoted\" model"),
    }


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _api_names(client, q: str) -> list[str]:
    response = client.get("/api/v1/modules/", {"q": q, "page_size": 100})
    assert response.status_code == 200, (q, response.status_code, response.content[:300])
    return sorted(item["name"] for item in response.json()["results"])


# --- search text -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("%", ["percent"]),
        ("100%", ["percent"]),
        ("_", ["underscore"]),
        ("snake_case", ["underscore"]),
        ("%%", []),
        ("%_%", []),
        ("\\%", []),
        ("\\", []),
        ("O'Brien", ["quote"]),
        ('"quoted"', ["quote"]),
    ],
)
def test_sql_wildcards_and_quotes_in_search_match_literally(client, wildcard_modules, q, expected):
    assert _api_names(client, q) == expected


@pytest.mark.parametrize("q", SQL_AND_LIKE + ["' OR 1=1 --", "'; DROP TABLE catalog_module;--"])
@pytest.mark.parametrize("path", ["/modules/", "/tools/", "/api/v1/modules/", "/api/v1/tools/"])
def test_sql_metacharacters_never_break_search_pages(client, wildcard_modules, path, q):
    response = client.get(path, {"q": q})
    assert response.status_code == 200
    # The table is still there for the next request.
    assert _api_names(client, "Plain") == ["plain"]


# NUL has its own test below (it is a known 500); everything else goes, but lone surrogates
# (category Cs): they cannot be encoded into a URL, so no client can send one (the test
# client itself raises UnicodeEncodeError before any request is made).
NO_NUL = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))


@WEB
@given(q=st.text(NO_NUL, max_size=300), path=st.sampled_from(["/modules/", "/api/v1/modules/"]))
def test_any_search_text_answers_200_or_a_clear_400(client, wildcard_modules, q, path):
    response = client.get(path, {"q": q})
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert response.json()


@WEB
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "page", "page_size", "sort", "task", "kind", "trainable", "x"]),
        st.text(alphabet=string.printable, max_size=30),
        max_size=4,
    )
)
def test_any_browse_parameters_never_crash_the_pages(client, wildcard_modules, params):
    for path in ("/modules/", "/api/v1/modules/"):
        response = client.get(f"{path}?{urlencode(params)}")
        assert response.status_code < 500, (path, params, response.status_code)


@pytest.mark.parametrize(
    "url",
    [
        "/modules/?task=%00",
        "/api/v1/modules/?tag=%00",
        "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=%00",
        "/oai?verb=ListRecords&resumptionToken=%00",
        "/api/v1/harvest-runs/%00/",
        "/deployments/new/x%00/",
        "/modules/?q=%00",
        "/tools/?q=%00",
        "/api/v1/modules/?q=%00",
        "/api/v1/modules/x%00/",
        "/api/v1/modules/x%00/provenance/",
        "/api/v1/modules/x%00/history/",
        "/v1/catalog/modules/x%00/metadata",
    ],
)
def test_nul_byte_in_a_url_is_a_clear_4xx_not_a_500(client, db, url):
    ModuleFactory(name="x")
    response = client.get(url)
    assert response.status_code < 500


def test_oversized_search_text_is_cut_not_fatal(client, wildcard_modules):
    response = client.get("/modules/", {"q": "plain " * 20_000})
    assert response.status_code in (200, 400)


# --- OAI-PMH -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def oai_schema():
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "OAI-PMH.xsd")))


def _check_oai(response, schema) -> list[str]:
    """The response is OAI-PMH XML valid against the official schema; returns its error codes."""
    body = _body(response)
    assert response.status_code == 200, (response.status_code, body[:300])
    root = etree.fromstring(body)
    assert root.tag == f"{{{OAI_NS}}}OAI-PMH"
    schema.assertValid(root)
    codes = [e.get("code") for e in root.findall(f"{{{OAI_NS}}}error")]
    assert set(codes) <= OAI_ERRORS
    return codes


oai_args = st.dictionaries(
    st.one_of(
        st.sampled_from(
            [
                "verb",
                "metadataPrefix",
                "identifier",
                "from",
                "until",
                "set",
                "resumptionToken",
            ]
        ),
        st.text(alphabet=string.ascii_letters, min_size=1, max_size=10),
    ),
    st.one_of(
        st.sampled_from(
            [
                "Identify",
                "ListRecords",
                "ListIdentifiers",
                "GetRecord",
                "ListSets",
                "ListMetadataFormats",
                "oai_dc",
                "2024-01-01",
                "2024-01-01T00:00:00Z",
                "2024-13-45",
                "2026-02-30",
                "0000-01-01",
                "9999-12-31",
                "2026-01-01T24:00:00Z",
                "oai:x:../../etc/passwd",
                "%",
                "' OR 1=1",
                "<x/>",
                "\x00",
            ]
        ),
        st.text(max_size=40),
    ),
    max_size=5,
)


@WEB
@given(args=oai_args, method=st.sampled_from(["get", "post"]))
def test_any_oai_request_answers_valid_oai_xml(client, wildcard_modules, oai_schema, args, method):
    response = getattr(client, method)("/oai", args)
    _check_oai(response, oai_schema)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "badVerb"),
        ("verb=Nope", "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ("verb=ListRecords", "badArgument"),
        ("verb=ListRecords&metadataPrefix=evil", "cannotDisseminateFormat"),
        ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
        ("verb=ListRecords&resumptionToken=%27%3B--", "badResumptionToken"),
        ("verb=GetRecord&metadataPrefix=oai_dc&identifier=..%2F..%2Fetc%2Fpasswd", None),
        ("verb=Identify&extra=1", "badArgument"),
    ],
)
def test_oai_errors_name_the_problem(client, wildcard_modules, oai_schema, query, code):
    codes = _check_oai(client.get(f"/oai?{query}"), oai_schema)
    if code is None:
        assert codes, "an unknown identifier must be an error"
    else:
        assert code in codes


# --- path traversal ----------------------------------------------------------------------------
TRAVERSALS = [
    "..%2f..%2fetc%2fpasswd",
    "..%2F..%2Fmarketplace%2Fsettings.py",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%252e%252e%252fetc%252fpasswd",
    "..%5c..%5cetc%5cpasswd",
    "....//....//etc/passwd",
    "%2e%2e",
    "..",
    "etc%2fpasswd%00",
    "%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
    "manage.py",
    ".env",
]
TRAVERSAL_PATHS = [
    "/modules/{}/",
    "/tools/{}/",
    "/api/v1/modules/{}/",
    "/api/v1/modules/{}/provenance/",
    "/api/v1/modules/{}/ai4-metadata.json",
    "/v1/catalog/modules/{}/metadata",
    "/v1/catalog/modules/{}/config?vo=vo.ai4eosc.eu",
    "/deployments/new/{}/",
    "/static/{}",
]


@pytest.mark.parametrize("template", TRAVERSAL_PATHS)
@pytest.mark.parametrize("name", TRAVERSALS)
def test_module_names_that_climb_out_are_not_found_never_files(client, db, template, name):
    response = client.get(template.format(name))
    assert response.status_code in (301, 302, 400, 404), response.status_code
    body = _body(response)
    for secret in (b"root:x:0:0", b"SECRET_KEY", b"DJANGO_SETTINGS_MODULE", b"import "):
        assert secret not in body


def test_unencoded_dot_segments_never_reach_a_file(client, db):
    for path in ("/modules/../../etc/passwd", "/static/../manage.py", "/oai/../../.env"):
        response = client.get(path)
        assert response.status_code in (301, 302, 400, 404)
        assert b"root:x:0:0" not in response.content


# --- oversized bodies --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/deployments/", "application/json"),
        ("/oai", "application/x-www-form-urlencoded"),
        ("/modules/", "application/x-www-form-urlencoded"),
    ],
)
def test_huge_request_bodies_get_a_clear_4xx_not_a_500(db, path, content_type):
    client = Client(enforce_csrf_checks=True)  # as a browser-less attacker meets the site
    if content_type == "application/json":
        body = '{"module": "' + "x" * (12 * 1024 * 1024) + '"}'
    else:
        body = "verb=Identify&" + "&".join(f"k{i}={'v' * 50}" for i in range(200_000))
    response = client.generic("POST", path, body, content_type=content_type)
    assert 400 <= response.status_code < 500, response.status_code


def test_many_form_fields_are_refused_clearly(client, db):
    body = "&".join(f"f{i}=1" for i in range(5000))
    response = client.generic(
        "POST", "/oai", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_percent_encoded_module_name_is_looked_up_literally(client, db):
    ModuleFactory(name="real-module")
    for name in (quote("real-module'--"), "real-module%25", "real-module%20", "real-module_"):
        response = client.get(f"/api/v1/modules/{name}/")
        assert response.status_code == 404
    # Names are found in any case (clients lower- or upper-case them), never by pattern.
    assert client.get("/api/v1/modules/REAL-MODULE/").json()["name"] == "real-module"
