"""Run the coverage-guided fuzzer (tests/hostile/fuzz_parsers.py) for a few seconds, seeded
with the XSS corpus and real-shaped inputs; any crash fails the test with its input."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from tests.hostile.strategies import xss_payloads

pytest.importorskip("atheris")

HARNESS = pathlib.Path(__file__).resolve().parent / "fuzz_parsers.py"
SECONDS = 8
SEEDS = {
    0: ['[submodule "x"]\n\tpath = x\n\turl = https://github.com/ai4os-hub/x\n'],
    1: ["ai4oshub/ai4os-demo-app:latest", "registry.example.org:5000/a/b@sha256:" + "a" * 64],
    2: ["metadata_version: 2.0.0\ntitle: x\nlinks:\n  docker_image: ai4oshub/x\n"],
    3: ['{"title": "x", "keywords": ["a",],}'],
    4: xss_payloads(),
}


def test_parsers_survive_a_few_seconds_of_coverage_guided_fuzzing(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for choice, seeds in SEEDS.items():
        for index, seed in enumerate(seeds):
            (corpus / f"{choice}-{index}").write_bytes(bytes([choice]) + seed.encode())
    result = subprocess.run(  # noqa: S603 - our interpreter and harness
        [
            sys.executable,
            str(HARNESS),
            f"-max_total_time={SECONDS}",
            f"-artifact_prefix={tmp_path}/",
            "-rss_limit_mb=2048",
            "-timeout=10",
            str(corpus),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=SECONDS + 90,
    )
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(("crash", "oom")))
    report = "\n".join(
        line for line in result.stdout.splitlines() if not line.startswith("INFO: Instrumenting")
    )
    assert result.returncode == 0 and not crashes, f"fuzzer found {crashes}:\n{report[-4000:]}"
    assert "Done" in report  # it really ran
