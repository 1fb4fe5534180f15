"""The source readers on their own: .gitmodules, image references, the HTTP client."""

from __future__ import annotations

import socket

import pytest

from catalog.sources.dockerhub import parse_image_ref
from catalog.sources.gitmodules import module_name, parse_github_url, parse_gitmodules
from catalog.sources.http import HttpClient, NotFound, SourceError, TooLarge, Unreachable

OWNERS = ["ai4os-hub", "deephdc"]


# --- .gitmodules ---------------------------------------------------------------------------------
def test_real_catalog_gitmodules_lists_46_modules(fixtures_dir):
    text = (fixtures_dir / "modules-catalog" / ".gitmodules").read_text()

    parsed = parse_gitmodules(text, allowed_owners=OWNERS)

    assert len(parsed.submodules) == 46 and parsed.skipped == []
    dicom = next(s for s in parsed.submodules if s.name == "image-classification-tf-dicom")
    assert dicom.branch is None  # not assumed to be master
    assert {s.url[-4:] == ".git" for s in parsed.submodules} == {True, False}


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/ai4os-hub/satsr",
        "https://github.com/ai4os-hub/satsr.git",
        "https://github.com/ai4os-hub/satsr/",
        "http://www.github.com/ai4os-hub/satsr.git/",
        "git@github.com:ai4os-hub/satsr.git",
        "  https://github.com/ai4os-hub/satsr  ",
    ],
)
def test_github_url_forms_name_the_same_repository(url):
    assert parse_github_url(url) == ("ai4os-hub", "satsr")


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.com/ai4os-hub/satsr",
        "https://github.com.evil.org/ai4os-hub/satsr",
        "https://user:pass@github.com/ai4os-hub/satsr",
        "https://github.com/ai4os-hub",
        "https://github.com/ai4os-hub/satsr/tree/main",
        "file:///etc/passwd",
        "https://github.com/ai4os-hub/..",
    ],
)
def test_anything_but_a_github_repository_url_is_refused(url):
    assert parse_github_url(url) is None


def test_gitmodules_syntax_variants_are_read():
    text = """
# a comment
; another
[submodule "One"]
\tPATH = One-Module   ; trailing comment
        Url = "https://github.com/ai4os-hub/One-Module.git"
  branch = dev
[submodule "two"]
path=two
url=https://github.com/deephdc/two/
[core]
\tbare = false
"""
    parsed = parse_gitmodules(text, allowed_owners=OWNERS)

    assert [(s.name, s.owner, s.repo, s.branch) for s in parsed.submodules] == [
        ("One-Module", "ai4os-hub", "One-Module", "dev"),
        ("two", "deephdc", "two", None),
    ]


def test_module_names_keep_the_catalogs_spelling_as_papi_lists_them():
    text = """[submodule "DEEP-OC-mods"]
path = DEEP-OC-mods
url = https://github.com/deephdc/DEEP-OC-mods
[submodule "nested"]
path = modules/UC-x y!/
url = https://github.com/ai4os-hub/uc-x
"""
    parsed = parse_gitmodules(text, allowed_owners=OWNERS)

    assert [s.name for s in parsed.submodules] == ["DEEP-OC-mods", "UC-x-y"]
    assert module_name("DEEP-OC-mods") == module_name(module_name("DEEP-OC-mods")) == "DEEP-OC-mods"


def test_entries_that_differ_only_in_case_are_reported_and_the_first_is_kept():
    text = """[submodule "a"]
path = DEEP-OC-mods
url = https://github.com/deephdc/DEEP-OC-mods
[submodule "b"]
path = deep-oc-mods
url = https://github.com/ai4os-hub/deep-oc-mods
"""
    parsed = parse_gitmodules(text, allowed_owners=OWNERS)

    assert [(s.name, s.owner) for s in parsed.submodules] == [("DEEP-OC-mods", "deephdc")]
    [skipped] = parsed.skipped
    assert skipped.section == "b"
    assert "differs only in case from DEEP-OC-mods" in skipped.reason


