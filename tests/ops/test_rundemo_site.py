"""The README's first command, `manage.py rundemo`, run as a newcomer runs it (SQLite in its
own folder, the embedded broker): two demos on one machine both come up, each with its own
sandbox (its dataset record server once had a fixed port, and the second demo stopped at
once), and the absolute URLs the API hands out are the address the demo prints (they named
localhost while the newcomer browsed 127.0.0.1)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import requests

from deployments.sandbox.dataset_records import SANDBOX_RECORD_ID
from marketplace.management.commands.rundemo import _free_port
from tests.fixtures.deploy import REPO_ROOT

pytestmark = [pytest.mark.slow]

# What the demo's own settings would otherwise take from the test run's environment.
_NOT_INHERITED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SITE_URL",
    "DATASET_RECORDS_API",
    "DJANGO_SETTINGS_MODULE",
)


@contextmanager
def _demo(folder: Path):
    """A running `rundemo --no-worker` on a free port: (the address it printed, its log)."""
    folder.mkdir()
    log = folder / "demo.log"
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    env |= {"AIX_VAR_DIR": str(folder), "CELERY_BROKER_URL": "filesystem://"}
    command = [sys.executable, "manage.py", "rundemo", "--no-worker", "--port", str(_free_port())]
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 240  # a first run builds DEEPaaS's virtualenv
        while not (found := re.search(r"is running at (\S+)/\n", log.read_text())):
            assert process.poll() is None, f"the demo stopped:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        yield found.group(1), log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_two_demos_run_at_once_and_their_api_links_are_the_printed_address(tmp_path):
    with ExitStack() as stack:
        demos = [stack.enter_context(_demo(tmp_path / name)) for name in ("first", "second")]
        records = set()
        for address, log in demos:
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+", address)
            listing = requests.get(f"{address}/api/v1/modules/?page_size=1", timeout=30)
            assert listing.status_code == 200
            assert listing.json()["next"].startswith(f"{address}/api/v1/modules/?")

            # Its sandbox is up and serves the sample dataset record the docs cite.
            base = re.search(
                r"dataset records \(Zenodo-like\) at (\S+/api/records)", log.read_text()
            )
            assert base, log.read_text()[-3000:]
            record = requests.get(f"{base.group(1)}/{SANDBOX_RECORD_ID}", timeout=10)
            assert record.status_code == 200
            records.add(base.group(1))
            assert "exited with code" not in log.read_text()
        assert len(records) == 2
