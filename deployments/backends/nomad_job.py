"""The Nomad job for a deployment, built from a per-service template (PAPI's nomad.hcl).

Jobs are built as API JSON, not HCL: registering JSON needs no `/v1/jobs/parse`
round trip and the sandbox emulator accepts it unchanged. The shape follows
PAPI's `etc/modules/nomad.hcl`: one group `usergroup`, the `main` task running
`deep-start --<service>`, sidecars only where needed (storage mount when storage
credentials are given, the Gradio UI for DEEPaaS), Traefik tags for endpoints, and one
`dataset_download_<i>` prestart task per dataset the deployment names (PAPI's template).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from deployments.federated_options import federated_options

if TYPE_CHECKING:
    from deployments.models import Deployment

flower = federated_options()  # the tool's `flower` section (federated_learning.options)

GROUP = "usergroup"
MAIN_TASK = "main"
# Port label → container port (PAPI's template).
PORTS = {"api": 5000, "monitor": 6006, "ide": 8888, "ui": 80, "fedserver": 5000}
# Which ports each service exposes, and which one the "open" button uses.
SERVICE_PORTS = {
    "deepaas": (("api", "monitor", "ui"), "api"),
    "jupyter": (("ide", "monitor"), "ide"),
    "vscode": (("ide", "monitor"), "ide"),
}
# The federated-server tool exposes the same three ports whatever its service (PAPI's
# template): Flower's gRPC, the monitor (our status JSON) and the IDE.
FEDERATED_PORTS = ("fedserver", "monitor", "ide")
STORAGE_IMAGE = "ghcr.io/ai4os/rclone:1.68"
UI_IMAGE = "ai4oshub/deepaas-ui:latest"
LOST_AFTER_NS = 48 * 3600 * 10**9


def is_federated(deployment: Deployment) -> bool:
    """A federated-server deployment: its form recorded the `flower` options."""
    return "flower" in (deployment.config or {})


def ports_of(deployment: Deployment) -> tuple[tuple[str, ...], str]:
    """(port labels, main label) of the deployment's service."""
    if is_federated(deployment):
        main = "fedserver" if deployment.service == flower.SERVICE else "ide"
        return FEDERATED_PORTS, main
    return SERVICE_PORTS[deployment.service]


def browser_endpoints(deployment: Deployment) -> dict[str, str]:
    """The endpoints a person can open in a browser, as the deployment page links them. A
    federated server's are not pages: Flower's port speaks gRPC (its panel gives the address to
    connect clients to), the monitor serves status JSON behind the deployment's token (the panel
    shows it), and its IDE port has nothing listening unless the service is an IDE. An OSCAR
    service's are API addresses that take a POST."""
    endpoints = dict(deployment.endpoints or {})
    if deployment.backend == "oscar":
        # OSCAR's /run/<service> takes a POST: no page to open (Try it is the way in).
        return {}
    if is_federated(deployment):
        endpoints.pop("fedserver", None)
        endpoints.pop("monitor", None)
        if deployment.service == flower.SERVICE:
            endpoints.pop("ide", None)
    return endpoints


def job_name(deployment: Deployment) -> str:
    if is_federated(deployment):
        prefix = "tool-fl"
    else:
        prefix = "tool-devenv" if deployment.kind == "tool" else "module"
    return f"{prefix}-{deployment.id}"


def namespace_for(vo: str) -> str:
    return settings.NOMAD_NAMESPACES.get(vo, settings.NOMAD_NAMESPACE)


def endpoints_for(deployment: Deployment) -> tuple[dict[str, str], str]:
    """https://<label>-<uuid>.<domain> per exposed port; DEEPaaS's API opens on /ui."""
    labels, main = ports_of(deployment)
    domain = settings.DEPLOY_ENDPOINT_DOMAIN
    host = deployment.hostname or str(deployment.id)
    urls = {label: f"https://{label}-{host}.{domain}" for label in labels}
    if "api" in urls:
        urls["api"] += "/ui"
    return urls, main


