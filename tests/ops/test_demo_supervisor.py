"""`manage.py rundemo` supervises a real `celery worker --beat`: when the worker is SIGKILLed,
stopping the demo stops the beat it forked too (no orphan left sending periodic tasks)."""

from __future__ import annotations

import os
import pathlib
import signal
import sys
import time
import uuid

import pytest
import redis

from marketplace.supervisor import Supervisor
from tests.fixtures.deploy import REPO_ROOT, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]


def _children(pid: int) -> list[int]:
    out = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_killed_worker_s_beat_stops_with_the_demo(settings, tmp_path):
    log = tmp_path / "worker.log"
    prefix = f"supervisortest-{uuid.uuid4().hex[:8]}:"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings_test",
        # A private key prefix and a queue nobody else reads: beat's messages go nowhere.
        "DEPLOY_TEST_KEYPREFIX": prefix,
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.deploy.worker_app",
        "worker",
        "--beat",
        "-Q",
        "supervisortest",
        "--pool=threads",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-s",
        str(tmp_path / "celerybeat-schedule"),
    ]
    supervisor = Supervisor()
    os.chdir(REPO_ROOT)
    worker = supervisor.start("worker", command, env, output=log.open("w"))
    try:
        wait_for(lambda: " ready." in log.read_text(errors="replace"), timeout=90)
        beat = wait_for(lambda: _children(worker.process.pid), timeout=30)[0]
        assert _alive(beat)

        os.kill(worker.process.pid, signal.SIGKILL)  # the worker alone, as the OOM killer would
        assert supervisor.wait_for_exit(poll=0.1) == ("worker", -signal.SIGKILL)
        assert _alive(beat)  # orphaned, until the supervisor stops the worker's group
        supervisor.stop(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(beat) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(beat)
    finally:
        supervisor.stop(timeout=2)
        broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for key in broker.scan_iter(f"{prefix}*"):
            broker.delete(key)
