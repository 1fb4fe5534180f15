"""Where the pipeline join helper (``docker/join/join.py``) lives, and its module.

The helper is a standalone script for the join image (standard library + boto3), not part of
a package, so the sandbox finds it by path: ``AIX_JOIN_HELPER`` if set (the app image copies it
to /opt/aix/join.py), else the repository's ``docker/join/join.py``. The emulator imports its
aggregators (one copy of the aggregation code) and executes it for storage-triggered joins.
"""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path
from types import ModuleType

REPOSITORY_COPY = Path(__file__).resolve().parents[2] / "docker" / "join" / "join.py"
IMAGE_PATH = "/opt/aix/join.py"  # where the join image (and JOIN_SCRIPT) has it


def path() -> Path:
    return Path(os.environ.get("AIX_JOIN_HELPER") or REPOSITORY_COPY)


@cache
def module() -> ModuleType:
    """The helper loaded as a module (``AGGREGATORS``, ``aggregate``, ``output_name``)."""
    helper = path()
    spec = importlib.util.spec_from_file_location("aix_join_helper", helper)
    if spec is None or spec.loader is None or not helper.is_file():
        raise ImportError(f"the pipeline join helper is missing: {helper} (set AIX_JOIN_HELPER)")
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded
