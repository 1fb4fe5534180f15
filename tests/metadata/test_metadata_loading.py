"""load_document: real files, their warts, and hostile input."""

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.metadata import (
    MAX_DEPTH,
    MAX_DOCUMENT_BYTES,
    MetadataError,
    MetadataProblem,
    load_document,
)

from . import LEGACY, PRIMARY, fixture_bytes, modules_with

TRAILING_COMMA_MODULES = [
    "thunderstorm-nowcast-microstep",
    "zooprocess-multiple-classifier",
    "zooprocess-multiple-separator",
]


def _error(text, filename=PRIMARY) -> MetadataProblem:
    with pytest.raises(MetadataError) as caught:
        load_document(text, filename=filename)
    problem = caught.value.problem
    assert problem.file == filename
    assert problem.severity == "error"
    assert str(caught.value) == problem.message
    return problem


@pytest.mark.parametrize(
    "module", [m for m in modules_with(PRIMARY) if m != "phyto-plankton-classification"]
)
def test_every_real_ai4_metadata_yml_loads_as_a_mapping(module):
    doc = load_document(fixture_bytes(module, PRIMARY), filename=PRIMARY)
    assert isinstance(doc, dict)
    assert doc["title"]
    assert doc.lines[("title",)] >= 1
    json.dumps(doc)  # only JSON types: it can go straight into a JSON column


@pytest.mark.parametrize("module", modules_with(LEGACY))
def test_every_real_metadata_json_loads(module):
    doc = load_document(fixture_bytes(module, LEGACY), filename=LEGACY)
    assert isinstance(doc["description"], list)
    assert "sources" in doc
    # Line numbers come through even for the tab-indented ones.
    assert doc.lines.get(("title",)) == 2


def test_broken_phyto_plankton_yaml_names_file_and_line_14():
    problem = _error(fixture_bytes("phyto-plankton-classification", PRIMARY))
    assert problem.line == 14
    assert "ai4-metadata.yml" in problem.message
    assert "line 14" in problem.message
    assert "mapping values are not allowed here" in problem.message


@pytest.mark.parametrize("module", TRAILING_COMMA_MODULES)
def test_metadata_json_with_trailing_commas_loads_with_a_warning(module):
    raw = fixture_bytes(module, LEGACY)
    with pytest.raises(json.JSONDecodeError):
        json.loads(raw)  # the wart is real
    doc = load_document(raw, filename=LEGACY)
    assert doc["sources"]["docker_registry_repo"] == f"ai4oshub/{module}"
    [note] = doc.notes
    assert note.severity == "warning"
    assert note.file == LEGACY
    assert "not strict JSON" in note.message


def test_strict_json_has_no_notes_and_yaml_only_json_is_still_refused():
    assert load_document('{"a": [1, 2]}', filename=LEGACY).notes == []
    problem = _error("a: 1\nb: [x", filename=LEGACY)
    assert "not valid JSON" in problem.message
    assert problem.line == 1


def test_alias_bomb_is_rejected_quickly_with_a_clear_message():
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        levels.append(f"a{i}: &a{i} [{refs}]")
    bomb = "\n".join(levels) + "\n"
    assert len(bomb) < 1000
    started = time.perf_counter()
    problem = _error(bomb)
    assert time.perf_counter() - started < 0.5
    assert "anchors or aliases" in problem.message
    assert problem.line == 1


@pytest.mark.parametrize("filename", [PRIMARY, LEGACY])
def test_a_single_alias_is_rejected_in_yaml_and_in_lenient_json(filename):
    _error("base: &b {x: 1}\ncopy: *b\n", filename=filename)


def test_deep_nesting_is_rejected_in_yaml_without_recursion_error():
    problem = _error("a: " + "[" * 50_000 + "]" * 50_000)
    assert f"nested more than {MAX_DEPTH} levels" in problem.message


