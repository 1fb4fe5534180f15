"""build_metadata: which file a module's entry comes from, and what the maintainer is told."""

import json

import pytest

from catalog.metadata import NORMALISED_FIELDS, MetadataOutcome, SourceFile, build_metadata

from . import LEGACY, MODULES, PRIMARY, fixture_bytes

VALID = """\
metadata_version: 2.3.0
title: Demo
summary: A demo module.
description: Longer text.
links:
  source_code: https://github.com/example/demo
  docker_image: example/demo
tags: [demo]
tasks: [Computer Vision]
categories: [AI4 inference]
libraries: [PyTorch]
"""

V1 = json.dumps(
    {
        "title": "Demo (legacy)",
        "summary": "A demo module.",
        "description": ["Old text."],
        "keywords": ["demo", "pytorch"],
        "license": "MIT",
        "date_creation": "2020-05-01",
        "sources": {
            "dockerfile_repo": "https://github.com/example/demo",
            "docker_registry_repo": "example/demo",
            "code": "https://github.com/example/demo",
        },
    }
)


def _module(module: str) -> MetadataOutcome:
    files = []
    for name in (PRIMARY, LEGACY):
        data = fixture_bytes(module, name)
        files.append(SourceFile(name=name, text=data) if data is not None else None)
    return build_metadata(*files)


def _warnings(outcome: MetadataOutcome, field: str) -> list[str]:
    return [p.message for p in outcome.problems if p.severity == "warning" and p.field == field]


def _primary(text: str) -> SourceFile:
    return SourceFile(name=PRIMARY, text=text)


def _legacy(text: str) -> SourceFile:
    return SourceFile(name=LEGACY, text=text)


@pytest.mark.parametrize("module", MODULES)
def test_every_real_module_gives_usable_fields_with_clear_problems(module):
    outcome = _module(module)
    assert outcome.ok, outcome.problems
    assert tuple(outcome.fields) == NORMALISED_FIELDS
    assert outcome.fields["title"] and outcome.fields["docker_image"]
    json.dumps([outcome.fields, outcome.raw, [p.as_dict() for p in outcome.problems]])
    for problem in outcome.problems:
        assert problem.file in (PRIMARY, LEGACY)
        assert problem.severity in ("error", "warning")
        assert problem.message
    if module != "phyto-plankton-classification":
        assert outcome.used_file == PRIMARY
        assert [p for p in outcome.problems if p.severity == "error"] == []


def test_phyto_plankton_falls_back_to_legacy_and_says_why():
    outcome = _module("phyto-plankton-classification")
    assert outcome.used_file == LEGACY
    assert outcome.schema_version == "1.0.0"
    assert outcome.ok  # the file used is fine; the broken primary is reported, not fatal
    error = outcome.problems[0]
    assert (error.severity, error.file, error.line) == ("error", PRIMARY, 14)
    assert any(
        p.severity == "warning" and "using the legacy metadata.json" in p.message.lower()
        for p in outcome.problems
    )
    fields = outcome.fields
    assert fields["title"] == "Phytoplankton species classifier (VLIZ)"
    assert fields["docker_image"] == "ai4oshub/phyto-plankton-classification"
    assert fields["license"] == "MIT"
    assert fields["metadata_version"] == "1.0.0"
    assert outcome.raw["sources"]  # raw is the v1 document as found


def test_phyto_plankton_without_legacy_has_nothing_usable():
    data = fixture_bytes("phyto-plankton-classification", PRIMARY)
    outcome = build_metadata(_primary(data), None)
    assert outcome.fields is None and outcome.raw is None and outcome.used_file is None
    assert not outcome.ok
    [problem] = outcome.problems
    assert problem.line == 14


def test_thermal_anomaly_docker_image_disagreement_is_a_warning_naming_both():
    outcome = _module("thermal-anomaly-segmenter")
    [message] = _warnings(outcome, "links.docker_image")
    assert "emvollmer/thermal-anomaly-segmenter" in message
    assert "ai4oshub/thermal-anomaly-segmenter" in message
    assert "metadata.json" in message and "using ai4-metadata.yml" in message
    assert outcome.fields["docker_image"] == "ai4oshub/thermal-anomaly-segmenter"
    assert _warnings(outcome, "title")


def test_posenet_disagreements_are_warnings_but_a_leading_space_is_not():
    outcome = _module("posenet-tf")
    assert _warnings(outcome, "title") == [
        'metadata.json says "posenet-tf", ai4-metadata.yml says "Body pose detection" for the '
        "title; using ai4-metadata.yml."
    ]
    assert _warnings(outcome, "summary")
    assert _warnings(outcome, "links.docker_image") == []  # " ai4oshub/posenet-tf" is the same
    assert outcome.ok


def test_dicom_image_without_namespace_is_kept_and_disagreement_reported():
    outcome = _module("image-classification-tf-dicom")
    assert outcome.fields["docker_image"] == "image-classification-tf-dicom"
    assert _warnings(outcome, "links.docker_image")


