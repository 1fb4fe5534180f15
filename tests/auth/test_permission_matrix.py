"""Every write route of the site × every role gets exactly the expected status (pretix habit).

Roles sign in for real: pages through the loopback OpenID provider (session + CSRF token),
API calls with the provider's access tokens. The routes come from the URLconf: a route that
accepts POST/PUT/PATCH/DELETE without an entry in MATRIX (or READ_ONLY_POSTS) fails
`test_every_write_route_is_in_the_matrix`, so a new write route cannot slip in untested.

Roles: anonymous; user (member of vo.ai4eosc.eu); other_curator (curator of
vo.imagine-ai.eu, which does not curate the test module); curator (curator of
vo.ai4eosc.eu); admin (ai-exchange:admin, no VO).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from catalog.curation.edits import edit_fields
from deployments.models import Deployment
from marketplace.models import ApiToken, AuditEvent
from pipelines.models import Pipeline, PipelineRun, PipelineVersion
from tests.curation.helpers import form_data, harvest
from tests.fixtures.auth import VO

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "user", "other_curator", "curator", "admin")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_SECRET = "matrix" + "x" * 26  # 32 characters: a valid CSRF cookie value


@dataclasses.dataclass
class World:
    module: object
    deployment: Deployment
    edit_form: dict
    pipeline: object = None  # owned by "user"
    pipeline_run: object = None  # of that pipeline, by "user"


@dataclasses.dataclass(frozen=True)
class Route:
    expect: dict[str, int]
    kwargs: Callable[[World], dict] = lambda world: {}
    data: Callable[[World], dict] = lambda world: {}
    api: bool = False


def _source_record(world, *, joined: bool = False) -> dict[str, str]:
    """A Hugging Face record on an entry of its own (to merge), or joined to the module."""
    from django.utils import timezone

    from catalog.models import Module, SourceRecord

    entry, _ = Module.objects.get_or_create(
        name="hf-matrix-model", defaults={"origin": "huggingface"}
    )
    now = timezone.now()
    SourceRecord.objects.update_or_create(
        kind="huggingface",
        record_id="matrix/model",
        defaults={
            "module": world.module if joined else entry,
            "fetched_at": now,
            "checked_at": now,
        },
    )
    return {"kind": "huggingface", "record_id": "matrix/model"}


def same_for_all(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


CURATION_PAGE = {"anonymous": 302, "user": 403, "other_curator": 403, "curator": 302, "admin": 302}
CURATION_API = {"anonymous": 401, "user": 403, "other_curator": 403, "curator": 200, "admin": 200}
SIGNED_IN = {"anonymous": 302, "user": 200, "other_curator": 200, "curator": 200, "admin": 200}
OWNER_PAGE = {"anonymous": 302, "user": 302, "other_curator": 404, "curator": 404, "admin": 404}
module_kwargs = lambda world: {"name": world.module.name}  # noqa: E731
deployment_kwargs = lambda world: {"pk": world.deployment.pk}  # noqa: E731
pipeline_kwargs = lambda world: {"pipeline": world.pipeline.name}  # noqa: E731


def oip_kwargs(world) -> dict:
    from deployments.oip.metadata import model_name

    return {"pk": world.deployment.pk, "model": model_name(world.deployment)}


SIGNED_IN_400 = {"anonymous": 302, "user": 400, "other_curator": 400, "curator": 400, "admin": 400}
API_SIGNED_IN_400 = {**SIGNED_IN_400, "anonymous": 401}

MATRIX: dict[tuple[str, str], Route] = {
    # --- curation pages -------------------------------------------------------------------
    ("curation:edit", "POST"): Route(
        CURATION_PAGE,
        module_kwargs,
        lambda world: {**world.edit_form, "title": "Matrix title", "reason": "matrix"},
    ),
    ("curation:upstream", "POST"): Route(
        CURATION_PAGE,
        module_kwargs,
        lambda world: {"field": "summary", "decision": "keep", "reason": "matrix"},
    ),
    ("curation:moderate", "POST"): Route(
        CURATION_PAGE, module_kwargs, lambda world: {"action": "feature", "reason": "matrix"}
    ),
    ("curation:restore", "POST"): Route(
        CURATION_PAGE,
        lambda world: {"name": world.module.name, "number": 1},
        lambda world: {"reason": "matrix"},
    ),
    # --- curation API ---------------------------------------------------------------------
    ("curation-api:fields", "PATCH"): Route(
        CURATION_API,
        module_kwargs,
        lambda world: {"fields": {"title": "Matrix title"}, "reason": "matrix"},
        api=True,
    ),
    ("curation-api:upstream", "POST"): Route(
        CURATION_API,
        module_kwargs,
        lambda world: {"field": "summary", "decision": "keep", "reason": "matrix"},
        api=True,
    ),
    ("curation-api:moderation", "POST"): Route(
        CURATION_API,
        module_kwargs,
        lambda world: {"action": "feature", "reason": "matrix"},
        api=True,
    ),
    ("curation-api:restore", "POST"): Route(
        CURATION_API, module_kwargs, lambda world: {"revision": 1, "reason": "matrix"}, api=True
    ),
    ("curation:sources", "POST"): Route(
        CURATION_PAGE,
        module_kwargs,
        lambda world: {"action": "merge", **_source_record(world), "reason": "matrix"},
    ),
    ("curation-api:source-merge", "POST"): Route(
        CURATION_API,
        module_kwargs,
        lambda world: {**_source_record(world), "reason": "matrix"},
        api=True,
    ),
    ("curation-api:source-split", "POST"): Route(
        CURATION_API,
        module_kwargs,
        lambda world: {**_source_record(world, joined=True), "reason": "matrix"},
        api=True,
    ),
    # --- accounts -------------------------------------------------------------------------
    ("accounts-account", "POST"): Route(SIGNED_IN, data=lambda world: {"name": "matrix"}),
    # Signing out is open to all (and harmless); it still needs the CSRF token.
    ("oidc_logout", "POST"): Route(same_for_all(302)),
    # Sign-in itself: the admin's login form hands over to the identity provider.
    ("admin-login", "POST"): Route(same_for_all(302)),
    # The demo's sign-in does not exist outside SANDBOX_MODE.
    ("sandbox-login", "POST"): Route(same_for_all(404), data=lambda world: {"profile": "user"}),
    # --- deployments (pages): any signed-in person may open the deploy form; only the
    # owner ("user") reaches their deployment, others get 404 -------------------------------
    ("deployments:new", "POST"): Route(SIGNED_IN, lambda world: {"module_name": world.module.name}),
    ("deployments:delete", "POST"): Route(OWNER_PAGE, deployment_kwargs),
    # Making a deployment's citation record public (or private again): the owner only.
    ("deployments:publish", "POST"): Route(OWNER_PAGE, deployment_kwargs),
    # Try it: the matrix deployment is not running, so its owner is sent back to its page
    # with a message; nobody else learns that it exists.
    ("deployments:run", "POST"): Route(OWNER_PAGE, deployment_kwargs),
    # --- deployments (API) ----------------------------------------------------------------
    ("deployments-api:list", "POST"): Route(
        {"anonymous": 401, "user": 400, "other_curator": 400, "curator": 400, "admin": 400},
        api=True,
    ),
    ("deployments-api:detail", "DELETE"): Route(
        {"anonymous": 401, "user": 202, "other_curator": 404, "curator": 404, "admin": 404},
        deployment_kwargs,
        api=True,
    ),
    ("deployments-papi:list", "POST"): Route(
        {"anonymous": 401, "user": 200, "other_curator": 200, "curator": 200, "admin": 200},
        lambda world: {"kind": "modules"},
        api=True,
    ),
    ("deployments-papi:detail", "DELETE"): Route(
        {"anonymous": 401, "user": 200, "other_curator": 400, "curator": 400, "admin": 400},
        lambda world: {"kind": "modules", "pk": str(world.deployment.pk)},
        api=True,
    ),
    # --- pipelines: anyone signed in builds and runs (an empty form is a 400); only the
    # owner ("user") edits or deletes; the editor page hides others' pipelines (404), the
    # API, where pipelines are public, says 403 -----------------------------------------------
    ("pipelines:new", "POST"): Route(SIGNED_IN_400),
    ("pipelines:edit", "POST"): Route(
        {"anonymous": 302, "user": 400, "other_curator": 404, "curator": 404, "admin": 404},
        pipeline_kwargs,
    ),
    ("pipelines:run", "POST"): Route(SIGNED_IN_400, pipeline_kwargs),
    # A run's citation record, like the run itself, is its owner's to publish.
    ("pipelines:run-publish", "POST"): Route(
        OWNER_PAGE, lambda world: {"run_id": world.pipeline_run.pk}
    ),
    ("pipelines-api:list", "POST"): Route(API_SIGNED_IN_400, api=True),
    ("pipelines-api:validate", "POST"): Route(API_SIGNED_IN_400, api=True),
    ("pipelines-api:runs", "POST"): Route(API_SIGNED_IN_400, pipeline_kwargs, api=True),
    ("pipelines-api:detail", "PUT"): Route(
        {"anonymous": 401, "user": 400, "other_curator": 403, "curator": 403, "admin": 403},
        pipeline_kwargs,
        api=True,
    ),
    ("pipelines-api:detail", "DELETE"): Route(
        {"anonymous": 401, "user": 204, "other_curator": 403, "curator": 403, "admin": 403},
        pipeline_kwargs,
        api=True,
    ),
    # --- monitoring (pages): only the owner reaches a deployment's monitoring -------------
    ("monitoring:settings", "POST"): Route(
        {"anonymous": 302, "user": 400, "other_curator": 404, "curator": 404, "admin": 404},
        deployment_kwargs,
    ),
    ("monitoring:token", "POST"): Route(OWNER_PAGE, deployment_kwargs),
    ("monitoring:check", "POST"): Route(OWNER_PAGE, deployment_kwargs),
    # Sent without a count, the owner's form is shown again with the message on its field.
    ("monitoring:reset-reference", "POST"): Route(
        {"anonymous": 302, "user": 400, "other_curator": 404, "curator": 404, "admin": 404},
        deployment_kwargs,
    ),
    # The demo generator exists in the sandbox only (SANDBOX_MODE is off here).
    ("monitoring:sample-traffic", "POST"): Route(
        {"anonymous": 302, "user": 404, "other_curator": 404, "curator": 404, "admin": 404},
        deployment_kwargs,
    ),
    ("monitoring:notifications", "POST"): Route(same_for_all(302)),
    # --- monitoring (collector): the deployment's collector token only; no person's
    # credentials open it (the matrix deployment has no token yet) -------------------------
    ("monitoring-api:summaries", "POST"): Route(
        {"anonymous": 401, "user": 403, "other_curator": 403, "curator": 403, "admin": 403},
        deployment_kwargs,
        lambda world: {"summaries": [{"features": {"x": 1}}]},
        api=True,
    ),
    ("monitoring-api:feedback", "POST"): Route(
        {"anonymous": 401, "user": 403, "other_curator": 403, "curator": 403, "admin": 403},
        deployment_kwargs,
        lambda world: {"feedback": [{"id": 1, "correct": True}]},
        api=True,
    ),
    # --- the Open Inference Protocol gateway: the deployment's owner only ----------------------
    ("oip:infer", "POST"): Route(
        {"anonymous": 401, "user": 400, "other_curator": 404, "curator": 404, "admin": 404},
        oip_kwargs,
        api=True,
    ),
    # Version "1" is not the version the model runs: the protocol's 404 even for its owner.
    ("oip:version-infer", "POST"): Route(
        {"anonymous": 401, "user": 404, "other_curator": 404, "curator": 404, "admin": 404},
        lambda world: {**oip_kwargs(world), "version": "1"},
        api=True,
    ),
    # GitHub's push webhook answers GitHub's signature only, never a person's credentials;
    # without GITHUB_WEBHOOK_SECRET (as here) it does not exist (404).
    ("api:github-webhook", "POST"): Route(same_for_all(404), api=True),
    # PAPI's catalog refresh takes the Jenkins token only: no person's credentials open it.
    ("papi:refresh", "PUT"): Route(same_for_all(401), lambda world: {"kind": "modules"}, api=True),
}

# Routes that accept POST but change nothing, with the reason.
READ_ONLY_POSTS = {
    ("fair:oai", "POST"): "OAI-PMH allows every verb by POST; all verbs are reads",
}
# Routes without a name, which cannot be reversed; with the reason they are not writes.
UNNAMED_READ_ONLY = {
    "^v1/catalog/(?P<kind>modules|tools)/(.+/)?$": "PAPI's 404 for unknown catalog paths",
}


# --- the routes of the URLconf --------------------------------------------------------------
def url_patterns(patterns=None, prefix="", namespace=None):
    """(route, name, callback) for every route outside Django admin (which has its own)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield prefix + str(pattern.pattern), name, pattern.callback