def test_deep_nesting_is_rejected_in_json():
    problem = _error('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}", filename=LEGACY)
    assert "nested" in problem.message


@pytest.mark.parametrize("filename", [PRIMARY, LEGACY])
def test_nesting_limit_is_exact(filename):
    def nested(levels):  # the top-level mapping is level 1
        return '{"a": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"

    assert load_document(nested(MAX_DEPTH), filename=filename)
    _error(nested(MAX_DEPTH + 1), filename=filename)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_one_megabyte_document_is_rejected_before_parsing(as_bytes):
    text = "title: " + "x" * 1_000_000
    problem = _error(text.encode() if as_bytes else text)
    assert f"{MAX_DOCUMENT_BYTES // 1024} KB" in problem.message


def test_size_cap_counts_bytes_not_characters():
    text = "title: " + "é" * (MAX_DOCUMENT_BYTES // 2)  # fewer characters than bytes
    assert len(text) < MAX_DOCUMENT_BYTES
    _error(text)


def test_python_object_tags_are_rejected_not_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"title: !!python/object/apply:os.system ['touch {marker}']\n"
    problem = _error(text)
    assert "!!python/object/apply:os.system" in problem.message
    assert problem.line == 1
    assert not marker.exists()


@pytest.mark.parametrize("text", ["x: !!binary aGVsbG8=", "x: !!set {a}", "x: !custom 1"])
def test_other_non_json_tags_are_rejected(text):
    assert "tag" in _error(text).message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("- a\n- b\n", "a list"),
        ("just some text\n", "a single value"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
        ("null\n", "empty"),
    ],
)
def test_top_level_must_be_a_mapping(text, words):
    assert words in _error(text).message


def test_binary_garbage_is_rejected():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xd8\xff\xe0"
    problem = _error(png)
    assert "UTF-8" in problem.message
    assert problem.line == 1


def test_non_utf8_byte_reports_its_line():
    problem = _error(b"title: ok\nsummary: caf\xe9\n")
    assert problem.line == 2


def test_control_characters_are_rejected():
    assert _error("title: a\x00b").line == 1


def test_dates_stay_text_and_bom_is_ignored():
    doc = load_document("\ufeffdates:\n  created: 2024-01-31\n".encode(), filename=PRIMARY)
    assert doc == {"dates": {"created": "2024-01-31"}}


@pytest.mark.parametrize(
    ("text", "filename"),
    [
        ("1: one", PRIMARY),
        ("a: .nan", PRIMARY),
        ("a: .inf", PRIMARY),
        ('{"a": NaN}', LEGACY),
        ("a: " + "9" * 5000, PRIMARY),
        ("a: 1\n---\nb: 2\n", PRIMARY),
    ],
)
def test_values_json_cannot_hold_are_rejected(text, filename):
    _error(text, filename=filename)


def test_problem_as_dict_is_plain():
    problem = _error("a: [")
    assert problem.as_dict() == {
        "file": PRIMARY,
        "line": problem.line,
        "field": None,
        "message": problem.message,
        "severity": "error",
    }


YAMLISH = st.lists(
    st.sampled_from(
        [
            ":",
            ": ",
            " ",
            "\n",
            "  ",
            "-",
            "- ",
            "[",
            "]",
            "{",
            "}",
            ",",
            "&a ",
            "*a",
            "!!python/object ",
            "!x ",
            "'",
            '"',
            "a",
            "title",
            "1",
            "1e999",
            ".nan",
            "2024-13-45",
            "#",
            "|",
            ">",
            "? ",
            "\t",
            "<<: ",
            "---\n",
            "...",
            "%YAML 1.1\n",
            "\\",
            "\x00",
            "\ufeff",
            "é",
            "~",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=300), YAMLISH), filename=st.sampled_from([PRIMARY, LEGACY]))
def test_arbitrary_text_only_ever_raises_metadata_error(text, filename):
    started = time.perf_counter()
    try:
        doc = load_document(text, filename=filename)
    except MetadataError as exc:
        assert exc.problem.message
    else:
        assert isinstance(doc, dict)
        json.dumps(doc, allow_nan=False)
    assert time.perf_counter() - started < 1


@settings(max_examples=100, deadline=1000)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_only_ever_raise_metadata_error(data):
    try:
        load_document(data, filename=PRIMARY)
    except MetadataError:
        pass
