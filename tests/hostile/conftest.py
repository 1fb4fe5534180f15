"""Until tests.fixtures.faults is in tests/conftest.py's plugin list, load it from here."""

from tests.fixtures.faults import *  # noqa: F403
