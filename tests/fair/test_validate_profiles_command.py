"""`manage.py validate_profiles`: the one command that re-validates the catalog against the
shipped DCAT-AP / MLDCAT-AP shapes; it fails, naming the shape's message, on a broken record."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import ModuleFactory

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("validate_profiles", *args, stdout=out)
    return out.getvalue()


def test_a_conformant_catalog_passes_every_route_and_profile():
    ModuleFactory()
    tool = ModuleFactory(tool=True)

    output = _run()
    only = _run("--only", tool.name.upper())

    for route in ("/catalog.jsonld", "module pages", "PAPI profile=mldcatap", "OAI-PMH"):
        for profile in ("DCAT-AP 3.0.1", "MLDCAT-AP 3.1.0"):
            line = next(x for x in output.splitlines() if profile in x and route in x)
            assert "0 violations" in line
    assert "2 entries checked." in output
    assert "1 entry checked." in only


def test_a_broken_record_fails_with_the_shapes_message():
    ModuleFactory()
    broken = ModuleFactory(metadata_url="")  # MLDCAT-AP's mandatory hasFile goes missing
    out = io.StringIO()

    with pytest.raises(CommandError, match="violations the conformance page does not explain"):
        call_command("validate_profiles", stdout=out)

    assert (
        f"Less than 1 values on <http://127.0.0.1:8000/modules/{broken.name}/>"
        "-><http://data.europa.eu/it6/hasFile>"
    ) in out.getvalue()


def test_nothing_to_validate_is_said_plainly():
    with pytest.raises(CommandError, match="No published entry to validate"):
        _run()
