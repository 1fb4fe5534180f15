"""Shared pytest setup. Fixtures live in tests/fixtures/<area>.py, one module per area,
so each area's loopback servers and factories stay next to each other."""

import pathlib

import pytest

pytest_plugins = [
    "tests.fixtures.harvest",
    "tests.fixtures.generation",
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test has a node id of its own, or the run stops before it starts.

    The suite runs on pytest-xdist workers (scripts/test), which hand tests out by node id:
    of several items sharing one id, all but one would silently never run. Schemathesis
    names each operation's item `test[GET /path]` but gives them all the function's id, so
    those get their name as their id; any other duplicate is an error, not a lost test.
    """
    for item in items:
        if item.nodeid.rsplit("::", 1)[-1] != item.name:
            item._id = item.parent.id.child(item.name)  # pytest 9's node id; no public setter
    seen: set[str] = set()
    shared = sorted({item.nodeid for item in items if item.nodeid in seen or seen.add(item.nodeid)})
    if shared:
        raise pytest.UsageError("tests sharing a node id (one would not run): " + ", ".join(shared))