def test_entries_elsewhere_are_reported_with_the_reason():
    text = """[submodule "a"]
path = a
url = https://gitlab.com/ai4os-hub/a
[submodule "b"]
path = b
url = https://github.com/someone/b
[submodule "c"]
url = https://github.com/ai4os-hub/c
"""
    parsed = parse_gitmodules(text, allowed_owners=OWNERS)

    assert parsed.submodules == []
    reasons = {s.section: s.reason for s in parsed.skipped}
    assert "gitlab.com" in reasons["a"] and "not followed" in reasons["a"]
    assert "someone" in reasons["b"] and reasons["c"] == "no path"


def test_text_that_is_not_git_config_is_a_clear_error():
    with pytest.raises(ValueError, match="not valid git config"):
        parse_gitmodules("path = x\n", allowed_owners=OWNERS)


# --- image references ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("ai4oshub/satsr", ("docker.io", "ai4oshub", "satsr", "latest", "")),
        (
            "image-classification-tf-dicom",
            ("docker.io", "library", "image-classification-tf-dicom", "latest", ""),
        ),
        (" deephdc/deep-oc-satsr:gpu ", ("docker.io", "deephdc", "deep-oc-satsr", "gpu", "")),
        ("docker.io/ai4oshub/x:1.0", ("docker.io", "ai4oshub", "x", "1.0", "")),
        ("ghcr.io/ai4os/x:latest", ("ghcr.io", "ai4os", "x", "latest", "")),
        ("localhost:5000/team/x", ("localhost:5000", "team", "x", "latest", "")),
        (
            "ai4oshub/x@sha256:" + "a" * 64,
            ("docker.io", "ai4oshub", "x", "latest", "sha256:" + "a" * 64),
        ),
    ],
)
def test_image_references_are_parsed_like_docker_does(reference, expected):
    image = parse_image_ref(reference)
    assert (image.registry, image.namespace, image.repository, image.tag, image.digest) == expected


def test_other_registries_are_not_docker_hub():
    assert parse_image_ref("ai4oshub/x").is_dockerhub
    assert not parse_image_ref("ghcr.io/ai4os/x").is_dockerhub


@pytest.mark.parametrize("reference", ["", "Upper/Case", "a b", "x:bad tag", "x@sha256:zz", "a//b"])
def test_malformed_image_references_are_refused(reference):
    with pytest.raises(ValueError):
        parse_image_ref(reference)


# --- HTTP client -----------------------------------------------------------------------------
def client(**kwargs) -> HttpClient:
    return HttpClient(cache=None, timeout=2, retries=1, backoff=0.01, max_wait=2, **kwargs)


def test_redirect_to_another_host_is_not_followed(fake_github, fake_dockerhub):
    fake_github.fail_next(
        r"^/repos/ai4os-hub/satsr$",
        301,
        headers={"Location": f"{fake_dockerhub.base_url}/v2/repositories/ai4oshub/satsr/"},
    )

    with pytest.raises(SourceError, match="not followed"):
        client().get(f"{fake_github.base_url}/repos/ai4os-hub/satsr", service="github")
    assert len(fake_dockerhub.requests) == 0


def test_body_over_the_cap_is_refused(fake_github):
    url = f"{fake_github.raw_base_url}/ai4os-hub/satsr/main/README.md"

    with pytest.raises(TooLarge):
        client().get(url, service="github-raw", max_bytes=100)


def test_missing_resource_is_not_found(fake_github):
    with pytest.raises(NotFound, match="404"):
        client().get(f"{fake_github.base_url}/repos/ai4os-hub/nope", service="github")


def test_connection_refused_is_unreachable_after_retries():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    http = client()

    with pytest.raises(Unreachable, match="after 2 attempts"):
        http.get(f"http://127.0.0.1:{port}/x", service="github")
    assert http.stats["requests"] == 2 and http.stats["retries"] == 1
