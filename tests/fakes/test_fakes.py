"""Self-tests of the loopback fakes: the behaviours the harvester relies on.

Run with ``python -m pytest tests/fakes -q -p no:django``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator

import pytest
import requests
from urllib3.util import SKIP_HEADER

from .corpus import Corpus
from .dockerhub import FakeDockerHub
from .github import FakeGitHub

DOGS = "ai4os-hub/dogs-breed-detector"
DICOM = "ai4os-hub/image-classification-tf-dicom"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus.load()


@pytest.fixture
def gh(corpus: Corpus) -> Iterator[FakeGitHub]:
    # A fresh corpus per test: several tests mutate it.
    with FakeGitHub.running(Corpus.load()) as fake:
        yield fake


@pytest.fixture
def hub(corpus: Corpus) -> Iterator[FakeDockerHub]:
    with FakeDockerHub.running(corpus) as fake:
        yield fake


def test_corpus_loads_fast_and_scales() -> None:
    start = time.perf_counter()
    corpus = Corpus.load()
    assert time.perf_counter() - start < 0.5
    assert len(corpus.modules) == 46
    corpus.clone(3)
    assert len(corpus.modules) == 138
    assert corpus.get("ai4os-hub/dogs-breed-detector-copy2") is not None
    assert "ai4oshub/dogs-breed-detector-copy2" in corpus.docker_images()


def test_repo_metadata_is_case_insensitive(gh: FakeGitHub) -> None:
    resp = requests.get(f"{gh.base_url}/repos/AI4OS-Hub/Image-Classification-TF-DICOM")
    body = resp.json()
    assert resp.status_code == 200
    assert body["full_name"] == DICOM and body["default_branch"] == "main"
    assert body["license"]["spdx_id"] == "Apache-2.0"
    assert body["pushed_at"] == "2025-07-15T10:03:25Z"
    assert resp.headers["X-RateLimit-Resource"] == "core"
    missing = requests.get(f"{gh.base_url}/repos/ai4os-hub/nope")
    assert missing.status_code == 404 and missing.json()["message"] == "Not Found"


def test_contents_base64_round_trip_and_raw(gh: FakeGitHub) -> None:
    url = f"{gh.base_url}/repos/{DOGS}/contents/ai4-metadata.yml"
    body = requests.get(url, params={"ref": "main"}).json()
    data = base64.b64decode(body["content"])
    assert all(len(line) <= 60 for line in body["content"].splitlines())
    assert body["size"] == len(data) and body["encoding"] == "base64"
    raw = requests.get(body["download_url"])
    assert raw.content == data and "X-RateLimit-Remaining" not in raw.headers
    accept_raw = {"Accept": "application/vnd.github.raw+json"}
    assert requests.get(url, headers=accept_raw).content == data


def test_etag_gives_free_authorised_304(gh: FakeGitHub) -> None:
    url = f"{gh.base_url}/repos/{DOGS}/contents/README.md"
    first = requests.get(url)
    auth = {"Authorization": "Bearer x", "If-None-Match": first.headers["ETag"]}
    again = requests.get(url, headers=auth)
    assert again.status_code == 304 and again.content == b""
    assert again.headers["X-RateLimit-Remaining"] == first.headers["X-RateLimit-Remaining"]
    gh.set_file(DOGS, "README.md", "changed\n")
    assert requests.get(url, headers=auth).status_code == 200
    assert gh.requests.count(r"/README\.md", status=304) == 1


def test_unknown_branch_is_404(gh: FakeGitHub) -> None:
    resp = requests.get(
        f"{gh.base_url}/repos/{DICOM}/contents/ai4-metadata.yml", params={"ref": "master"}
    )
    assert resp.status_code == 404
    assert resp.json()["message"] == "No commit found for the ref master"


def test_catalog_gitmodules_at_pinned_commit(gh: FakeGitHub) -> None:
    commit = "ec735502b00ac2c9b34422a8c0d285533ad76348"
    text = requests.get(f"{gh.raw_base_url}/ai4os-hub/modules-catalog/{commit}/.gitmodules").text
    assert text.count("[submodule") == 46
    tree = requests.get(f"{gh.base_url}/repos/ai4os-hub/modules-catalog/git/trees/{commit}").json()
    assert {e["type"] for e in tree["tree"]} == {"blob", "commit"}


def test_missing_user_agent_is_refused(gh: FakeGitHub) -> None:
    resp = requests.get(f"{gh.base_url}/repos/{DOGS}", headers={"User-Agent": SKIP_HEADER})
    assert resp.status_code == 403


def test_rate_limit_exhausts_then_recovers(gh: FakeGitHub) -> None:
    gh.rate_limit_reset_after = 1.0
    gh.rate_limit_remaining = 1
    url = f"{gh.base_url}/repos/{DOGS}"
    assert requests.get(url).status_code == 200
    blocked = requests.get(url)
    assert blocked.status_code == 403 and blocked.headers["X-RateLimit-Remaining"] == "0"
    time.sleep(max(0.0, int(blocked.headers["X-RateLimit-Reset"]) - time.time()) + 0.05)
    assert requests.get(url).status_code == 200


def test_fail_next_then_recovers(gh: FakeGitHub, hub: FakeDockerHub) -> None:
    hub.fail_next(r"/tags", 429, count=1)
    url = f"{hub.base_url}/v2/repositories/ai4oshub/satsr/tags"
    hub.add_image("ai4oshub/satsr")
    throttled = requests.get(url)
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert requests.get(url).status_code == 200
    gh.fail_next(r"/contents/", 500, count=2)
    codes = [requests.get(f"{gh.base_url}/repos/{DOGS}/contents/").status_code for _ in range(3)]
    assert codes == [500, 500, 200]


def test_tags_pagination_follows_next(hub: FakeDockerHub) -> None:
    hub.set_tag_count("ai4oshub/plants-classification", 250)
    url: str | None = f"{hub.base_url}/v2/repositories/ai4oshub/plants-classification/tags"
    names: list[str] = []
    while url:
        page = requests.get(url, params=None if "page=" in url else {"page_size": 100}).json()
        names += [tag["name"] for tag in page["results"]]
        url = page["next"]
    assert len(names) == len(set(names)) == 250 and names[0] == "latest"


def test_image_without_namespace_lives_in_library(hub: FakeDockerHub) -> None:
    body = requests.get(f"{hub.base_url}/v2/repositories/library/image-classification-tf-dicom/")
    assert body.status_code == 200 and body.json()["namespace"] == "library"
    unknown = requests.get(f"{hub.base_url}/v2/repositories/ai4oshub/nope/")
    assert unknown.status_code == 404 and unknown.json()["message"] == "object not found"


def test_serves_fifty_concurrent_clients(gh: FakeGitHub) -> None:
    from concurrent.futures import ThreadPoolExecutor

    gh.latency = 0.05
    url = f"{gh.base_url}/repos/{DOGS}/contents/ai4-metadata.yml"
    start = time.perf_counter()
    with ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(lambda _: requests.get(url).status_code, range(50)))
    assert codes == [200] * 50 and len(gh.requests) == 50
    assert time.perf_counter() - start < 1.0  # latency overlapped, not serialised
