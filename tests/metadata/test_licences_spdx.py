"""Stated licences → SPDX expressions (catalog.metadata.licences): recognised spellings become
one SPDX id, anything else is reported in plain words and never guessed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.metadata.licences import eu_licence_uri, read_licence, record_licence, spdx_uri


@pytest.mark.parametrize(
    ("stated", "spdx"),
    [
        # ai4-metadata free text, as AI4OS modules write it
        ("Apache 2.0", "Apache-2.0"),
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        ("BSD 3-Clause", "BSD-3-Clause"),
        ("AGPL-3.0-only", "AGPL-3.0-only"),
        # GitHub's detected ids (deprecated SPDX ids, as SPDX defines them)
        ("AGPL-3.0", "AGPL-3.0-only"),
        ("GPL-3.0", "GPL-3.0-only"),
        # Hugging Face tags, BioImage.io RDFs, AIoD
        ("apache-2.0", "Apache-2.0"),
        ("cc-by-4.0", "CC-BY-4.0"),
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("gpl-3.0+", "GPL-3.0-or-later"),
        # links to the licence on spdx.org or opensource.org
        ("https://spdx.org/licenses/MIT.html", "MIT"),
        ("https://opensource.org/licenses/Apache-2.0", "Apache-2.0"),
        # expressions
        ("mit OR apache-2.0", "MIT OR Apache-2.0"),
        ("GPL-2.0 WITH Classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"),
    ],
)
def test_recognised_spellings_become_one_spdx_expression(stated, spdx):
    reading = read_licence(stated)
    assert (reading.spdx, reading.problem) == (spdx, "")


@pytest.mark.parametrize(
    ("stated", "words"),
    [
        ("GPL", "“GPL” is ambiguous: it names a family of licences, not one version"),
        ("GPL License", "“GPL License” is ambiguous"),
        ("Apache-2.0 OR GPL", "“GPL” is ambiguous"),
        ("BSD", "“BSD” is not on the SPDX licence list"),
        ("openrail", "“openrail” is not on the SPDX licence list"),
        ("No license file", "“No license file” does not name a licence"),
        ("other", "“other” does not name a licence"),
        ("https://example.org/our-terms", "given as a link (https://example.org/our-terms)"),
        ("MIT AND", "“MIT AND” is not a licence expression we can read"),
    ],
)
def test_unknown_or_ambiguous_licences_are_reported_not_guessed(stated, words):
    reading = read_licence(stated)
    assert reading.spdx == ""
    assert words in reading.problem
    assert "https://spdx.org/licenses/" in reading.problem or "licence expression" in words


def test_the_licence_file_wins_and_a_disagreement_is_explained():
    licence = record_licence(stated="Apache 2.0", repository="MIT")
    assert (licence.spdx, licence.used, licence.disagree) == ("MIT", "repository", True)
    assert licence.explanation() == (
        "The metadata says “Apache 2.0” but the repository’s LICENSE file is MIT; this record "
        "uses the LICENSE file, the grant that ships with the code."
    )
    [problem] = licence.problems()
    assert problem["field"] == "license" and problem["severity"] == "warning"


def test_the_same_licence_spelled_two_ways_is_no_disagreement():
    licence = record_licence(stated="AGPL-3.0-only", repository="AGPL-3.0")
    assert (licence.spdx, licence.disagree, licence.problems()) == ("AGPL-3.0-only", False, [])


def test_without_a_recognised_licence_file_the_metadata_is_used():
    assert record_licence(stated="Apache 2.0", repository="other").spdx == "Apache-2.0"
    assert record_licence(stated="Apache 2.0", repository="").used == "metadata"
    assert record_licence(stated="llama2", repository="").spdx == ""


def test_licence_uris_spdx_and_eu_vocabulary():
    assert spdx_uri("Apache-2.0") == "https://spdx.org/licenses/Apache-2.0"
    assert eu_licence_uri("Apache-2.0") == (
        "http://publications.europa.eu/resource/authority/licence/APACHE_2_0"
    )
    assert eu_licence_uri("AGPL-3.0-only") == eu_licence_uri("AGPL-3.0-or-later")
    assert spdx_uri("MIT OR Apache-2.0") == "" and eu_licence_uri("MIT OR Apache-2.0") == ""
    assert eu_licence_uri("CC-BY-NC-SA-3.0-DE") == ""


_LICENCE_WORDS = st.sampled_from(
    ["MIT", "AND", "OR", "WITH", "(", ")", "GPL", "Apache 2.0", "Classpath-exception-2.0", "+"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_LICENCE_WORDS, max_size=8).map(" ".join) | st.text(max_size=60))
def test_any_statement_is_read_or_explained_never_raises(stated):
    # The parser raises IndexError or AssertionError on input such as "( AND MIT".
    reading = read_licence(stated)
    assert bool(reading.spdx) != bool(reading.problem) or not stated.strip()
