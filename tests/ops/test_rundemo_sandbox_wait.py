"""`manage.py rundemo` waits for the sandbox emulator as long as it runs (on a first run it
builds DEEPaaS's virtual environment before listening, which took longer than the 10 s once
allowed, and the demo stopped), and says at once when it exited instead."""

from __future__ import annotations

import subprocess
import sys

import pytest

from marketplace.management.commands.rundemo import Command, _free_port


def test_a_sandbox_that_exits_before_listening_is_reported_at_once():
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])  # noqa: S603
    with pytest.raises(RuntimeError, match="exited with code 3 before listening"):
        Command()._wait_for_port(_free_port(), process)
    assert process.poll() == 3


def test_a_sandbox_that_listens_late_is_waited_for():
    port = _free_port()
    script = (
        "import socket, time; time.sleep(1); s = socket.socket(); "
        f"s.bind(('127.0.0.1', {port})); s.listen(); time.sleep(30)"
    )
    process = subprocess.Popen([sys.executable, "-c", script])  # noqa: S603
    try:
        Command()._wait_for_port(port, process)
    finally:
        process.kill()
        process.wait()