def build_job(deployment: Deployment, *, owner_sub: str, secrets: dict[str, str]) -> dict:
    """The complete Job object to register (without the EnforceIndex envelope)."""
    job_id = str(deployment.id)
    namespace = namespace_for(deployment.vo)
    labels, _main = ports_of(deployment)
    config = deployment.config or {}
    storage = _storage(config, secrets)
    tasks = [_main_task(deployment, labels, storage, secrets)]
    datasets = config.get("datasets") or []
    tasks[:0] = [_dataset_task(i, d, storage) for i, d in enumerate(datasets)]
    if storage:
        tasks.insert(0, _storage_mount_task(job_id, storage))
        tasks.append(_storage_cleanup_task(job_id))
    if deployment.service == "deepaas":
        tasks.append(_ui_task())
    return {
        "ID": job_id,
        "Name": job_name(deployment),
        "Namespace": namespace,
        "Type": "service",
        "Region": settings.NOMAD_REGION or "global",
        "Datacenters": list(settings.NOMAD_DATACENTERS),
        "Priority": 25 if deployment.vo == "tutorials" else 50,
        "Meta": {
            "owner": owner_sub,
            "owner_name": deployment.owner.get_full_name() or deployment.owner.get_username(),
            "owner_email": deployment.owner.email or "",
            "title": deployment.title,
            "description": deployment.description[:200],
            # Our own tags: one bulk query finds this site's jobs on a shared cluster.
            "aix_instance": settings.DEPLOY_INSTANCE,
            "aix_deployment": job_id,
        },
        "Constraints": [
            {"LTarget": "${meta.status}", "Operand": "regexp", "RTarget": "ready"},
            {"LTarget": "${meta.type}", "Operand": "=", "RTarget": "compute"},
            {"LTarget": "${meta.namespace}", "Operand": "regexp", "RTarget": namespace},
        ],
        "Affinities": [
            {"LTarget": "${meta.tags}", "Operand": "regexp", "RTarget": "cpu", "Weight": 100}
        ]
        if not deployment.gpu_num
        else [],
        "Reschedule": {"Attempts": 0, "Unlimited": False},
        "TaskGroups": [
            {
                "Name": GROUP,
                "Count": 1,
                "Disconnect": {"LostAfter": LOST_AFTER_NS, "Replace": False},
                "Networks": [
                    {"DynamicPorts": [{"Label": label, "To": PORTS[label]} for label in labels]}
                ],
                "Services": [_traefik_service(deployment, label) for label in labels],
                "EphemeralDisk": {"SizeMB": deployment.disk_mb},
                "Tasks": tasks,
            }
        ],
    }


def _traefik_service(deployment: Deployment, label: str) -> dict[str, Any]:
    router = f"{deployment.id}-{label}"
    host = f"{label}-{deployment.hostname or deployment.id}.{settings.DEPLOY_ENDPOINT_DOMAIN}"
    tags = [
        "traefik.enable=true",
        f"traefik.http.routers.{router}.tls=true",
        f"traefik.http.routers.{router}.rule=Host(`{host}`, `www.{host}`)",
    ]
    if label == "fedserver":  # gRPC behind Traefik (PAPI's template)
        tags.append(f"traefik.http.services.{router}.loadbalancer.server.scheme=h2c")
    return {"Name": router, "PortLabel": label, "Provider": "consul", "Tags": tags}


def _storage(config: dict[str, Any], secrets: dict[str, str]) -> dict[str, str] | None:
    # PAPI drops the storage tasks unless every rclone field is set.
    url, user = config.get("rclone_url", ""), config.get("rclone_user", "")
    password = secrets.get("rclone_password", "")
    if not (url and user and password):
        return None
    return {
        "url": url,
        "user": user,
        "password": password,
        "vendor": config.get("rclone_vendor") or "nextcloud",
    }


def _rclone_env(storage: dict[str, str]) -> dict[str, str]:
    return {
        "RCLONE_CONFIG": "/srv/.rclone/rclone.conf",
        "RCLONE_CONFIG_RSHARE_TYPE": "webdav",
        "RCLONE_CONFIG_RSHARE_URL": storage["url"],
        "RCLONE_CONFIG_RSHARE_VENDOR": storage["vendor"],
        "RCLONE_CONFIG_RSHARE_USER": storage["user"],
        "RCLONE_CONFIG_RSHARE_PASS": storage["password"],
    }


