"""Shared pytest setup. Fixtures live in tests/fixtures/<area>.py, one module per area,
so each area's loopback servers and factories stay next to each other."""

import pathlib

import pytest

pytest_plugins = [
    "tests.fixtures.harvest",
    "tests.fixtures.multisource",
    "tests.fixtures.deploy",
    "tests.fixtures.auth",
    "tests.fixtures.browser",
    "tests.fixtures.axe",
    "tests.fixtures.faults",
    "tests.fixtures.inference",
]

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> pathlib.Path:
    """The real AI4OS snapshot (../shared/fixtures). Tests only; the product never reads it."""
    if not FIXTURES_DIR.is_dir():
        pytest.fail(f"shared fixtures not found at {FIXTURES_DIR}")
    return FIXTURES_DIR
