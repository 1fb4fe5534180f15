"""The federated-server tool's `flower` options, from the app that owns them.

Federated learning is an app above deployments in the app graph (docs/architecture.md), yet
the deploy form, PAPI's /config and the Nomad job all need the tool's option section. They
read it through this seam: settings.DEPLOY_FEDERATED_OPTIONS names the module (a dotted
string, as DEPLOY_BACKENDS names the backends), so deployments never imports the app above.
The module is pure Python (no Django): TOOL_NAME, SERVICE, TOKEN_SECRET, OPTIONS,
parse_metrics and job_env.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from django.conf import settings


def federated_options() -> ModuleType:
    return import_module(settings.DEPLOY_FEDERATED_OPTIONS)