def declared_methods(callback) -> set[str] | None:
    """The HTTP methods a view declares, or None when it takes any method."""
    if hasattr(callback, "cls"):  # DRF
        actions = getattr(callback, "actions", None)
        if actions:
            return {method.upper() for method in actions}
        return {m.upper() for m in callback.cls.http_method_names if hasattr(callback.cls, m)}
    if hasattr(callback, "view_class"):  # Django class-based views
        cls = callback.view_class
        return {m.upper() for m in cls.http_method_names if hasattr(cls, m)}
    view = callback
    for _ in range(20):  # through the decorators to require_http_methods, if any
        try:
            closure = inspect.getclosurevars(view).nonlocals
        except TypeError:
            closure = {}
        if "request_method_list" in closure:
            return set(closure["request_method_list"])
        view = getattr(view, "__wrapped__", None)
        if view is None:
            return None
    return None


def sample_kwargs(route: str, world: World) -> dict:
    values = {
        "name": world.module.name,
        "module_name": world.module.name,
        "pk": world.deployment.pk,
        "number": 1,
        "kind": "modules",
        "fmt": "json",
        "job_name": "job",
        "pipeline": world.pipeline.name,
        "run_id": "00000000-0000-0000-0000-000000000000",
    }
    names = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)
    return {a or b: values[a or b] for a, b in names}


