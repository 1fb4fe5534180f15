"""The deployment configuration form definition (PAPI's user.yaml), per module and VO.

`deploy_config()` returns `{section: {key: Param}}`: defaults and ranges come
from settings (DEPLOY_LIMITS, per-VO overrides), seeded from the module's
recommended resources (clamped into range); Docker tags come from the harvested
`Module.docker_tags`; GPU models from DEPLOY_GPU_TYPES. The same definition
builds the HTML form, validates API requests and answers the `/config` route.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings

from catalog.models import Module
from deployments.federated_options import federated_options

flower = federated_options()  # the tool's `flower` section (federated_learning.options)

DEFAULT_IMAGE = "ai4oshub/ai4os-demo-app"
TITLE_MAX = 45
DESCRIPTION_MAX = 1000
PASSWORD_MIN = 9
IDE_SERVICES = ("jupyter", "vscode")
SERVICE_LABELS = {
    "deepaas": "DEEPaaS API",
    "jupyter": "JupyterLab",
    "vscode": "VS Code",
    "fedserver": "Federated server (Flower)",
}
# The federated-server tool's hardware (PAPI's user.yaml: small, CPU only).
FEDSERVER_HARDWARE = {
    "cpu_num": {"value": 1, "range": [1, 2]},
    "ram": {"value": 2000, "range": [2000, 8000]},
    "disk": {"value": 1000, "range": [1000, 2000]},
}
# What a Nomad deployment of each kind can run, the default first. The deploy form and
# PAPI's /config both read this (services_offered), so a PAPI client is offered exactly what
# the form offers. Modules run their API by default; tools (development environments) an
# IDE, VS Code first as in PAPI's etc/tools/ai4os-dev-env/user.yaml; the federated-server
# tool its Flower server first, as in PAPI's etc/tools/ai4os-federated-server/user.yaml.
SERVICES_BY_KIND = {"module": ("deepaas", *IDE_SERVICES), "tool": ("vscode", "jupyter")}
FEDSERVER_SERVICES = (flower.SERVICE, *IDE_SERVICES)
DEV_ENV_IMAGE = "ai4oshub/ai4os-dev-env"
_IMAGE_RE = re.compile(r"^[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[\w][\w.-]{0,127})?$")


@dataclass
class Param:
    name: str
    value: Any
    range: list[int | None] | None = None
    options: list[Any] | None = None
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


@dataclass
class DeployConfig:
    backend: str
    kind: str
    vo: str
    sections: dict[str, dict[str, Param]] = field(default_factory=dict)
    warning: str = ""

    def param(self, key: str) -> Param | None:
        for section in self.sections.values():
            if key in section:
                return section[key]
        return None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: {key: param.as_dict() for key, param in section.items()}
            for name, section in self.sections.items()
        }
        if self.warning:
            data.setdefault("hardware", {})["warning"] = self.warning
        return data


def docker_repository(module: Module) -> str:
    """`<owner>/<image>` from links.docker_image (or the docker_image field).

    The owner is forced to `ai4oshub` unless it is `deephdc`, as PAPI does.
    """
    raw = (module.links or {}).get("docker_image") or module.docker_image or ""
    if not isinstance(raw, str) or not raw.strip():
        return DEFAULT_IMAGE
    reference = raw.strip().rstrip("/")
    for prefix in ("https://hub.docker.com/r/", "http://hub.docker.com/r/", "docker.io/"):
        if reference.startswith(prefix):
            reference = reference[len(prefix) :]
    reference = reference.split("@", 1)[0]
    parts = reference.split("/")
    image = parts[-1].split(":", 1)[0]
    owner = parts[-2] if len(parts) >= 2 else ""
    if owner != "deephdc":
        owner = "ai4oshub"
    return f"{owner}/{image}"


def docker_image_of(module: Module | None) -> str:
    """`owner/image` of a module as PAPI deploys it (owner forced to ai4oshub unless
    deephdc); "" when there is no module."""
    return docker_repository(module) if module is not None else ""


def image_allowed(image: str) -> bool:
    return bool(_IMAGE_RE.match(image)) and image.startswith(
        tuple(settings.DEPLOY_ALLOWED_IMAGE_PREFIXES)
    )


def docker_tags_of(module: Module | None) -> list[str]:
    """Harvested tags, newest first as harvested; `latest` when none were harvested."""
    names = []
    for tag in (module.docker_tags if module else None) or []:
        name = tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(name, str) and name and name not in names:
            names.append(name)
    return names or ["latest"]


def services_offered(module: Module | None) -> list[str]:
    """The services a Nomad deployment of this module or tool offers, the default first."""
    if is_federated_server(module):
        return list(FEDSERVER_SERVICES)
    kind = module.kind if module is not None else "tool"
    return list(SERVICES_BY_KIND.get(kind, SERVICES_BY_KIND["module"]))


def limits_for(backend: str, vo: str) -> dict[str, dict[str, Any]]:
    base = settings.DEPLOY_LIMITS.get(backend, {})
    merged = {key: dict(value) for key, value in base.items()}
    if backend == "nomad":
        for key, value in settings.DEPLOY_LIMITS.get("vo", {}).get(vo, {}).items():
            merged[key] = {**merged.get(key, {}), **value}
    return merged


def _clamp(value: Any, bounds: list[int | None]) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    low, high = bounds
    if low is not None:
        number = max(number, low)
    if high is not None:
        number = min(number, high)
    return number


def deploy_config(
    *, module: Module | None, backend: str = "nomad", vo: str = "", service: str = ""
) -> DeployConfig:
    """The form definition for deploying `module` on `backend` in `vo`."""
    kind = "oscar" if backend == "oscar" else (module.kind if module else "tool")
    config = DeployConfig(backend=backend, kind=kind, vo=vo)
    image = docker_image_of(module) or (DEV_ENV_IMAGE if kind == "tool" else "")
    general = {
        "title": Param("Deployment title", "", description=f"At most {TITLE_MAX} characters."),
        "desc": Param("Deployment description", ""),
        "docker_image": Param("Docker image", image),
        "docker_tag": Param(
            "Docker tag", docker_tags_of(module)[0], options=docker_tags_of(module)
        ),
    }
    federated = is_federated_server(module) and backend == "nomad"
    if backend == "nomad":
        services = services_offered(module)
        default = service if service in services else services[0]
        general["service"] = Param("Service", default, options=services)
        general["jupyter_password"] = Param(
            "IDE password", "", description=f"At least {PASSWORD_MIN} characters."
        )
        general["hostname"] = Param(
            "Hostname", "", description="Optional; defaults to the deployment ID."
        )
    config.sections["general"] = general

    limits = FEDSERVER_HARDWARE if federated else limits_for(backend, vo)
    recommended = (module.resources or {}).get("inference", {}) if module else {}
    seeds = {
        "cpu_num": recommended.get("cpu"),
        "ram": recommended.get("memory_MB"),
        "disk": recommended.get("storage_MB"),
        "gpu_num": recommended.get("gpu"),
    }
    names = {
        "cpu_num": "CPU cores",
        "ram": "RAM (MB)",
        "disk": "Disk (MB)",
        "gpu_num": "GPUs",
    }
    hardware: dict[str, Param] = {}
    warnings = []
    for key, label in names.items():
        if key not in limits:
            continue
        bounds = list(limits[key].get("range") or [None, None])
        default = _clamp(limits[key].get("value"), bounds)
        seeded = _clamp(seeds[key], bounds) if seeds[key] is not None else None
        if seeded is not None:
            default = seeded
            if seeds[key] != seeded and bounds[1] is not None and int(seeds[key]) > bounds[1]:
                warnings.append(
                    f"The module recommends {seeds[key]} {label.lower()}; "
                    f"at most {bounds[1]} can be requested here."
                )
        hardware[key] = Param(label, default, range=bounds)
    if "gpu_num" in hardware:
        hardware["gpu_type"] = Param(
            "GPU model",
            "",
            options=["", *settings.DEPLOY_GPU_TYPES],
            description="Any model if empty.",
        )
    config.sections["hardware"] = hardware
    config.warning = " ".join(warnings)

    if federated:
        config.sections["flower"] = {
            key: Param(
                option.name,
                option.value,
                range=list(option.range) if option.range else None,
                options=list(option.options) if option.options else None,
                description=option.description,
            )
            for key, option in flower.OPTIONS.items()
        }
    elif backend == "nomad":
        config.sections["storage"] = {
            "rclone_url": Param(
                "Storage URL",
                "",
                description="WebDAV, e.g. https://share.example/remote.php/dav/files/<user>",
            ),
            "rclone_user": Param("Storage user", ""),
            "rclone_password": Param("Storage password", ""),
        }
    return config


def papi_federated_sections(module: Module, vo: str) -> dict[str, dict[str, Any]]:
    """What PAPI's /config says differently for the federated-server tool: its small CPU-only
    hardware (value and range per key) and its `flower` section, both read off the deploy
    form's own config so a PAPI client is offered exactly what the form accepts."""
    form = deploy_config(module=module, backend="nomad", vo=vo)
    return {
        "hardware": {
            key: {"value": param.value, "range": param.range}
            for key, param in form.sections["hardware"].items()
        },
        "flower": {key: param.as_dict() for key, param in form.sections["flower"].items()},
    }


def is_federated_server(module: Module | None) -> bool:
    return module is not None and module.kind == "tool" and module.name == flower.TOOL_NAME


def deployable_vos(user) -> list[str]:
    """The user's VOs this site deploys to, in the order the identity provider gave them."""
    allowed = set(settings.DEPLOY_VOS)
    return [vo for vo in (getattr(user, "vos", None) or []) if vo in allowed]