def test_satsr_misspelt_key_reaches_the_outcome():
    outcome = _module("satsr")
    [message] = _warnings(outcome, "sata-type")
    assert "data-type" in message
    assert outcome.ok


@pytest.mark.parametrize(
    ("module", "version"),
    [("socib-rip-currents-detection", "1.0.1"), ("socib-beach-wracks-identification", "1.0.0")],
)
def test_odd_declared_versions_are_usable_with_a_warning(module, version):
    outcome = _module(module)
    assert outcome.ok
    assert outcome.schema_version == "2.3.0"
    assert outcome.fields["metadata_version"] == version  # as declared
    assert any(version in m for m in _warnings(outcome, "metadata_version"))


def test_trailing_comma_in_legacy_is_mentioned_but_harmless():
    outcome = _module("zooprocess-multiple-separator")
    assert outcome.used_file == PRIMARY
    assert any(p.file == LEGACY and "not strict JSON" in p.message for p in outcome.problems)


def test_licence_comes_from_legacy_when_v2_has_none():
    assert _module("DEEP-OC-mods").fields["license"] == "Apache 2.0"
    assert _module("sentinel-data-fusion").fields["license"] == ""  # no legacy file


def test_licence_disagreement_when_both_give_one():
    outcome = build_metadata(_primary(VALID + "license: Apache-2.0\n"), _legacy(V1))
    assert outcome.fields["license"] == "Apache-2.0"
    [message] = _warnings(outcome, "license")
    assert '"MIT"' in message and '"Apache-2.0"' in message


def test_schema_invalid_primary_still_gives_fields_but_is_not_ok():
    text = VALID.replace("tasks: [Computer Vision]", "tasks: [Astrology]")
    outcome = build_metadata(_primary(text), _legacy(V1))
    assert outcome.used_file == PRIMARY
    assert outcome.fields["tasks"] == ["Astrology"]
    assert not outcome.ok
    [error] = [p for p in outcome.problems if p.severity == "error"]
    assert (error.file, error.field, error.line) == (PRIMARY, "tasks.0", 9)


def test_missing_primary_uses_legacy_with_an_error_and_a_warning():
    outcome = build_metadata(None, _legacy(V1))
    assert outcome.ok
    assert outcome.used_file == LEGACY
    assert outcome.fields["title"] == "Demo (legacy)"
    assert outcome.fields["libraries"] == ["PyTorch"]  # ai4-metadata's keyword inference
    assert outcome.fields["created"] == "2020-05-01"
    first, *rest = outcome.problems
    assert (first.severity, first.file) == ("error", PRIMARY)
    assert "missing" in first.message
    assert any(p.severity == "warning" and p.file == LEGACY for p in rest)


def test_invalid_legacy_used_as_fallback_is_not_ok():
    outcome = build_metadata(None, _legacy('{"title": "Only a title"}'))
    assert outcome.fields is not None
    assert outcome.fields["title"] == "Only a title"
    assert not outcome.ok
    assert any(p.severity == "error" and p.file == LEGACY for p in outcome.problems)


def test_legacy_that_declares_v2_is_read_as_v2():
    v2_json = json.dumps({**json.loads(V1), "metadata_version": "2.3.0"})
    outcome = build_metadata(None, _legacy(v2_json))
    assert outcome.schema_version == "2.3.0"
    assert outcome.fields["title"] == "Demo (legacy)"
    assert any("Legacy (v1) keys" in p.message for p in outcome.problems)


def test_unreadable_legacy_is_only_a_warning_when_primary_is_used():
    outcome = build_metadata(_primary(VALID), _legacy("{not json"))
    assert outcome.ok
    assert outcome.fields["title"] == "Demo"
    [problem] = outcome.problems
    assert (problem.file, problem.severity) == (LEGACY, "warning")


def test_both_unreadable_explains_both():
    outcome = build_metadata(_primary("title: [unclosed"), _legacy("{not json"))
    assert outcome.fields is None and not outcome.ok
    assert [(p.file, p.severity) for p in outcome.problems] == [
        (PRIMARY, "error"),
        (LEGACY, "error"),
    ]


def test_no_files_at_all():
    outcome = build_metadata(None, None)
    assert outcome.fields is None and not outcome.ok
    [problem] = outcome.problems
    assert "No metadata found" in problem.message


def test_agreeing_files_give_no_warnings():
    agreeing = json.loads(V1) | {"title": "Demo"}
    outcome = build_metadata(_primary(VALID), _legacy(json.dumps(agreeing)))
    assert outcome.problems == []
    assert outcome.ok
    assert outcome.fields["license"] == "MIT"


def test_text_and_bytes_give_the_same_outcome():
    as_text = build_metadata(_primary(VALID), _legacy(V1))
    as_bytes = build_metadata(_primary(VALID.encode()), _legacy(V1.encode()))
    assert as_text == as_bytes
