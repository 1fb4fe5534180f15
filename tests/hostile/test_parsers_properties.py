"""Property tests of every parser that reads outside data: whatever the input, the parser
answers with a value of the documented shape or its documented error, never anything else.

(The metadata loader's own fuzzing lives in tests/metadata; here the whole pipeline a module
goes through is exercised: load → validate → normalise, and its neighbours.)
"""

from __future__ import annotations

import json
import re

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from catalog.metadata import MetadataError, SourceFile, build_metadata, load_document
from catalog.sources.dockerhub import parse_image_ref
from catalog.sources.gitmodules import parse_github_url, parse_gitmodules
from catalog.web.rendering import render_markdown, render_text
from tests.hostile.html_audit import audit
from tests.hostile.strategies import HOSTILE_URLS, json_objects_with_keys, json_values, xss_payloads
from tests.metadata.test_metadata_normalise import FIELD_TYPES

BOUNDED = settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
ALLOWED_OWNERS = ["ai4os", "ai4os-hub", "deephdc"]
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
PART = re.compile(r"^[A-Za-z0-9_.-]+$")

# --- .gitmodules ---------------------------------------------------------------------------------
url_strategy = st.one_of(
    st.sampled_from([u.replace("{canary}", "8080") for u in HOSTILE_URLS]),
    st.sampled_from(
        [
            "https://github.com/ai4os-hub/good",
            "https://github.com/ai4os-hub/good.git/",
            "git@github.com:deephdc/good.git",
            "https://github.com/evil/repo",
            "https://github.com/ai4os-hub/../../etc",
            "https://github.com/ai4os-hub/%2e%2e",
            "https://gitlab.com/ai4os-hub/x",
            "https://GITHUB.com/AI4OS/x",
            "ssh://git@github.com/ai4os/x",
        ]
    ),
    st.text(max_size=60),
)
path_strategy = st.one_of(
    st.sampled_from(["../../etc/passwd", "..", ".", "/", "a/../../b", "%2e%2e/x", "A B", "ok"]),
    st.text(max_size=30),
)


@st.composite
def gitmodules_texts(draw) -> str:
    sections = []
    for _ in range(draw(st.integers(0, 5))):
        label = draw(st.text(max_size=15))
        lines = [f'[submodule "{label}"]']
        if draw(st.booleans()):
            lines.append(f"\tpath = {draw(path_strategy)}")
        if draw(st.booleans()):
            lines.append(f"\turl = {draw(url_strategy)}")
        if draw(st.booleans()):
            lines.append(f"\tbranch = {draw(st.text(max_size=20))}")
        sections.append("\n".join(lines))
    noise = draw(st.text(max_size=80))
    return "\n".join(sections) + ("\n" + noise if draw(st.booleans()) else "")


@BOUNDED
@given(text=st.one_of(gitmodules_texts(), st.text(max_size=400)))
@example(text='[submodule "x"]\n\tpath = ../../etc\n\turl = file:///etc/passwd\n')
@example(text='[submodule "x"]\n\tpath = x\n\turl = http://127.0.0.1:8080/ai4os/x\n')
def test_gitmodules_only_ever_yields_allowed_github_repositories(text):
    try:
        listing = parse_gitmodules(text, allowed_owners=ALLOWED_OWNERS)
    except ValueError as exc:
        assert ".gitmodules" in str(exc)
        return
    for module in listing.submodules:
        assert module.owner.lower() in ALLOWED_OWNERS
        assert NAME.match(module.name), module.name
        assert PART.match(module.repo) and module.repo not in (".", "..")
        assert module.repository_url == f"https://github.com/{module.owner}/{module.repo}"
    for skipped in listing.skipped:
        assert skipped.reason


@BOUNDED
@given(url=url_strategy)
def test_github_url_parser_accepts_only_github_dot_com(url):
    found = parse_github_url(url)
    if found is None:
        return
    owner, repo = found
    assert PART.match(owner) and PART.match(repo) and repo not in (".", "..")
    host = url.strip()
    assert "github.com" in host.lower()
    assert "127.0.0.1" not in host and "localhost" not in host


# --- Docker image references ---------------------------------------------------------------------
image_parts = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789._-:/@ ", max_size=40)


