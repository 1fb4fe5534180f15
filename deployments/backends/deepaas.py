"""Calls on a running DEEPaaS API (v2) of a Nomad deployment: its model, its predict
arguments, and a prediction.

Where the API answers: through the Traefik router (`https://api-<host>.<domain>`) on a
cluster, or straight at the allocation's `api` port read from Nomad
(`DEPLOY_DEEPAAS_ACCESS="allocation"`, the sandbox, where the real DEEPaaS server runs on
loopback). The input is the one PAPI's OSCAR script takes (deployments.inference_input:
keys → predict arguments, files → uploaded files), so Try it, the demo traffic and the OIP
gateway hand every backend the same input.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
import urllib3
from django.conf import settings
from requests.utils import select_proxy
from urllib3.filepost import encode_multipart_formdata

from deployments.backends.base import PermanentBackendError, TransientBackendError
from deployments.inference_input import ModelInput
from marketplace.kept_answers import KeptAnswers

if TYPE_CHECKING:
    from deployments.models import Deployment

# A DEEPaaS API's model and arguments do not change while it runs, nor does its
# allocation's address: ask once a minute, not on every inference, one caller at a time
# (marketplace.kept_answers); forgotten on a failure.
_CACHE_SECONDS = 60.0
_models: KeptAnswers[DeepaasModel] = KeptAnswers(_CACHE_SECONDS)
_addresses: KeptAnswers[str] = KeptAnswers(_CACHE_SECONDS)
# Kept-alive connections to the APIs (each inference would otherwise open one). The proxy
# and CA settings of the environment are read once per API (`_route`), not by requests on
# every call (that scan of os.environ cost about a millisecond per inference). A call that
# goes through no proxy is sent on the urllib3 connection pool requests' own adapter picks
# for the API (same TLS verification, same kept-alive connections) without requests'
# per-call preparation and response building (about 0.45 ms of CPU per inference,
# benchmarks/oip_gateway_cpu.py); through a proxy, requests sends it.
_session = requests.Session()
_session.trust_env = False
_environment_session = requests.Session()
_POOL_TIMEOUT_ERRORS = (urllib3.exceptions.TimeoutError,)
_POOL_ERRORS = (urllib3.exceptions.HTTPError, OSError)


@dataclass(frozen=True)
class _Route:
    environment: dict[str, Any]  # proxies, verify, cert, as requests reads them
    probe: requests.PreparedRequest  # what requests' adapter picks the origin's pool by
    proxied: bool


@functools.lru_cache(maxsize=512)
def _route(origin: str) -> _Route:
    """How calls to `origin` go, from the proxies, CA bundle and certificate the
    environment sets for it."""
    environment = _environment_session.merge_environment_settings(origin, {}, None, None, None)
    probe = requests.Request("GET", origin + "/").prepare()
    proxied = bool(select_proxy(probe.url, environment["proxies"]))
    return _Route(environment, probe, proxied)


@dataclass(frozen=True)
class _Answer:
    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class PredictArgument:
    name: str
    kind: str  # file, integer, number, string, boolean
    required: bool
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    description: str = ""


@dataclass(frozen=True)
class DeepaasModel:
    name: str
    arguments: tuple[PredictArgument, ...]


def api_base(deployment: Deployment) -> str:
    if settings.DEPLOY_DEEPAAS_ACCESS == "allocation":
        from deployments.backends.nomad import allocation_ports

        def ask() -> str:
            try:
                ports = allocation_ports(deployment)
            except LookupError as exc:
                raise TransientBackendError(str(exc)) from exc
            if "api" not in ports:
                raise TransientBackendError("The deployment's DEEPaaS API has no port yet.")
            return f"http://{ports['api']}"

        return _addresses.get(str(deployment.pk), ask)
    url = (deployment.endpoints or {}).get("api", "")
    if not url:
        raise PermanentBackendError("This deployment has no DEEPaaS API endpoint.")
    return url.removesuffix("/ui").rstrip("/")


def _call(
    method: str,
    url: str,
    *,
    timeout: float,
    params: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes]] | None = None,
    headers: dict[str, str] | None = None,
) -> _Answer:
    origin = "/".join(url.split("/", 3)[:3])
    route = _route(origin)
    try:
        if route.proxied:
            answer = _through_requests(method, url, route, timeout, params, files, headers)
        else:
            answer = _through_pool(method, url, route, timeout, params, files, headers)
    except urllib3.exceptions.NewConnectionError as exc:  # urllib3 files it under timeouts
        raise _unreachable(url, exc) from exc
    except (requests.Timeout, *_POOL_TIMEOUT_ERRORS) as exc:
        raise TransientBackendError("The DEEPaaS API did not answer in time.") from exc
    except (requests.RequestException, *_POOL_ERRORS) as exc:
        raise _unreachable(url, exc) from exc
    if answer.status_code >= 500:
        raise TransientBackendError(f"The DEEPaaS API failed (HTTP {answer.status_code}).")
    if answer.status_code >= 400:
        raise PermanentBackendError(
            f"The DEEPaaS API refused the request (HTTP {answer.status_code}: "
            f"{answer.text.strip()[:300]})."
        )
    return answer


def _unreachable(url: str, exc: Exception) -> TransientBackendError:
    _forget(url)
    return TransientBackendError(f"The DEEPaaS API cannot be reached ({type(exc).__name__}).")


def _through_pool(method, url, route, timeout, params, files, headers) -> _Answer:
    environment = route.environment
    pool = _session.get_adapter(url).get_connection_with_tls_context(
        route.probe, environment["verify"], proxies=environment["proxies"], cert=environment["cert"]
    )
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    if params:
        path += ("&" if "?" in path else "?") + urlencode(params)
    headers = dict(headers or {})
    body = None
    if files:
        body, headers["Content-Type"] = encode_multipart_formdata(files)
    response = pool.urlopen(
        method,
        path,
        body=body,
        headers=headers,
        retries=False,
        redirect=False,
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        preload_content=True,
    )
    return _Answer(response.status, response.data.decode("utf-8", "replace"))


def _through_requests(method, url, route, timeout, params, files, headers) -> _Answer:
    response = _session.request(
        method,
        url,
        params=params,
        files=files,
        headers=headers,
        timeout=timeout,
        **route.environment,
    )
    return _Answer(response.status_code, response.text)


def _forget(url: str) -> None:
    """An API that stopped answering may have moved (a new allocation): ask Nomad again."""
    _addresses.forget(lambda _deployment, base: url.startswith(base))
    _models.forget(lambda base, _model: url.startswith(base))


def describe(base: str) -> DeepaasModel:
    """The first model the API serves and its predict arguments (from its OpenAPI document)."""
    return _models.get(base, lambda: _read_model(base))


def _read_model(base: str) -> DeepaasModel:
    timeout = settings.DEPLOY_INFERENCE_TIMEOUT
    try:
        models = _call("GET", f"{base}/v2/models/", timeout=timeout).json()["models"]
        name = str(models[0]["id"])
        spec = _call("GET", f"{base}/swagger.json", timeout=timeout).json()
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise PermanentBackendError("The DEEPaaS API's model list could not be read.") from exc
    operation = (spec.get("paths") or {}).get(f"/v2/models/{name}/predict/", {}).get("post", {})
    arguments = tuple(
        _argument(p) for p in operation.get("parameters") or [] if p.get("in") != "header"
    )
    return DeepaasModel(name, arguments)


def _argument(parameter: dict[str, Any]) -> PredictArgument:
    kind = "file" if parameter.get("type") == "file" else str(parameter.get("type") or "string")
    return PredictArgument(
        name=str(parameter.get("name")),
        kind=kind,
        required=bool(parameter.get("required")),
        choices=tuple(str(c) for c in parameter.get("enum") or ()),
        minimum=parameter.get("minimum"),
        maximum=parameter.get("maximum"),
        default=parameter.get("default"),
        description=str(parameter.get("description") or "")[:300],
    )


def model_answer(answer: Any) -> Any:
    """The model's own answer inside a DEEPaaS predict answer (parsed JSON). DEEPaaS wraps the
    answer of a model that declares no response schema as {"status": "OK", "predictions":
    <answer>}; any other answer is the model's as it is."""
    if (
        isinstance(answer, dict)
        and "status" in answer
        and isinstance(answer.get("predictions"), dict)
    ):
        return answer["predictions"]
    return answer


def predict(base: str, model_input: ModelInput, *, timeout: float | None = None) -> str:
    """Run a prediction on `model_input`; the API's answer as text."""
    model = describe(base)
    files = {
        file.key: (f"input.{file.extension or 'bin'}", file.data) for file in model_input.files
    }
    query = {
        key: json.dumps(value) if isinstance(value, list | dict) else str(value)
        for key, value in model_input.arguments.items()
    }
    response = _call(
        "POST",
        f"{base}/v2/models/{model.name}/predict/",
        params=query,
        files=files or None,
        headers={"Accept": "application/json"},
        timeout=timeout or settings.DEPLOY_INFERENCE_TIMEOUT,
    )
    return response.text
