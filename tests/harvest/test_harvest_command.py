"""``manage.py harvest``: live progress, a summary, and an exit code that tells the truth."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from catalog.models import HarvestRun, Module

pytestmark = pytest.mark.django_db(transaction=True)


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("harvest", *args, stdout=out, no_color=True)
    return out.getvalue()


def test_command_prints_progress_per_module_and_a_summary(upstream):
    output = run_command()

    progress = re.findall(r"^\[\s*(\d+)/46\] (\S+)\s+(\w+)", output, re.MULTILINE)
    assert len(progress) == 46 and {int(n) for n, _, _ in progress} == set(range(1, 47))
    assert ("dogs-breed-detector", "new") in {(name, outcome) for _, name, outcome in progress}
    assert "Harvest #" in output and "succeeded" in output
    assert "46 new, 0 updated, 0 unchanged, 0 failed, 0 withdrawn" in output
    assert re.search(r"HTTP: \d+ requests, 0 not modified \(304\), \d+ full downloads", output)
    assert "rate-limit units" in output and "duration:" in output
    # The one real error in the corpus is named with its file and line.
    assert "phyto-plankton-classification ai4-metadata.yml:14" in output


def test_second_run_reports_unchanged_modules_and_304s(upstream):
    run_command("--quiet")

    output = run_command()

    assert "0 new, 0 updated, 46 unchanged" in output
    assert re.search(r"HTTP: (\d+) requests, \1 not modified \(304\), 0 full downloads", output)


def test_quiet_prints_no_progress_lines(upstream):
    output = run_command("--quiet")

    assert not re.search(r"^\[", output, re.MULTILINE) and "Harvest #" in output


def test_only_harvests_the_named_module(upstream):
    output = run_command("--only", "satsr")

    assert list(Module.objects.values_list("name", flat=True)) == ["satsr"]
    assert re.search(r"^\[1/1\] satsr\s+new", output, re.MULTILINE)


def test_only_with_an_unknown_name_fails(upstream):
    with pytest.raises(CommandError, match="No module named nope"):
        run_command("--only", "nope")


def test_unreachable_catalog_exits_non_zero_with_the_reason(upstream):
    with pytest.raises(CommandError, match="ai4os-hub/no-such-catalog could not be read"):
        run_command("--catalog", "modules=ai4os-hub/no-such-catalog")
    assert HarvestRun.objects.get().status == HarvestRun.Status.FAILED


def test_catalog_option_reads_the_given_catalogs(upstream):
    upstream.github.add_catalog(
        "ai4os/tools-catalog",
        '[submodule "satsr"]\n\tpath = satsr\n\turl = https://github.com/ai4os-hub/satsr\n',
    )

    run_command("--catalog", "tools=ai4os/tools-catalog")

    satsr = Module.objects.get()
    assert (satsr.name, satsr.kind, satsr.catalog) == ("satsr", "tool", "ai4os/tools-catalog")


def test_malformed_catalog_option_is_refused_before_anything_runs(upstream):
    with pytest.raises(CommandError, match="KIND=OWNER/REPO"):
        run_command("--catalog", "ai4os-hub/modules-catalog")
    assert not HarvestRun.objects.exists()