@BOUNDED
@given(reference=st.one_of(image_parts, st.text(max_size=60)))
@example(reference="ai4oshub/../../etc:latest")
@example(reference="127.0.0.1:5000/ai4oshub/x")
@example(reference="a" * 600)
def test_image_reference_parses_to_clean_parts_or_says_why_not(reference):
    try:
        ref = parse_image_ref(reference)
    except ValueError as exc:
        assert str(exc)
        return
    for part in (*ref.namespace.split("/"), ref.repository):
        assert re.fullmatch(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*", part), part
    assert ".." not in ref.name and not any(c.isspace() for c in ref.tag)
    # Parsing is stable: the canonical form parses to the same reference.
    canonical = f"{ref.registry}/{ref.name}:{ref.tag}" + (f"@{ref.digest}" if ref.digest else "")
    assert parse_image_ref(canonical) == ref


# --- Metadata: load → validate → normalise -------------------------------------------------------
METADATA_KEYS = [
    "metadata_version",
    "title",
    "summary",
    "description",
    "dates",
    "links",
    "tags",
    "tasks",
    "categories",
    "libraries",
    "data-type",
    "license",
    "doi",
    "resources",
]


@settings(max_examples=120, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=json_objects_with_keys(METADATA_KEYS),
    as_yaml=st.booleans(),
    legacy=st.one_of(st.none(), json_objects_with_keys(["title", "summary", "sources"])),
)
def test_any_metadata_shape_yields_typed_fields_or_problems_never_a_crash(doc, as_yaml, legacy):
    text = yaml.safe_dump(doc) if as_yaml else json.dumps(doc)
    primary = SourceFile("ai4-metadata.yml", text)
    legacy_file = SourceFile("metadata.json", json.dumps(legacy)) if legacy is not None else None
    outcome = build_metadata(primary, legacy_file)
    if outcome.fields is None:
        assert outcome.problems, "no fields and no reason why"
        return
    for field, kind in FIELD_TYPES.items():
        assert isinstance(outcome.fields[field], kind), (field, outcome.fields[field])
    assert all(isinstance(t, str) for t in outcome.fields["tags"])
    assert all(
        isinstance(k, str) and isinstance(v, str) for k, v in outcome.fields["links"].items()
    )
    for problem in outcome.problems:
        assert problem.message and problem.file in ("ai4-metadata.yml", "metadata.json")


@settings(max_examples=60, deadline=3000)
@given(value=json_values)
def test_metadata_loader_on_any_json_value_returns_a_mapping_or_metadata_error(value):
    try:
        loaded = load_document(json.dumps(value), filename="metadata.json")
    except MetadataError as exc:
        assert exc.problem.message if hasattr(exc, "problem") else str(exc)
        return
    assert isinstance(loaded, dict)


# --- README Markdown -------------------------------------------------------------------------
markdown_fragments = st.one_of(
    st.sampled_from(xss_payloads()),
    st.sampled_from(
        ["# h", "* item", "1. one", "| a | b |\n|---|---|\n| 1 | 2 |", "```\ncode\n```"]
    ),
    st.sampled_from([f"[x]({u})" for u in HOSTILE_URLS] + [f"![x]({u})" for u in HOSTILE_URLS]),
    st.text(max_size=40),
)


@BOUNDED
@given(parts=st.lists(markdown_fragments, max_size=8), commit=st.sampled_from(["", "abc123"]))
def test_rendered_readme_has_no_script_handler_or_dangerous_url(parts, commit):
    source = "\n\n".join(parts)
    html = render_markdown(
        source, repository="ai4os-hub/demo" if commit else "", commit=commit, path="README.md"
    )
    assert audit(html) == []
    assert "<script" not in html.lower()
    # Output stays proportional to the input (no amplification by a crafted README).
    assert len(html) <= 20 * len(source) + 2000


def test_every_xss_payload_renders_inert():
    for payload in xss_payloads():
        for wrapped in (payload, f"text before\n\n{payload}\n\ntext after", f"> {payload}"):
            html = render_markdown(wrapped, repository="ai4os-hub/demo", commit="abc")
            assert audit(html) == [], (payload, html)


def test_readme_larger_than_the_cap_renders_bounded():
    huge = ("# heading\n\n" + "word " * 200 + "\n\n") * 2000  # ~2.3 MB
    html = render_markdown(huge)
    assert html and len(html) < 2 * 300_000 + 50_000


@BOUNDED
@given(text=st.text(max_size=200))
def test_plain_text_rendering_escapes_all_markup(text):
    html = render_text(text)
    assert "<" not in html and ">" not in html