def write_routes(world: World) -> set[tuple[str, str]]:
    found = set()
    probe = Client()  # anonymous, CSRF not enforced: only the method handling is asked
    for route, name, callback in url_patterns():
        methods = declared_methods(callback)
        if methods is None:
            if name is None:
                assert route in UNNAMED_READ_ONLY, f"unnamed route {route} takes any method"
                continue
            # A view that takes any method: it is a write route if POST does not answer
            # exactly as GET does.
            url = reverse(name, kwargs=sample_kwargs(route, world))
            get, post = probe.get(url), probe.post(url)
            if (get.status_code, get.get("Content-Type")) == (
                post.status_code,
                post.get("Content-Type"),
            ):
                continue
            methods = {"POST"}
        found |= {(name or route, method) for method in methods & WRITE_METHODS}
    return found


# --- the world every cell starts from -------------------------------------------------------
@pytest.fixture
def world(oidc_settings):
    User = get_user_model()
    module = harvest("matrix-module")
    setup_admin = User.objects.create(username="setup-admin", is_superuser=True, is_staff=True)
    edit_fields(module=module, author=setup_admin, changes={"summary": "Curated"}, reason="setup")
    owner = User.objects.create(username="matrix-owner", oidc_sub="matrix-user", vos=[VO])
    deployment = Deployment.objects.create(
        owner=owner, vo=VO, module=module, docker_image="ai4oshub/plankton", title="matrix"
    )
    setup = Client()
    # Only to read the form a browser would post; the roles below sign in for real.
    setup.force_login(setup_admin, backend="django.contrib.auth.backends.ModelBackend")
    edit_form = form_data(setup.get(f"/modules/{module.name}/curate/"))
    assert edit_form["title"] == "Plankton classifier"
    edit_form.pop("csrfmiddlewaretoken", None)
    pipeline = Pipeline.objects.create(name="matrix-pipeline", title="Matrix", owner=owner)
    version = PipelineVersion.objects.create(
        pipeline=pipeline,
        number=1,
        definition={
            "input_type": "Image",
            "steps": [{"id": "a", "kind": "module", "module": module.name, "inputs": []}],
        },
        yaml=f"steps:\n- id: a\n  module: {module.name}\n",
    )
    run = PipelineRun.objects.create(pipeline=pipeline, version=version, owner=owner)
    return World(
        module=module,
        deployment=deployment,
        edit_form=edit_form,
        pipeline=pipeline,
        pipeline_run=run,
    )


