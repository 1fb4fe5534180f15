"""Child processes of `manage.py rundemo`, each in a process group of its own.

A Celery worker started with `--beat` forks its beat as a child; SIGKILL the worker and
that beat lives on, orphaned, still sending periodic tasks. So every child leads a new
session (process group), and stopping a child signals its whole group: whatever it forked
stops with it, even when the child itself already died.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass
class Child:
    name: str
    process: subprocess.Popen

    @property
    def group(self) -> int:
        return self.process.pid  # it leads its own session: its pid is the group id


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []

    def start(
        self, name: str, command: Sequence[str], env: Mapping[str, str], *, output=None
    ) -> Child:
        """Start `command`; its output goes to ours, or to the open file `output`."""
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            list(command),
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
        )
        child = Child(name, process)
        self.children.append(child)
        return child

    def wait_for_exit(self, poll: float = 0.5) -> tuple[str, int]:
        """Block until a child exits: its name and exit code."""
        while True:
            for child in self.children:
                code = child.process.poll()
                if code is not None:
                    return child.name, code
            time.sleep(poll)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM every child's group, then SIGKILL the groups still alive after `timeout`."""
        for child in self.children:
            _signal_group(child.group, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        while time.monotonic() < deadline and any(_group_alive(c.group) for c in self.children):
            time.sleep(0.1)
        for child in self.children:
            _signal_group(child.group, signal.SIGKILL)
            if child.process.poll() is None:
                child.process.wait(timeout=5)


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass  # nobody left in the group


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True
