"""validate_document: declared versions, schema errors in plain words, warnings."""

import time

import pytest

from catalog.metadata import MetadataProblem, load_document, validate_document
from catalog.metadata.validation import LATEST, schema_problems

from . import PRIMARY, fixture_bytes, modules_with

PARSEABLE = [m for m in modules_with(PRIMARY) if m != "phyto-plankton-classification"]
ODD_VERSIONS = {"socib-rip-currents-detection", "socib-beach-wracks-identification"}

VALID = """\
metadata_version: 2.3.0
title: Demo
summary: A demo module.
description: Longer text.
dates:
  created: '2024-01-31'
  updated: '2024-02-01'
links:
  source_code: https://github.com/example/demo
  docker_image: example/demo
tags: [demo]
tasks: [Computer Vision]
categories: [AI4 inference]
libraries: [PyTorch]
data-type: [Image]
"""


def _load(text: str):
    return load_document(text, filename=PRIMARY)


def _fixture(module: str):
    return load_document(fixture_bytes(module, PRIMARY), filename=PRIMARY)


def _by_field(problems: list[MetadataProblem]) -> dict[str | None, MetadataProblem]:
    return {p.field: p for p in problems}


@pytest.mark.parametrize("module", PARSEABLE)
def test_real_modules_validate_without_errors(module):
    doc = _fixture(module)
    version, problems = validate_document(doc, filename=PRIMARY)
    assert [p for p in problems if p.severity == "error"] == []
    if module not in ODD_VERSIONS:
        assert version == doc["metadata_version"] == "2.0.0"


def test_unknown_declared_version_is_checked_against_latest_with_a_warning():
    version, problems = validate_document(
        _fixture("socib-rip-currents-detection"), filename=PRIMARY
    )
    assert version == LATEST == "2.3.0"
    [warning] = problems
    assert warning.severity == "warning"
    assert warning.field == "metadata_version"
    assert warning.line == 1
    assert "1.0.1" in warning.message and LATEST in warning.message


def test_v2_content_declared_1_0_0_is_checked_against_latest_with_a_warning():
    doc = _fixture("socib-beach-wracks-identification")
    # Taken at its word, the file is invalid: that is what the fallback avoids.
    assert schema_problems(doc, "1.0.0", filename=PRIMARY)
    version, problems = validate_document(doc, filename=PRIMARY)
    assert version == LATEST
    [warning] = problems
    assert warning.severity == "warning"
    assert "1.0.0" in warning.message and "v2" in warning.message


def test_real_v1_content_declared_1_0_0_is_checked_as_v1():
    doc = load_document(fixture_bytes("dogs-breed-detector", "metadata.json"), filename="a.json")
    doc["metadata_version"] = "1.0.0"
    version, problems = validate_document(doc, filename=PRIMARY)
    assert version == "1.0.0"
    assert [p.severity for p in problems] == ["warning"]
    assert "legacy v1" in problems[0].message


def test_misspelt_key_in_satsr_gets_a_did_you_mean_warning():
    version, problems = validate_document(_fixture("satsr"), filename=PRIMARY)
    warning = _by_field(problems)["sata-type"]
    assert warning.severity == "warning"
    assert "did you mean 'data-type'" in warning.message
    assert warning.line == 52


def test_key_from_a_later_schema_version_is_pointed_out():
    _, problems = validate_document(_fixture("sentinel-data-fusion"), filename=PRIMARY)
    warning = _by_field(problems)["resources"]
    assert warning.severity == "warning"
    assert "2.1.0" in warning.message and "2.0.0" in warning.message


def test_valid_document_has_no_problems():
    assert validate_document(_load(VALID), filename=PRIMARY) == ("2.3.0", [])


def test_missing_required_field_names_the_field_and_the_mapping_line():
    doc = _load(VALID.replace("  source_code: https://github.com/example/demo\n", ""))
    _, problems = validate_document(doc, filename=PRIMARY)
    [problem] = problems
    assert problem.severity == "error"
    assert problem.field == "links.source_code"
    assert problem.line == 8  # the `links:` line
    assert problem.message == "The required field 'links.source_code' is missing."


def test_missing_top_level_field_has_no_line():
    _, problems = validate_document(
        _load(VALID.replace("summary: A demo module.\n", "")), filename=PRIMARY
    )
    assert [(p.field, p.line) for p in problems] == [("summary", None)]


def test_schema_errors_point_at_the_offending_line_in_plain_words():
    text = (
        VALID.replace("tasks: [Computer Vision]", "tasks:\n  - Computer Vision\n  - Astrology")
        .replace("title: Demo", "title: 42")
        .replace("categories: [AI4 inference]", "categories: AI4 inference")
    )
    _, problems = validate_document(_load(text), filename=PRIMARY)
    found = _by_field(problems)
    assert set(found) == {"title", "tasks.1", "categories"}
    assert found["title"].line == 2
    assert found["title"].message == "'title' should be text, but it is a whole number."
    assert found["tasks.1"].line == 14
    assert '"Astrology", which is not an allowed value' in found["tasks.1"].message
    assert "Computer Vision" in found["tasks.1"].message  # lists what is allowed
    assert found["categories"].message == "'categories' should be a list, but it is text."


def test_legacy_keys_in_a_v2_file_get_one_readable_error():
    text = VALID + "sources:\n  code: x\nkeywords: [a]\n"
    _, problems = validate_document(_load(text), filename=PRIMARY)
    [problem] = problems
    assert problem.severity == "error"
    assert "sources, keywords" in problem.message
    assert problem.line == 16  # the `sources:` line
    assert len(problem.message) < 200  # not the whole document, as jsonschema would print


def test_bad_dates_get_a_warning():
    text = VALID.replace("'2024-01-31'", "'2024-02-30'").replace("'2024-02-01'", "last week")
    _, problems = validate_document(_load(text), filename=PRIMARY)
    assert {(p.field, p.severity) for p in problems} == {
        ("dates.created", "warning"),
        ("dates.updated", "warning"),
    }


def test_hostile_document_yields_a_bounded_problem_list():
    text = VALID.replace(
        "tasks: [Computer Vision]", "tasks: [" + ", ".join(f"t{i}" for i in range(2000)) + "]"
    )
    _, problems = validate_document(_load(text), filename=PRIMARY)
    assert 2 <= len(problems) <= 51
    assert "More schema errors" in problems[-1].message


def test_version_that_is_not_text_is_reported():
    version, problems = validate_document(_load(VALID.replace("2.3.0", "2.0")), filename=PRIMARY)
    assert version == LATEST
    assert {p.severity for p in problems} == {"warning", "error"}
    assert all(p.field == "metadata_version" for p in problems)


def test_validating_the_whole_corpus_is_fast():
    docs = [_fixture(m) for m in PARSEABLE]
    validate_document(docs[0], filename=PRIMARY)  # warm the validator cache
    started = time.perf_counter()
    for doc in docs * 5:
        validate_document(doc, filename=PRIMARY)
    assert time.perf_counter() - started < 3
