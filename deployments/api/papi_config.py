"""The deployment form conf PAPI's `/config` route returns (its `etc/modules/user.yaml`).

`module_config(module, vo)` is the single place this is built. Docker tags come from the
harvest (newest first), not from a live Docker Hub call; hardware defaults are seeded from
the module's `resources.inference` and clamped to the ranges.
"""

from __future__ import annotations

import copy
from typing import Any

from django.conf import settings

from catalog.models import Module
from deployments.config import (
    DEFAULT_IMAGE,
    SERVICE_LABELS,
    docker_repository,
    is_federated_server,
    limits_for,
    papi_federated_sections,
    services_offered,
)

MODULE_CONF: dict[str, dict[str, dict[str, Any]]] = {
    "general": {
        "title": {
            "name": "Deployment title",
            "value": "",
            "description": (
                "Provide short title for this deployment (less than 45 characters). "
                "Useful when you have lots of different active deployments."
            ),
        },
        "desc": {
            "name": "Deployment description",
            "value": "",
            "description": "Provide some additional extended information about this deployment.",
        },
        "docker_image": {
            "name": "Docker image",
            "value": DEFAULT_IMAGE,
            "description": "Docker image to be used, e.g. `ai4oshub/ai4os-demo-app`.",
        },
        "docker_tag": {
            "name": "Docker tag",
            "value": "latest",
            "options": ["latest"],
            "description": "Docker tag to use; the options are the image's published tags.",
        },
        "service": {
            "name": "Service to run",
            "value": "deepaas",  # replaced by the deploy form's services (services_offered)
            "options": ["deepaas"],
            "description": "",
        },
        "jupyter_password": {
            "name": "IDE password",
            "value": "",
            "description": "Password for the IDE (JupyterLab or VS Code): at least 9 characters.",
        },
    },
    "hardware": {
        "cpu_num": {"name": "Number of CPUs", "value": 4, "range": [1, 10]},
        "gpu_num": {"name": "Number of GPUs", "value": 0, "range": [0, 1]},
        "gpu_type": {
            "name": "GPU model",
            "value": "",
            "options": [""],
            "description": "Leave empty for any model.",
        },
        "ram": {"name": "RAM memory (in MB)", "value": 8000, "range": [2000, 40000]},
        "disk": {"name": "Disk memory (in MB)", "value": 10000, "range": [1000, 50000]},
    },
    "storage": {
        "rclone_conf": {"name": "RCLONE configuration", "value": "/srv/.rclone/rclone.conf"},
        "rclone_url": {
            "name": "Storage URL",
            "value": "",
            "description": "WebDAV URL, e.g. `https://share.example/remote.php/dav/files/<user>`.",
        },
        "rclone_vendor": {"name": "RCLONE vendor", "value": "nextcloud", "options": ["nextcloud"]},
        "rclone_user": {"name": "Storage username", "value": ""},
        "rclone_password": {"name": "Storage password", "value": ""},
        "datasets": {
            "name": "Datasets",
            "value": [],
            "description": "Datasets to download: `[{doi, force_pull}]`, each a DOI or https URL.",
        },
    },
}


class DockerTagsUnavailable(Exception):
    """No tags are known for the module's image (PAPI: Docker Hub failed)."""

    def __init__(self, image: str):
        self.image = image
        super().__init__(f"Could not retrieve Docker tags from {image}.")


def _clamp(value: Any, low: int, high: int | None) -> int | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    value = int(value)
    if value < low:
        return low
    if high is not None and value > high:
        return high
    return value


def _services_description(services: list[str], labels: dict[str, str]) -> str:
    offered = ", ".join(f"{labels[s]} (`{s}`)" for s in services)
    return f"What the deployment runs: {offered}. JupyterLab and VS Code need an IDE password."


def module_config(module: Module, vo: str) -> dict[str, Any]:
    """The form conf for deploying `module` in `vo` (raises DockerTagsUnavailable)."""
    conf = copy.deepcopy(MODULE_CONF)
    hardware = conf["hardware"]
    # Ranges and defaults are the deploy form's (DEPLOY_LIMITS, with per-VO overrides), so
    # what PAPI clients are offered is exactly what a deployment will accept.
    for key, limit in limits_for("nomad", vo).items():
        if key in hardware:
            hardware[key].update(copy.deepcopy(limit))
    hardware["gpu_type"]["options"] = ["", *settings.DEPLOY_GPU_TYPES]
    if is_federated_server(module):  # PAPI's `flower` section, small CPU-only hardware
        federated = papi_federated_sections(module, vo)
        hardware = conf["hardware"] = {
            key: {**hardware[key], **limit} for key, limit in federated["hardware"].items()
        }
        conf.pop("storage")
        conf["flower"] = federated["flower"]

    image = docker_repository(module)
    tags = [t["name"] for t in module.docker_tags or [] if isinstance(t, dict) and t.get("name")]
    if not tags:
        raise DockerTagsUnavailable(image)
    general = conf["general"]
    general["docker_image"]["value"] = image
    general["docker_tag"]["options"] = tags
    general["docker_tag"]["value"] = tags[0]
    services = services_offered(module)
    general["service"].update(
        value=services[0],
        options=services,
        description=_services_description(services, SERVICE_LABELS),
    )

    inference = (module.resources or {}).get("inference") or {}
    warnings = []
    if isinstance(inference, dict):
        for key, wanted in (("cpu_num", inference.get("cpu")), ("ram", inference.get("memory_MB"))):
            low, high = hardware[key]["range"]
            seeded = _clamp(wanted, low, high)
            if seeded is not None:
                hardware[key]["value"] = seeded
                if seeded != int(wanted):
                    warnings.append(
                        f"The module asks for {wanted} {'CPUs' if key == 'cpu_num' else 'MB RAM'}"
                        f"; this VO allows {low}–{high}."
                    )
        gpus = inference.get("gpu")
        if (
            isinstance(gpus, int)
            and "gpu_num" in hardware
            and gpus > hardware["gpu_num"]["range"][1]
        ):
            warnings.append(
                f"The module asks for {gpus} GPU(s); at most "
                f"{hardware['gpu_num']['range'][1]} can be requested here."
            )
    if warnings:
        hardware["warning"] = " ".join(warnings)
    return conf
