"""Helpers for the harvest fault scenarios: upstream edits and the harvest command as a
subprocess whose database (and upstream) connections go where the test says."""

from __future__ import annotations

import subprocess
import sys

from tests.fixtures.faults import REPO_ROOT, subprocess_env


def change_title(github, full_name: str, old: str, new: str) -> str:
    """Commit a new title to the repository's ai4-metadata.yml; returns the new head sha."""
    text = github.corpus.get(full_name).head.files["ai4-metadata.yml"].decode()
    assert old in text, f"{old!r} not in {full_name}'s ai4-metadata.yml"
    return github.set_file(full_name, "ai4-metadata.yml", text.replace(old, new, 1))


def change_titles(github, count: int) -> tuple[list, dict[str, dict], dict[str, dict]]:
    """New upstream titles for the first ``count`` v2 modules (by name): (modules, old, new),
    old/new mapping each name to its ``{"title", "commit"}``."""
    from catalog.models import Module

    modules = list(
        Module.objects.filter(metadata_file="ai4-metadata.yml").exclude(title="").order_by("name")
    )[:count]
    old, new = {}, {}
    for module in modules:
        title = f"{module.title} (v2)"
        old[module.name] = {"title": module.title, "commit": module.source_commit}
        new[module.name] = {
            "title": title,
            "commit": change_title(github, module.repository, module.title, title),
        }
    return modules, old, new


def start_harvest_command(settings, upstream, *, database_url: str) -> subprocess.Popen:
    """``manage.py harvest`` in a subprocess on ``database_url``, reading the fakes."""
    env = subprocess_env(
        settings,
        TEST_DATABASE_URL=database_url,
        FAULTS_GITHUB_API_URL=upstream.github.base_url,
        FAULTS_GITHUB_RAW_URL=upstream.github.raw_base_url,
        FAULTS_DOCKERHUB_API_URL=upstream.dockerhub.base_url,
    )
    return subprocess.Popen(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, "manage.py", "harvest", "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