SUBS = {"user": "matrix-user", "other_curator": "matrix-other", "curator": "matrix-curator"}


def page_client(role, oidc_login) -> Client:
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        oidc_login(client, SUBS.get(role, f"matrix-{role}"), role=role)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


def api_headers(role, oidc_access_token) -> dict:
    if role == "anonymous":
        return {}
    token = oidc_access_token(SUBS.get(role, f"matrix-{role}"), role=role)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


CELLS = [(key, role) for key in MATRIX for role in ROLES]


@pytest.mark.parametrize(("key", "role"), CELLS, ids=[f"{k[0]}-{k[1]}-{r}" for k, r in CELLS])
def test_write_route_answers_each_role_as_expected(key, role, world, oidc_login, oidc_access_token):
    name, method = key
    route = MATRIX[key]
    url = reverse(name, kwargs=route.kwargs(world))
    if route.api:
        response = Client().generic(
            method,
            url,
            json.dumps(route.data(world)),
            content_type="application/json",
            **api_headers(role, oidc_access_token),
        )
    else:
        client = page_client(role, oidc_login)
        data = {**route.data(world), "csrfmiddlewaretoken": CSRF_SECRET}
        response = client.generic(
            method, url, _urlencode(data), content_type="application/x-www-form-urlencoded"
        )

    assert response.status_code == route.expect[role], re.findall(
        rb"(?:errorlist|notice-error)[^>]*>.{0,300}", getattr(response, "content", b""), re.S
    )
    if not route.api and route.expect[role] == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=") or name in (
            "oidc_logout",
            "admin-login",
        )


def _urlencode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data, doseq=True)


def test_every_write_route_is_in_the_matrix(world):
    found = write_routes(world)

    missing = sorted(found - set(MATRIX) - set(READ_ONLY_POSTS))
    stale = sorted(set(MATRIX) - found)
    assert not missing, f"write routes without a permission matrix entry: {missing}"
    assert not stale, f"matrix entries for routes that no longer take that method: {stale}"


WEB_WRITES = [key for key, route in MATRIX.items() if not route.api]


@pytest.mark.parametrize("key", WEB_WRITES, ids=["-".join(key) for key in WEB_WRITES])
def test_web_writes_refuse_a_request_without_the_csrf_token(key, world, oidc_login):
    name, method = key
    route = MATRIX[key]
    client = Client(enforce_csrf_checks=True)
    oidc_login(client, "matrix-curator", role="curator")
    before = (AuditEvent.objects.count(), ApiToken.objects.count())

    response = client.generic(
        method,
        reverse(name, kwargs=route.kwargs(world)),
        _urlencode(route.data(world)),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert (AuditEvent.objects.count(), ApiToken.objects.count()) == before


def test_a_web_write_address_opened_as_a_page_is_a_page_back_to_its_form(world, oidc_login):
    """A GET on an address that only takes a form's POST (after a reload, from a bookmark:
    Try it's result is drawn at /deployments/<id>/run/) is a 405 that still has its Allow
    header, and a page linking to the page the form is on, not an empty answer the browser
    shows as its own error."""
    client = Client()
    oidc_login(client, "matrix-curator", role="curator")
    post_only = 0
    for name, method in WEB_WRITES:
        url = reverse(name, kwargs=MATRIX[(name, method)].kwargs(world))
        response = client.get(url)
        if response.status_code != 405:
            continue  # the address is a page too (its form posts to itself), or a redirect
        post_only += 1
        html = response.content.decode()
        parent = url.rstrip("/").rsplit("/", 1)[0] + "/"
        assert response["Allow"] and response["Content-Type"].startswith("text/html"), url
        assert f'href="{parent}"' in html and "Nothing to show at this address" in html, url
    assert post_only >= 10
