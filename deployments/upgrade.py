"""Upgrade: the deploy form pre-filled with an older deployment's settings, at the module's
current catalog version. The old deployment is never touched: the new one is a separate
deployment, and the old keeps running until its owner deletes it."""

from __future__ import annotations

import uuid

from deployments.models import Deployment
from deployments.selectors import deployments_for_user


def upgrade_source(user, module, raw_id: str | None) -> Deployment | None:
    """The user's own deployment of `module` named by `?upgrade=`, else None (a foreign,
    malformed or unknown ID simply gives the blank form)."""
    if not raw_id:
        return None
    try:
        pk = uuid.UUID(str(raw_id))
    except ValueError:
        return None
    return deployments_for_user(user).filter(pk=pk, module=module).first()


def upgrade_initial(old: Deployment) -> dict:
    """Form initial values from `old`. Secrets (storage and IDE passwords) are not readable
    back into a form, so the user types them again; the hostname is still taken by `old`."""
    initial = {
        "title": f"{old.title} (upgraded)"[:45] if old.title else "",
        "description": old.description,
        "vo": old.vo,
        "cpu_num": old.cpu,
        "ram": old.ram_mb,
        "disk": old.disk_mb,
        "gpu_num": old.gpu_num,
        "gpu_type": old.gpu_type,
    }
    for key in ("rclone_url", "rclone_user"):
        if (old.config or {}).get(key):
            initial[key] = old.config[key]
    datasets = (old.config or {}).get("datasets") or []
    if datasets:  # the same data again; what the old job fetched (checksums) stays with it
        initial["datasets"] = [{"doi": d["doi"], "force_pull": d["force_pull"]} for d in datasets]
    for key, value in ((old.config or {}).get("flower") or {}).items():
        initial[f"flower_{key}"] = value
    return {k: v for k, v in initial.items() if v not in ("", None)}