def _main_task(
    deployment: Deployment,
    labels: tuple[str, ...],
    storage: dict[str, str] | None,
    secrets: dict[str, str],
) -> dict[str, Any]:
    env = {"jupyterPASSWORD": secrets.get("jupyter_password", "")}
    if deployment.config and deployment.config.get("datasets"):
        env["AIX_DATASETS_DIR"] = datasets_dir(storage)
    if storage:
        env |= _rclone_env(storage)
    resources: dict[str, Any] = {
        "Cores": deployment.cpu,
        "MemoryMB": deployment.ram_mb,
        "MemoryMaxMB": deployment.ram_mb,
    }
    if deployment.gpu_num:
        device: dict[str, Any] = {"Name": "gpu", "Count": deployment.gpu_num}
        if deployment.gpu_type:
            device["Constraints"] = [
                {"LTarget": "${device.model}", "Operand": "=", "RTarget": deployment.gpu_type}
            ]
        resources["Devices"] = [device]
    else:
        # A CPU job must not see the node's GPUs (PAPI sets the same).
        env["NVIDIA_VISIBLE_DEVICES"] = "none"
    volumes = [f"/nomad-storage/{deployment.id}:/storage:shared"] if storage else []
    command: dict[str, Any] = {"command": "deep-start", "args": [f"--{deployment.service}"]}
    if is_federated(deployment):
        env |= flower.job_env(deployment.config["flower"], secrets.get(flower.TOKEN_SECRET, ""))
        if deployment.service == flower.SERVICE:
            command = {}  # the image's own command starts the Flower server (as PAPI)
    return {
        "Name": MAIN_TASK,
        "Driver": "docker",
        "Config": {
            "image": deployment.run_image,
            **command,
            "force_pull": True,
            "ports": list(labels),
            "shm_size": int(deployment.ram_mb * 10**6 * 0.5),
            "memory_hard_limit": deployment.ram_mb,
            "storage_opt": {"size": f"{deployment.disk_mb}M"},
            "volumes": volumes,
        },
        "Env": env,
        "Resources": resources,
        "RestartPolicy": {"Attempts": 0, "Mode": "fail"},
    }


def _storage_mount_task(job_id: str, storage: dict[str, str]) -> dict[str, Any]:
    return {
        "Name": "storage_mount",
        "Driver": "docker",
        "Lifecycle": {"Hook": "prestart", "Sidecar": True},
        "Config": {
            "image": STORAGE_IMAGE,
            "privileged": True,
            "command": "rclone",
            "args": ["mount", "rshare:/", "/storage", "--allow-other", "--vfs-cache-mode", "full"],
            "volumes": [f"/nomad-storage/{job_id}:/storage:shared"],
        },
        "Env": _rclone_env(storage),
        "Resources": {"CPU": 50, "MemoryMB": 250},
    }


def datasets_dir(storage: dict[str, str] | None) -> str:
    """Where the datasets land: the user's storage (PAPI) or, without storage, the
    allocation's shared directory, which every task of the group sees."""
    return "/storage/datasets" if storage else "${NOMAD_ALLOC_DIR}/datasets"


def _dataset_task(
    index: int, dataset: dict[str, Any], storage: dict[str, str] | None
) -> dict[str, Any]:
    """Fetch one dataset before the main task starts (not a sidecar: it runs to completion,
    and the main task only starts once it succeeded)."""
    env = {
        "DOI": dataset["doi"],
        "FORCE_PULL": "true" if dataset.get("force_pull") else "false",
        "DATASETS_DIR": datasets_dir(storage),
    }
    if storage:
        env |= _rclone_env(storage)
    return {
        "Name": f"dataset_download_{index}",
        "Driver": "docker",
        "Lifecycle": {"Hook": "prestart", "Sidecar": False},
        "Config": {
            "image": settings.DEPLOY_DATASET_IMAGE,
            "force_pull": True,
            "volumes": ["/nomad-storage/${NOMAD_JOB_ID}:/storage:shared"] if storage else [],
        },
        "Env": env,
        "Resources": {"CPU": 50, "MemoryMB": 500},
        "RestartPolicy": {"Attempts": 0, "Mode": "fail"},
    }


def _storage_cleanup_task(job_id: str) -> dict[str, Any]:
    return {
        "Name": "storage_cleanup",
        "Driver": "raw_exec",
        "Lifecycle": {"Hook": "poststop", "Sidecar": False},
        "Config": {"command": "/bin/sh", "args": ["-c", f"umount /nomad-storage/{job_id} || true"]},
        "Resources": {"CPU": 10, "MemoryMB": 10},
    }


def _ui_task() -> dict[str, Any]:
    return {
        "Name": "ui",
        "Driver": "docker",
        "Lifecycle": {"Hook": "poststart", "Sidecar": True},
        "Config": {"image": UI_IMAGE, "ports": ["ui"], "force_pull": True},
        "Env": {"DURL": "http://${NOMAD_HOST_ADDR_api}"},
        "Resources": {"CPU": 500, "MemoryMB": 512},
    }
