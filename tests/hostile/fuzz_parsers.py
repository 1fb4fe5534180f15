"""Coverage-guided fuzzing (atheris / libFuzzer) of the parsers that read outside data.

    python tests/hostile/fuzz_parsers.py -max_total_time=10 [corpus_dir]

The first byte of each input picks the parser; the rest is its input. A parser may refuse
input only with its documented error (ValueError, MetadataError); anything else, or a
rendered README that still carries a script, is a crash that libFuzzer reports with the
input that caused it. tests/hostile/test_fuzz.py runs this for a few seconds.
"""

from __future__ import annotations

import os
import pathlib
import sys

import atheris

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings_test")

import django  # noqa: E402 - the environment above must be set first

django.setup()  # not instrumented: Django itself is not under test

# Instrument the parsers and the libraries they lean on, so coverage guides the fuzzer there.
with atheris.instrument_imports(
    include=["catalog.metadata", "catalog.sources", "catalog.web.rendering", "markdown", "yaml"]
):
    from catalog.metadata import MetadataError, load_document
    from catalog.sources.dockerhub import parse_image_ref
    from catalog.sources.gitmodules import parse_gitmodules
    from catalog.web.rendering import render_markdown
    from tests.hostile.html_audit import audit

ALLOWED_OWNERS = ["ai4os", "ai4os-hub", "deephdc"]


def _gitmodules(text: str) -> None:
    try:
        listing = parse_gitmodules(text, allowed_owners=ALLOWED_OWNERS)
    except ValueError:
        return
    for module in listing.submodules:
        if module.owner.lower() not in ALLOWED_OWNERS or "/" in module.name or ".." in module.name:
            raise AssertionError(f"unsafe submodule accepted: {module}")


def _image(text: str) -> None:
    try:
        ref = parse_image_ref(text)
    except ValueError:
        return
    if ".." in ref.name or any(c.isspace() for c in ref.tag):
        raise AssertionError(f"unsafe image reference accepted: {ref}")


def _metadata(text: str, filename: str) -> None:
    try:
        document = load_document(text, filename=filename)
    except MetadataError:
        return
    if not isinstance(document, dict):
        raise AssertionError("a metadata document that is not a mapping")


def _markdown(text: str) -> None:
    html = render_markdown(text, repository="ai4os-hub/x", commit="abc", path="README.md")
    problems = audit(html)
    if problems:
        raise AssertionError(f"unsafe HTML survived rendering: {problems}: {html[:300]!r}")


def test_one_input(data: bytes) -> None:
    if not data:
        return
    choice, payload = data[0] % 5, data[1:]
    text = payload.decode("utf-8", "replace")
    if choice == 0:
        _gitmodules(text)
    elif choice == 1:
        _image(text)
    elif choice == 2:
        _metadata(text, "ai4-metadata.yml")
    elif choice == 3:
        _metadata(text, "metadata.json")
    else:
        _markdown(text[:20_000])


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
