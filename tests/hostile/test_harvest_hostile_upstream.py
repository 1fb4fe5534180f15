"""Hostile upstream data through the real harvester and the loopback fakes: odd JSON shapes
from GitHub and Docker Hub, links and redirects aimed at internal hosts (SSRF), and
oversized files. The harvester must never crash, never fetch outside GitHub/Docker Hub, and
never hold more than its caps in memory."""

from __future__ import annotations

import gc
import json
import re
import tracemalloc

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import HarvestRun, Module
from catalog.services.harvest import harvest
from tests.hostile.strategies import HOSTILE_URLS, json_objects_with_keys, json_values

pytestmark = pytest.mark.django_db(transaction=True)

CATALOG = "ai4os-hub/modules-catalog"
INTERNAL_ERROR = "Internal error while harvesting"
HARVEST_EXAMPLES = settings(
    max_examples=15,
    deadline=None,  # one harvest per example; bounded by pytest-timeout instead
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _pick(harvested) -> Module:
    """A module with a v2 metadata file and a Docker Hub image, harvested cleanly (warnings,
    such as a licence that differs from the LICENSE file, do not matter here)."""
    return (
        Module.objects.filter(
            metadata_file="ai4-metadata.yml", last_harvest_status__in=["ok", "warning"]
        )
        .exclude(docker_image="")
        .order_by("name")
        .first()
    )


def _new_commit(github, module: Module, **changes) -> None:
    """A new upstream commit (new SHA: its tree is read again, the metadata file downloaded;
    files whose blob did not change come from the cache), optionally changing metadata keys."""
    text = github.corpus.get(module.repository).head.files["ai4-metadata.yml"].decode()
    doc = yaml.safe_load(text)
    doc.update(changes)
    github.set_file(module.repository, "ai4-metadata.yml", yaml.safe_dump(doc, sort_keys=False))


def _assert_no_crash(run: HarvestRun, name: str) -> Module:
    module = Module.objects.get(name=name)
    assert INTERNAL_ERROR not in run.message
    messages = [p["message"] for p in module.problems] + [e["message"] for e in run.errors]
    assert not [m for m in messages if INTERNAL_ERROR in m], messages
    assert isinstance(module.title, str) and module.title
    return module


# --- odd JSON shapes -------------------------------------------------------------------------
GITHUB_ENDPOINTS = {
    "repository": (r"^/repos/{repo}$", ["default_branch", "full_name", "license", "topics"]),
    "branch": (r"^/repos/{repo}/branches/", ["commit", "name"]),
    "tree": (r"^/repos/{repo}/git/trees/", ["tree", "sha", "truncated"]),
}
HUB_ENDPOINTS = {
    "hub repository": (r"^/v2/repositories/{image}/$", ["pull_count", "star_count", "name"]),
    "hub tags": (r"^/v2/repositories/{image}/tags", ["count", "next", "results"]),
}


@HARVEST_EXAMPLES
@given(
    endpoint=st.sampled_from(sorted(GITHUB_ENDPOINTS) + sorted(HUB_ENDPOINTS)),
    data=st.data(),
)
def test_odd_json_from_github_or_docker_hub_never_crashes_the_harvest(harvested, endpoint, data):
    module = _pick(harvested)
    _new_commit(harvested.github, module)
    if endpoint in GITHUB_ENDPOINTS:
        pattern, keys = GITHUB_ENDPOINTS[endpoint]
        fake, target = harvested.github, re.escape(module.repository)
        pattern = pattern.format(repo=target)
    else:
        pattern, keys = HUB_ENDPOINTS[endpoint]
        fake, target = harvested.dockerhub, re.escape(module.docker_image.split(":")[0])
        pattern = pattern.format(image=target)
    body = data.draw(st.one_of(json_values, json_objects_with_keys(keys)), label="body")
    fake.fail_next(pattern, 200, count=1, body=json.dumps(body), headers={})
    fake.requests.clear()

    run = harvest(only=module.name, trigger="test")

    assert fake.requests.count(pattern) >= 1, "the odd answer was never asked for"
    assert run.status in ("succeeded", "partial", "failed")
    _assert_no_crash(run, module.name)
    fake.clear_faults()


def test_non_json_body_where_json_is_expected_is_a_clear_failure(harvested):
    module = _pick(harvested)
    _new_commit(harvested.github, module)
    harvested.github.fail_next(
        rf"^/repos/{re.escape(module.repository)}$", 200, body="<html>proxy error</html>"
    )
    run = harvest(only=module.name, trigger="test")
    broken = _assert_no_crash(run, module.name)
    assert broken.last_harvest_status == Module.HarvestStatus.UNREACHABLE
    assert broken.title == module.title  # last good kept


# --- SSRF: links, image names, redirects and pagination aimed inside --------------------------
def test_links_and_image_names_aimed_at_internal_hosts_are_never_fetched(
    harvested, canary_server, client
):
    module = _pick(harvested)
    urls = [u.replace("{canary}", str(canary_server.port)) for u in HOSTILE_URLS]
    links = {
        key: urls[i % len(urls)]
        for i, key in enumerate(
            ["documentation", "dataset", "weights", "citation", "base_model", "cicd_url"]
        )
    }
    links |= {
        "source_code": f"{canary_server.url}/ai4os-hub/x",
        "docker_image": f"127.0.0.1:{canary_server.port}/ai4oshub/steal",
        "cicd_badge": f"{canary_server.url}/badge.svg",
    }
    _new_commit(harvested.github, module, links=links)
    readme = "\n".join(f"![i]({u}) [l]({u})" for u in urls)
    harvested.github.set_file(module.repository, "README.md", readme)
    gitmodules = harvested.github.corpus.get(CATALOG).head.files[".gitmodules"].decode()
    evil = "\n".join(
        f'[submodule "evil{i}"]\n\tpath = evil{i}\n\turl = {u}\n' for i, u in enumerate(urls)
    )
    harvested.github.set_file(CATALOG, ".gitmodules", gitmodules + "\n" + evil)

    run = harvest(trigger="test")
    assert run.status in ("succeeded", "partial")
    # The pages built from that data do not fetch anything either.
    assert client.get(f"/modules/{module.name}/").status_code == 200
    assert client.get(f"/api/v1/modules/{module.name}/").status_code == 200

    assert canary_server.hits == []
    assert not Module.objects.filter(name__startswith="evil").exists()
    reasons = " ".join(e["message"] for e in run.errors if e["module"].startswith("evil"))
    assert "not followed" in reasons


def test_redirects_and_pagination_aimed_at_internal_hosts_are_not_followed(
    harvested, canary_server
):
    module = _pick(harvested)
    _new_commit(harvested.github, module)
    harvested.github.fail_next(
        rf"^/repos/{re.escape(module.repository)}$",
        301,
        headers={"Location": f"{canary_server.url}/repos/{module.repository}"},
        body="",
    )
    image = re.escape(module.docker_image.split(":")[0])
    page = {"count": 500, "next": f"{canary_server.url}/steal?page=2", "results": []}
    harvested.dockerhub.fail_next(rf"^/v2/repositories/{image}/tags", 200, body=page, headers={})

    run = harvest(only=module.name, trigger="test")

    _assert_no_crash(run, module.name)
    assert canary_server.hits == []
    redirected = Module.objects.get(name=module.name)
    assert "not followed" in " ".join(p["message"] for p in redirected.problems)


# --- oversized files ---------------------------------------------------------------------------
def _peak_bytes_during(action) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_readme_far_larger_than_announced_is_cut_off_with_bounded_memory(harvested, settings):
    settings.README_MAX_BYTES = 256 * 1024
    module = _pick(harvested)
    _new_commit(harvested.github, module)
    # An edited README: a new blob, so it is downloaded (an unchanged one is not).
    harvested.github.set_file(module.repository, module.readme_path, "# Edited\n")
    huge = b"# big\n" + b"A" * (40 * 1024 * 1024)  # the tree says a few kB; the body is 40 MB
    harvested.github.fail_next(
        rf"^/raw/{re.escape(module.repository)}/[0-9a-f]+/README", 200, body=huge, headers={}
    )

    runs: list[HarvestRun] = []
    peak = _peak_bytes_during(lambda: runs.append(harvest(only=module.name, trigger="test")))

    fetched = _assert_no_crash(runs[0], module.name)
    assert len(fetched.readme.encode()) <= settings.README_MAX_BYTES
    assert "README" in " ".join(p["message"] for p in fetched.problems)
    assert peak < 12 * 1024 * 1024, f"harvest held {peak / 2**20:.1f} MB for a capped README"


def test_a_huge_metadata_file_is_refused_clearly_and_last_good_values_kept(harvested):
    # A module without metadata.json: with one, the harvester rightly falls back to it.
    module = next(
        m
        for m in Module.objects.filter(metadata_file="ai4-metadata.yml").order_by("name")
        if "metadata.json" not in harvested.github.corpus.get(m.repository).head.files
    )
    text = harvested.github.corpus.get(module.repository).head.files["ai4-metadata.yml"].decode()
    padding = "\n".join(f"# {'x' * 100}" for _ in range(30_000))  # ~3 MB of comments
    harvested.github.set_file(module.repository, "ai4-metadata.yml", text + "\n" + padding)

    run = harvest(only=module.name, trigger="test")

    refused = _assert_no_crash(run, module.name)
    assert refused.title == module.title and refused.source_commit == module.source_commit
    assert refused.last_harvest_status in (
        Module.HarvestStatus.INVALID,
        Module.HarvestStatus.UNREACHABLE,
    )
    message = " ".join(p["message"] for p in refused.problems)
    assert "ai4-metadata.yml" in message and ("KB" in message or "bytes" in message), message
