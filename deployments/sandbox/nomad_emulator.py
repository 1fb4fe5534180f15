"""A loopback emulator of the Nomad HTTP API subset the deploy code uses (standard library only).

It serves python-nomad unchanged: job register (with EnforceIndex CAS), list (prefix, namespace,
``meta``, ``filter``, paging), read, allocations, evaluations, deregister (stop or purge),
allocation and node reads, ACL tokens and blocking queries. Errors are plain text with Nomad's
status codes and wording.

Lifecycle is driven by an injectable clock, lazily: every request first applies the transitions
that are due (no background thread), so a test with a fake clock or a zero timeline is fully
deterministic. After a register, the evaluation is ``pending`` (the job reads as queued); at
``timeline["pending"]`` seconds it completes and the allocation appears with ``ClientStatus``
``pending``; at ``timeline["running"]`` seconds the allocation is ``running``.

Known simplifications are listed in the package docstring (``deployments.sandbox``).
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from deployments.sandbox.httpserver import LoopbackServer, Request, Response

JobMatcher = str | Callable[[dict[str, Any]], bool]

DEFAULT_TIMELINE: dict[str, float] = {"pending": 1.5, "running": 4.0}
DEFAULT_NAMESPACES = ("default", "ai4eosc", "imagine", "ai4life", "kmd4eosc", "tutorials")
# Nomad's scheduler reports nodes lacking a requested device under this constraint name.
MISSING_DEVICES = "missing devices"
_BLOCKING_POLL_SECONDS = 0.05
_MAX_WAIT_SECONDS = 600.0


class NomadError(Exception):
    """An HTTP error answered as Nomad does: a status code and a plain-text body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------------------------
# Default cluster: two ready compute nodes, one with GPUs, in every namespace PAPI uses.
# --------------------------------------------------------------------------------------------
def default_nodes() -> list[dict[str, Any]]:
    all_namespaces = ",".join(DEFAULT_NAMESPACES)

    def node(suffix: str, dc: str, cores: int, devices: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "ID": f"5a4d0b1e-0000-4000-8000-{suffix:0>12}",
            "Name": f"sandbox-{suffix}",
            "Datacenter": dc,
            "NodePool": "default",
            "NodeClass": "",
            "Address": "127.0.0.1",
            "HTTPAddr": "127.0.0.1:4646",
            "Status": "ready",
            "StatusDescription": "",
            "SchedulingEligibility": "eligible",
            "Drain": False,
            "Version": "1.9.0-sandbox",
            "Attributes": {"os.name": "ubuntu", "kernel.name": "linux", "cpu.arch": "amd64"},
            "Meta": {
                "domain": f"sandbox-{suffix}",
                "status": "ready",
                "type": "compute",
                "namespace": all_namespaces,
                "tags": "gpu" if devices else "cpu",
            },
            # 1000 MHz per core, so a job reserving N cores gets CpuShares = N * 1000.
            "NodeResources": {
                "Cpu": {
                    "CpuShares": cores * 1000,
                    "TotalCpuCores": cores,
                    "ReservableCpuCores": list(range(cores)),
                },
                "Memory": {"MemoryMB": 65536},
                "Disk": {"DiskMB": 500000},
                "Networks": None,
                "Devices": devices or None,
            },
            "Drivers": {"docker": {"Detected": True, "Healthy": True}},
        }

    gpus = [
        {
            "Vendor": "nvidia",
            "Type": "gpu",
            "Name": "Tesla T4",
            "Attributes": {"memory": "15360 MiB", "cuda_cores": "2560"},
            "Instances": [
                {"ID": f"GPU-5a4d0b1e-{i:04d}", "Healthy": True, "HealthDescription": ""}
                for i in range(2)
            ],
        }
    ]
    return [node("cpu01", "sandbox-dc1", 16, []), node("gpu01", "sandbox-dc2", 32, gpus)]


# --------------------------------------------------------------------------------------------
# Small Go-compatible parsers
# --------------------------------------------------------------------------------------------
_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


def parse_bool(name: str, value: str | None) -> bool:
    """Go's strconv.ParseBool, as Nomad applies it to query flags (python-nomad sends "True")."""
    if value is None or value == "":
        return False
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise NomadError(
        400,
        f'Failed to parse value of "{name}" ({value}) as a bool: '
        f'strconv.ParseBool: parsing "{value}": invalid syntax',
    )


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """Go's time.ParseDuration (the subset used for ``wait``), in seconds."""
    if not text or _DURATION_PART.sub("", text) != "":
        raise NomadError(400, "Invalid wait time")
    return sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(text))


# --------------------------------------------------------------------------------------------
# Filter expressions: the go-bexpr subset list endpoints accept (PAPI's job filter and more)
# --------------------------------------------------------------------------------------------
class FilterError(ValueError):
    pass


_MISSING = object()
_KEYWORDS = {"and", "or", "not", "is", "empty", "in", "contains", "matches"}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<op>==|!=|\(|\)|\[|\]|\.)
    | (?P<dq>"(?:[^"\\]|\\.)*")
    | (?P<bq>`[^`]*`)
    | (?P<num>-?\d+(?:\.\d+)?(?![\w]))
    | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
    )""",
    re.VERBOSE,
)
Predicate = Callable[[Any], bool]


def compile_filter(expression: str) -> Predicate:
    """Compile a filter such as ``Status != "dead" and Meta.owner == "x"`` into a predicate
    over the JSON object. Supports ==, !=, is [not] empty, [not] matches, [not] contains,
    [not] in, and/or/not, parentheses, dotted and ["quoted"] selectors. Raises FilterError."""
    tokens: list[tuple[str, str]] = []
    pos, text = 0, expression.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FilterError(f"unexpected character at offset {pos}: {text[pos : pos + 10]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    parser = _FilterParser(tokens)
    predicate = parser.parse_or()
    if parser.peek() is not None:
        raise FilterError(f"unexpected token {parser.peek()[1]!r}")  # type: ignore[index]
    return predicate


class _FilterParser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, ahead: int = 0) -> tuple[str, str] | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def next(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FilterError("unexpected end of expression")
        self.i += 1
        return tok

    def is_word(self, word: str, ahead: int = 0) -> bool:
        return self.peek(ahead) == ("word", word)

    def accept(self, kind: str, value: str) -> bool:
        if self.peek() == (kind, value):
            self.i += 1
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.accept("word", word):
            raise FilterError(f"expected {word!r}")

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while self.accept("word", "or"):
            a, b = left, self.parse_and()
            left = lambda d, a=a, b=b: a(d) or b(d)  # noqa: E731
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_not()
        while self.accept("word", "and"):
            a, b = left, self.parse_not()
            left = lambda d, a=a, b=b: a(d) and b(d)  # noqa: E731
        return left

    def parse_not(self) -> Predicate:
        if self.accept("word", "not"):
            inner = self.parse_not()
            return lambda d: not inner(d)
        return self.parse_primary()

    def parse_primary(self) -> Predicate:
        if self.accept("op", "("):
            inner = self.parse_or()
            if not self.accept("op", ")"):
                raise FilterError("missing closing parenthesis")
            return inner
        tok = self.peek()
        if tok is None:
            raise FilterError("unexpected end of expression")
        # `"value" in Selector` starts with a value; everything else starts with a selector.
        starts_with_value = tok[0] in ("dq", "bq", "num") or (
            tok[0] == "word"
            and (self.is_word("in", 1) or (self.is_word("not", 1) and self.is_word("in", 2)))
        )
        if starts_with_value:
            value = self.parse_value()
            negate = self.accept("word", "not")
            self.expect_word("in")
            path = self.parse_selector()
            return _negated(lambda d: _contains(_resolve(d, path), value), negate)
        path = self.parse_selector()
        return self.parse_match(path)

    def parse_match(self, path: list[str]) -> Predicate:
        if self.accept("op", "=="):
            value = self.parse_value()
            return lambda d: _equals(_resolve(d, path), value)
        if self.accept("op", "!="):
            value = self.parse_value()
            return lambda d: not _equals(_resolve(d, path), value)
        if self.accept("word", "is"):
            negate = self.accept("word", "not")
            self.expect_word("empty")
            return _negated(lambda d: _is_empty(_resolve(d, path)), negate)
        negate = self.accept("word", "not")
        if self.accept("word", "matches"):
            pattern = self.parse_value()
            try:
                regex = re.compile(pattern)
            except re.error as exc:
                raise FilterError(f"invalid regular expression {pattern!r}: {exc}") from exc
            return _negated(lambda d: _matches(_resolve(d, path), regex), negate)
        if self.accept("word", "contains"):
            value = self.parse_value()
            return _negated(lambda d: _contains(_resolve(d, path), value), negate)
        found = self.peek()
        raise FilterError(f"expected a match operator, found {found[1] if found else 'end'!r}")

    def parse_selector(self) -> list[str]:
        kind, word = self.next()
        if kind != "word" or word in _KEYWORDS:
            raise FilterError(f"expected a selector, found {word!r}")
        path = [word]
        while True:
            if self.accept("op", "."):
                kind, word = self.next()
                if kind != "word":
                    raise FilterError(f"expected a field name after '.', found {word!r}")
                path.append(word)
            elif self.accept("op", "["):
                path.append(self.parse_value())
                if not self.accept("op", "]"):
                    raise FilterError("missing closing bracket")
            else:
                return path

    def parse_value(self) -> str:
        kind, raw = self.next()
        if kind == "dq":
            try:
                return str(json.loads(raw))
            except ValueError as exc:
                raise FilterError(f"invalid string {raw}") from exc
        if kind == "bq":
            return raw[1:-1]
        if kind in ("num", "word") and raw not in _KEYWORDS:
            return raw
        raise FilterError(f"expected a value, found {raw!r}")


def _negated(predicate: Predicate, negate: bool) -> Predicate:
    return (lambda d: not predicate(d)) if negate else predicate


def _resolve(datum: Any, path: list[str]) -> Any:
    for key in path:
        if isinstance(datum, dict) and key in datum:
            datum = datum[key]
        else:
            return _MISSING
    return datum


def _equals(value: Any, literal: str) -> bool:
    # bexpr coerces the literal to the field's type; a missing field never equals anything.
    if value is _MISSING or value is None:
        return False
    if isinstance(value, bool):
        return literal in (_TRUE if value else _FALSE)
    if isinstance(value, int | float):
        try:
            return float(literal) == float(value)
        except ValueError:
            return False
    return isinstance(value, str) and value == literal


def _is_empty(value: Any) -> bool:
    if value is _MISSING or value is None:
        return True
    return isinstance(value, str | list | dict) and len(value) == 0


def _matches(value: Any, regex: re.Pattern[str]) -> bool:
    return isinstance(value, str) and regex.search(value) is not None


def _contains(value: Any, literal: str) -> bool:
    if isinstance(value, str):
        return literal in value
    if isinstance(value, dict):
        return literal in value
    if isinstance(value, list):
        return any(_equals(item, literal) for item in value)
    return False


# --------------------------------------------------------------------------------------------
# Scheduling helpers: constraints and devices evaluated against a node
# --------------------------------------------------------------------------------------------
_INTERPOLATION = re.compile(r"\$\{([^}]+)\}")


def _node_target(node: dict[str, Any], target: str | None) -> str | None:
    if target is None:
        return None
    m = _INTERPOLATION.fullmatch(target.strip())
    if m is None:
        return target
    key = m.group(1)
    if key.startswith("meta."):
        return (node.get("Meta") or {}).get(key[5:])
    if key.startswith("attr."):
        return (node.get("Attributes") or {}).get(key[5:])
    fields = {
        "node.unique.id": "ID",
        "node.unique.name": "Name",
        "node.datacenter": "Datacenter",
        "node.class": "NodeClass",
        "node.pool": "NodePool",
    }
    if key == "node.region":
        return "global"
    return node.get(fields[key]) if key in fields else None


def _device_target(device: dict[str, Any], target: str | None) -> str | None:
    if target is None:
        return None
    m = _INTERPOLATION.fullmatch(target.strip())
    if m is None:
        return target
    key = m.group(1)
    fields = {"device.model": "Name", "device.vendor": "Vendor", "device.type": "Type"}
    if key in fields:
        return device.get(fields[key])
    if key.startswith("device.attr."):
        return (device.get("Attributes") or {}).get(key[len("device.attr.") :])
    return None


def _holds(operand: str, left: str | None, right: str | None) -> bool:
    """One constraint operand. Operands the emulator does not model (version, semver,
    distinct_*) are treated as satisfied."""
    op = operand or "="
    if op in ("=", "==", "is"):
        return left is not None and left == right
    if op in ("!=", "not"):
        return left != right
    if op == "regexp":
        return left is not None and right is not None and re.search(right, left) is not None
    if op == "is_set":
        return left is not None
    if op == "is_not_set":
        return left is None
    if op in ("set_contains", "set_contains_all", "set_contains_any"):
        have = {s.strip() for s in (left or "").split(",")}
        want = {s.strip() for s in (right or "").split(",")}
        return bool(have & want) if op == "set_contains_any" else want <= have
    if op in ("<", "<=", ">", ">="):
        try:
            a, b = float(left or ""), float(right or "")
        except ValueError:
            return False
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    return True


def _constraint_label(c: dict[str, Any]) -> str:
    # Nomad's AllocMetric keys constraints by their String(): "<LTarget> <Operand> <RTarget>".
    return f"{c.get('LTarget') or ''} {c.get('Operand') or '='} {c.get('RTarget') or ''}"


def _device_matches(device: dict[str, Any], request: dict[str, Any]) -> bool:
    """A device request name is "<type>", "<vendor>/<type>" or "<vendor>/<type>/<model>"."""
    parts = (request.get("Name") or "").split("/", 2)
    wanted = {1: ("Type",), 2: ("Vendor", "Type"), 3: ("Vendor", "Type", "Name")}[len(parts)]
    if any(device.get(field) != part for field, part in zip(wanted, parts, strict=True)):
        return False
    for c in request.get("Constraints") or []:
        left = _device_target(device, c.get("LTarget"))
        right = _device_target(device, c.get("RTarget"))
        if not _holds(c.get("Operand") or "=", left, right):
            return False
    healthy = [i for i in device.get("Instances") or [] if i.get("Healthy", True)]
    return len(healthy) >= int(request.get("Count") or 1)


def _find_device(node: dict[str, Any], request: dict[str, Any]) -> dict[str, Any] | None:
    devices = (node.get("NodeResources") or {}).get("Devices") or []
    return next((d for d in devices if _device_matches(d, request)), None)


def _infeasibility(job: dict[str, Any], group: dict[str, Any], node: dict[str, Any]) -> str | None:
    """Why ``node`` cannot run ``group`` (the metric label), or None when it can."""
    if node.get("SchedulingEligibility") != "eligible" or node.get("Status") != "ready":
        return "node is not eligible"
    tasks = group.get("Tasks") or []
    constraints = list(job.get("Constraints") or []) + list(group.get("Constraints") or [])
    for task in tasks:
        constraints += task.get("Constraints") or []
    for c in constraints:
        left, right = _node_target(node, c.get("LTarget")), _node_target(node, c.get("RTarget"))
        if not _holds(c.get("Operand") or "=", left, right):
            return _constraint_label(c)
    for task in tasks:
        for request in (task.get("Resources") or {}).get("Devices") or []:
            if _find_device(node, request) is None:
                return MISSING_DEVICES
    return None


def _alloc_metric(nodes: list[dict[str, Any]], filtered: dict[str, int], count: int) -> dict:
    available: dict[str, int] = {}
    for node in nodes:
        available[node["Datacenter"]] = available.get(node["Datacenter"], 0) + 1
    return {
        "NodesEvaluated": len(nodes),
        "NodesFiltered": sum(filtered.values()),
        "NodesInPool": len(nodes),
        "NodesAvailable": available,
        "ClassFiltered": None,
        "ConstraintFiltered": filtered or None,
        "NodesExhausted": 0,
        "ClassExhausted": None,
        "DimensionExhausted": None,
        "QuotaExhausted": None,
        "ResourcesExhausted": None,
        "ScoreMetaData": None,
        "AllocationTime": 41000,
        "CoalescedFailures": max(count - 1, 0),
    }


def _now_ns() -> int:
    return time.time_ns()


def _rfc3339(ns: int) -> str:
    return datetime.fromtimestamp(ns / 1e9, UTC).isoformat().replace("+00:00", "Z")


def _task_event(kind: str, display: str, message: str = "", fails: bool = False) -> dict:
    return {
        "Type": kind,
        "Time": _now_ns(),
        "Message": message,
        "DisplayMessage": display,
        "Details": {},
        "FailsTask": fails,
        "ExitCode": 0,
        "Signal": 0,
        "DriverError": message if fails else "",
        "DriverMessage": "",
    }


def parse_docker_image(image: str) -> tuple[str, str]:
    """(repository, tag or digest) as Nomad's docker driver splits `config.image`
    (drivers/docker/utils.go parseDockerImage): a digest wins over a tag."""
    repo_tag, _, digest = image.partition("@")
    repo, tag = repo_tag, ""
    head, sep, tail = repo_tag.rpartition(":")
    if sep and "/" not in tail:
        repo, tag = head, tail
    return repo, digest or tag or "latest"


def docker_image_ref(image: str) -> str:
    """The reference the docker driver pulls and names in its "Downloading image" event
    (dockerImageRef): `repo@sha256:…` for a digest, else `repo:tag`."""
    repo, tag = parse_docker_image(image)
    return f"{repo}@{tag}" if tag.startswith("sha256:") else f"{repo}:{tag}"


def _pull_event(task: dict[str, Any]) -> dict:
    """The driver's task event before it pulls: Nomad's API says which reference it pulled
    (Details.image), never the digest a tag resolved to."""
    image = str((task.get("Config") or {}).get("image") or "")
    event = _task_event("Driver", "Downloading image")
    event["DriverMessage"] = "Downloading image"
    event["Details"] = {"image": docker_image_ref(image)}
    return event


def _lifecycle(task: dict[str, Any]) -> tuple[str, bool]:
    lifecycle = task.get("Lifecycle") or {}
    return (lifecycle.get("Hook") or "main"), bool(lifecycle.get("Sidecar"))


def _alloc_terminal(alloc: dict[str, Any]) -> bool:
    return alloc["DesiredStatus"] in ("stop", "evict") or alloc["ClientStatus"] in (
        "complete",
        "failed",
        "lost",
    )


def _matcher(match: JobMatcher) -> Callable[[dict[str, Any]], bool]:
    if callable(match):
        return match
    return lambda job: job.get("ID") == match


JOB_STUB_FIELDS = (
    "ID ParentID Name Namespace Datacenters NodePool Type Priority Periodic ParameterizedJob "
    "Stop Status StatusDescription JobSummary CreateIndex ModifyIndex JobModifyIndex SubmitTime"
).split()
ALLOC_STUB_FIELDS = (
    "ID EvalID Name Namespace NodeID NodeName JobID JobType JobVersion TaskGroup "
    "AllocatedResources DesiredStatus DesiredDescription ClientStatus ClientDescription "
    "TaskStates DeploymentStatus FollowupEvalID CreateIndex ModifyIndex CreateTime ModifyTime"
).split()
NODE_STUB_FIELDS = (
    "Address ID Datacenter Name NodeClass NodePool Version Drain SchedulingEligibility Status "
    "StatusDescription Drivers CreateIndex ModifyIndex"
).split()


# --------------------------------------------------------------------------------------------
# Task processes (the ``runners`` driver)
# --------------------------------------------------------------------------------------------
def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _nomad_task_env(alloc: dict[str, Any], task: dict[str, Any]) -> dict[str, str]:
    """The runtime variables Nomad sets in a task's environment."""
    job = alloc["Job"]
    env = {
        "NOMAD_ALLOC_ID": alloc["ID"],
        "NOMAD_ALLOC_NAME": alloc["Name"],
        "NOMAD_JOB_ID": job["ID"],
        "NOMAD_JOB_NAME": job.get("Name") or job["ID"],
        "NOMAD_NAMESPACE": alloc["Namespace"],
        "NOMAD_GROUP_NAME": alloc["TaskGroup"],
        "NOMAD_TASK_NAME": task.get("Name") or "",
        "NOMAD_DC": "sandbox",
    }
    for key, value in (job.get("Meta") or {}).items():
        env[f"NOMAD_META_{key}"] = str(value)
    for port in alloc["AllocatedResources"]["Shared"]["Ports"]:
        label, host, value = port["Label"], port["HostIP"], str(port["Value"])
        # No container: the process listens on the host port itself (as with raw_exec).
        env |= {
            f"NOMAD_IP_{label}": host,
            f"NOMAD_PORT_{label}": value,
            f"NOMAD_HOST_PORT_{label}": value,
            f"NOMAD_ADDR_{label}": f"{host}:{value}",
        }
    return env


class _TaskProcess:
    """One task process and its log file."""

    def __init__(self, process: subprocess.Popen, log: Any, started: float) -> None:
        self.process = process
        self.log = log
        self.started = started

    @classmethod
    def start(cls, command: list[str], env: dict[str, str]) -> _TaskProcess:
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in end()
        process = subprocess.Popen(  # noqa: S603 - a command the emulator was configured with
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return cls(process, log, time.monotonic())

    def returncode(self) -> int | None:
        return self.process.poll()

    def overdue(self, max_seconds: float) -> bool:
        return self.returncode() is None and time.monotonic() - self.started > max_seconds

    def read_log(self) -> str:
        try:
            self.log.seek(0)
            return self.log.read().decode(errors="replace")
        except ValueError:  # closed
            return ""

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


# --------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------
class NomadEmulator(LoopbackServer):
    """Nomad HTTP API on 127.0.0.1. ``token``: ACL secret required on every /v1 call but
    /v1/status/leader (None: ACLs disabled). ``timeline``: seconds from submit at which the
    allocation appears (``pending``) and starts (``running``). ``clock``: monotonic seconds
    driving the timeline (inject a fake one in tests).

    ``runners``: Docker image repository (no tag) → command. A main task whose image is
    listed really runs: when its allocation starts, the command runs as a local process on
    loopback instead of the container (a raw_exec-like driver), with the task's Env and the
    variables Nomad gives a task (NOMAD_ALLOC_ID, NOMAD_JOB_NAME, NOMAD_META_*, and per port
    label NOMAD_IP_/NOMAD_PORT_/NOMAD_ADDR_/NOMAD_HOST_PORT_, the port a free loopback one).
    Its exit completes (code 0) or fails the allocation; stopping or purging the job, or
    ``reset()``/``stop()``, ends it; no process outlives ``runner_max_seconds``."""

    def __init__(
        self,
        port: int = 0,
        token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeline: Mapping[str, float] | None = None,
        nodes: Iterable[dict[str, Any]] | None = None,
        namespaces: Iterable[str] = DEFAULT_NAMESPACES,
        runners: Mapping[str, Sequence[str]] | None = None,
        runner_max_seconds: float = 900.0,
    ) -> None:
        super().__init__(port)
        self.token = token
        self.runners = {image: list(command) for image, command in (runners or {}).items()}
        self.runner_max_seconds = runner_max_seconds
        self._processes: dict[str, _TaskProcess] = {}
        self._task_logs: dict[str, str] = {}
        self._clock = clock
        merged = {**DEFAULT_TIMELINE, **(timeline or {})}
        # The allocation cannot start before it exists: clamp running to at least pending.
        pending = float(merged["pending"])
        self.timeline = {"pending": pending, "running": max(pending, float(merged["running"]))}
        self._nodes = [copy.deepcopy(n) for n in (nodes if nodes is not None else default_nodes())]
        self._namespaces = set(namespaces)
        self._changed = threading.Condition(self._lock)
        self._seq = itertools.count()
        self._index = 0
        with self._lock:
            for node in self._nodes:
                node["CreateIndex"] = node["ModifyIndex"] = self._bump()
            self._init_state()

    def _init_state(self) -> None:
        self._jobs: dict[tuple[str, str], dict[str, Any]] = {}
        self._job_allocs: dict[tuple[str, str], list[str]] = {}
        self._job_evals: dict[tuple[str, str], list[str]] = {}
        self._submitted: dict[tuple[str, str], float] = {}
        self._allocs: dict[str, dict[str, Any]] = {}
        self._evals: dict[str, dict[str, Any]] = {}
        self._schedule: list[tuple[float, int, Callable[[], None]]] = []
        self._placement_failures: list[tuple[Callable[[dict[str, Any]], bool], str]] = []
        self._task_failures: list[tuple[Callable[[dict[str, Any]], bool], str]] = []
        self._completed: set[tuple[str, str]] = set()
        self._next_port = 20000

    # -- test knobs and counters --------------------------------------------------------------
    def reset(self) -> None:
        """Forget jobs, allocations, evaluations, fault rules and the request log (and end
        every task process). The Raft index keeps growing so blocking queries never see it go
        backwards."""
        with self._lock:
            super().reset()
            self._end_processes()
            self._init_state()
            self._bump()

    def stop(self) -> None:
        with self._lock:
            self._end_processes()
        super().stop()

    def task_log(self, alloc_id: str) -> str:
        """What the allocation's task process has printed so far ("" if it has none)."""
        process = self._processes.get(alloc_id)
        return process.read_log() if process else self._task_logs.get(alloc_id, "")

    def _end_processes(self) -> None:
        for process in self._processes.values():
            process.end()
        self._processes.clear()
        self._task_logs.clear()

    def _drop_process(self, alloc_id: str) -> None:
        process = self._processes.pop(alloc_id, None)
        if process is not None:
            process.end()
            self._task_logs[alloc_id] = process.read_log()
            process.log.close()

    def _reap(self) -> None:
        """Allocations whose process exited finish like their task did; overdue ones end."""
        for alloc_id, process in list(self._processes.items()):
            alloc = self._allocs.get(alloc_id)
            if process.overdue(self.runner_max_seconds):
                process.end()
            code = process.returncode()
            if code is None or alloc is None:
                continue
            self._drop_process(alloc_id)
            if not _alloc_terminal(alloc):
                failure = None if code == 0 else f"Exit Code: {code}"
                self._finish_alloc(alloc, failure=failure)
                self._refresh_status((alloc["Namespace"], alloc["JobID"]))

    def _run_task(self, alloc: dict[str, Any]) -> None:
        for task in self._group_tasks(alloc):
            command = self._runner_for(task)
            if command is None or _lifecycle(task)[0] != "main":
                continue
            env = {**os.environ, **{k: str(v) for k, v in (task.get("Env") or {}).items()}}
            env |= _nomad_task_env(alloc, task)
            # What the container would have been, for a runner that plays several images.
            env["AIX_TASK_IMAGE"] = str((task.get("Config") or {}).get("image") or "")
            self._processes[alloc["ID"]] = _TaskProcess.start(command, env)
            return

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        """Snapshot of registered (not purged) jobs keyed by job ID. PAPI's job IDs are UUIDs;
        should one ID exist in several namespaces, the most recently submitted wins."""
        with self._lock:
            self._advance()
            ordered = sorted(self._jobs.values(), key=lambda j: j["SubmitTime"])
            return {job["ID"]: copy.deepcopy(job) for job in ordered}

    @property
    def allocations(self) -> dict[str, dict[str, Any]]:
        """Snapshot of every allocation keyed by allocation ID."""
        with self._lock:
            self._advance()
            return copy.deepcopy(self._allocs)

    def fail_placement(self, match: JobMatcher, reason: str = "sandbox: no capacity") -> None:
        """Jobs matching ``match`` (a job ID or a predicate on the job JSON) that are placed
        from now on get an evaluation with FailedTGAllocs (``reason`` as the constraint that
        filtered every node), a blocked follow-up evaluation and no allocation."""
        with self._lock:
            self._placement_failures.append((_matcher(match), reason))

    def fail_task(self, match: JobMatcher, message: str = "sandbox: task failed") -> None:
        """Allocations of matching jobs fail when they would start (and running ones fail now):
        ClientStatus ``failed``, main tasks dead with ``Failed`` and Events[0].Message."""
        with self._lock:
            self._advance()
            predicate = _matcher(match)
            self._task_failures.append((predicate, message))
            for key, job in list(self._jobs.items()):
                if predicate(job):
                    for alloc_id in self._job_allocs.get(key, []):
                        alloc = self._allocs[alloc_id]
                        if alloc["ClientStatus"] == "running" and not _alloc_terminal(alloc):
                            self._finish_alloc(alloc, failure=message)
                    self._refresh_status(key)

    def complete(self, job_id: str, namespace: str | None = None) -> None:
        """Make the job's tasks exit successfully now (allocations placed later complete as
        soon as they start). Raises KeyError for an unknown job."""
        with self._lock:
            self._advance()
            key = self._find_key(job_id, namespace)
            self._completed.add(key)
            for alloc_id in self._job_allocs.get(key, []):
                alloc = self._allocs[alloc_id]
                if not _alloc_terminal(alloc):
                    self._finish_alloc(alloc, failure=None)
            self._refresh_status(key)

    def _find_key(self, job_id: str, namespace: str | None) -> tuple[str, str]:
        for key in self._jobs:
            if key[1] == job_id and namespace in (None, key[0]):
                return key
        raise KeyError(job_id)

    # -- state machinery (callers hold the lock) -----------------------------------------------
    def _bump(self) -> int:
        self._index += 1
        self._changed.notify_all()
        return self._index

    def _at(self, due: float, action: Callable[[], None]) -> None:
        heapq.heappush(self._schedule, (due, next(self._seq), action))

    def _advance(self) -> None:
        """Apply every lifecycle transition whose time has come, oldest first."""
        if self._processes:
            self._reap()
        now = self._clock()
        while self._schedule and self._schedule[0][0] <= now:
            _, _, action = heapq.heappop(self._schedule)
            action()

    def _refresh_status(self, key: tuple[str, str]) -> None:
        """Nomad's job status rule: running if any allocation is non-terminal, pending if any
        evaluation is, dead if it has evaluations or is stopped, else pending."""
        job = self._jobs.get(key)
        if job is None:
            return
        allocs = [self._allocs[a] for a in self._job_allocs.get(key, [])]
        evals = [self._evals[e] for e in self._job_evals.get(key, [])]
        if any(not _alloc_terminal(a) for a in allocs):
            status = "running"
        elif any(e["Status"] in ("pending", "blocked") for e in evals):
            status = "pending"
        elif evals or job.get("Stop"):
            status = "dead"
        else:
            status = "pending"
        if status != job["Status"]:
            job["Status"] = status
            job["ModifyIndex"] = self._bump()

    def _new_eval(self, job: dict[str, Any], triggered_by: str, status: str, index: int) -> dict:
        now = _now_ns()
        evaluation = {
            "ID": str(uuid.uuid4()),
            "Namespace": job["Namespace"],
            "Priority": job["Priority"],
            "Type": job["Type"],
            "TriggeredBy": triggered_by,
            "JobID": job["ID"],
            "JobModifyIndex": job["JobModifyIndex"],
            "NodeID": "",
            "Status": status,
            "StatusDescription": "",
            "FailedTGAllocs": None,
            "QueuedAllocations": None,
            "BlockedEval": "",
            "PreviousEval": "",
            "NextEval": "",
            "ClassEligibility": None,
            "EscapedComputedClass": False,
            "AnnotatePlan": False,
            "SnapshotIndex": index,
            "CreateIndex": index,
            "ModifyIndex": index,
            "CreateTime": now,
            "ModifyTime": now,
        }
        self._evals[evaluation["ID"]] = evaluation
        self._job_evals.setdefault((job["Namespace"], job["ID"]), []).append(evaluation["ID"])
        return evaluation

    def _stop_allocs(self, key: tuple[str, str], description: str) -> None:
        for alloc_id in self._job_allocs.get(key, []):
            alloc = self._allocs[alloc_id]
            if not _alloc_terminal(alloc):
                self._finish_alloc(alloc, failure=None)
                alloc["DesiredStatus"] = "stop"
                alloc["DesiredDescription"] = description

    def _finish_alloc(self, alloc: dict[str, Any], failure: str | None) -> None:
        self._drop_process(alloc["ID"])
        now = _now_ns()
        for name, state in alloc["TaskStates"].items():
            hook, sidecar = _lifecycle(self._task(alloc, name))
            is_main = hook == "main" or sidecar
            state["State"] = "dead"
            state["FinishedAt"] = _rfc3339(now)
            if failure is not None and is_main:
                state["Failed"] = True
                # Events[0] carries the reason: the deploy code (like PAPI) reads it there.
                state["Events"] = [
                    _task_event("Driver Failure", failure, failure, fails=True),
                    _task_event("Not Restarting", "Policy allows no restarts"),
                ]
            elif is_main:
                state["Events"].append(_task_event("Terminated", "Exit Code: 0"))
        alloc["ClientStatus"] = "failed" if failure is not None else "complete"
        alloc["ClientDescription"] = "Failed tasks" if failure else "All tasks have completed"
        alloc["ModifyIndex"] = alloc["AllocModifyIndex"] = self._bump()
        alloc["ModifyTime"] = now

    @staticmethod
    def _group_tasks(alloc: dict[str, Any]) -> list[dict[str, Any]]:
        for group in alloc["Job"].get("TaskGroups") or []:
            if group.get("Name") == alloc["TaskGroup"]:
                return list(group.get("Tasks") or [])
        return []

    @classmethod
    def _task(cls, alloc: dict[str, Any], name: str) -> dict[str, Any]:
        for task in cls._group_tasks(alloc):
            if task.get("Name") == name:
                return task
        return {}

    # -- lifecycle transitions ----------------------------------------------------------------
    def _place(self, key: tuple[str, str], eval_id: str) -> None:
        job, evaluation = self._jobs.get(key), self._evals.get(eval_id)
        if job is None or evaluation is None or evaluation["Status"] != "pending":
            return  # superseded by a newer version, a stop or a purge
        index = self._bump()
        failed: dict[str, Any] = {}
        queued: dict[str, int] = {}
        for group in job.get("TaskGroups") or []:
            name, count = group.get("Name") or "group", int(group.get("Count") or 1)
            forced = next((r for p, r in self._placement_failures if p(job)), None)
            node, filtered = None, {}
            if forced is not None:
                filtered = {forced: len(self._nodes)}
            else:
                for candidate in sorted(self._nodes, key=lambda n: n["ID"]):
                    reason = _infeasibility(job, group, candidate)
                    if reason is None:
                        node = candidate
                        break
                    filtered[reason] = filtered.get(reason, 0) + 1
            if node is None:
                failed[name] = _alloc_metric(self._nodes, filtered, count)
                queued[name] = count
                continue
            queued[name] = 0
            for i in range(count):
                self._new_alloc(key, job, group, node, evaluation, i, index)
        now = _now_ns()
        evaluation.update(
            Status="complete",
            FailedTGAllocs=failed or None,
            QueuedAllocations=queued,
            ModifyIndex=index,
            ModifyTime=now,
        )
        if failed:
            blocked = self._new_eval(job, "queued-allocs", "blocked", index)
            blocked.update(PreviousEval=evaluation["ID"], ClassEligibility={})
            blocked["StatusDescription"] = "created due to placement conflicts"
            evaluation["BlockedEval"] = blocked["ID"]
        self._refresh_status(key)

    def _new_alloc(
        self,
        key: tuple[str, str],
        job: dict[str, Any],
        group: dict[str, Any],
        node: dict[str, Any],
        evaluation: dict[str, Any],
        ordinal: int,
        index: int,
    ) -> None:
        now = _now_ns()
        group_name = group.get("Name") or "group"
        states = {
            task.get("Name") or "task": {
                "State": "pending",
                "Failed": False,
                "Restarts": 0,
                "LastRestart": None,
                "StartedAt": None,
                "FinishedAt": None,
                "Events": [
                    _task_event("Received", "Task received by client"),
                    _task_event("Task Setup", "Building Task Directory", "Building Task Directory"),
                    *([_pull_event(task)] if task.get("Driver") == "docker" else []),
                ],
            }
            for task in group.get("Tasks") or []
        }
        alloc = {
            "ID": str(uuid.uuid4()),
            "Namespace": job["Namespace"],
            "EvalID": evaluation["ID"],
            "Name": f"{job['ID']}.{group_name}[{ordinal}]",
            "NodeID": node["ID"],
            "NodeName": node["Name"],
            "JobID": job["ID"],
            "JobType": job["Type"],
            "JobVersion": job["Version"],
            "Job": copy.deepcopy(job),
            "TaskGroup": group_name,
            "AllocatedResources": self._allocated_resources(group, node),
            "DesiredStatus": "run",
            "DesiredDescription": "",
            "ClientStatus": "pending",
            "ClientDescription": "No tasks have started",
            "TaskStates": states,
            "DeploymentStatus": None,
            "FollowupEvalID": "",
            "CreateIndex": index,
            "ModifyIndex": index,
            "AllocModifyIndex": index,
            "CreateTime": now,
            "ModifyTime": now,
        }
        self._allocs[alloc["ID"]] = alloc
        self._job_allocs.setdefault(key, []).append(alloc["ID"])
        due = self._submitted[key] + self.timeline["running"]
        self._at(due, lambda: self._start(key, alloc["ID"]))

    def _runner_for(self, task: dict[str, Any]) -> list[str] | None:
        """The command that plays this task: by image repository, else by the task's own
        command line (e.g. "deep-start --deepaas": any module's DEEPaaS API)."""
        config = task.get("Config") or {}
        image = str(config.get("image") or "")
        by_image = self.runners.get(parse_docker_image(image)[0])
        if by_image is not None:
            return by_image
        words = [str(config.get("command") or ""), *[str(a) for a in config.get("args") or []]]
        return self.runners.get(" ".join(w for w in words if w))

    def _runs_locally(self, group: dict[str, Any]) -> bool:
        return any(self._runner_for(task) for task in group.get("Tasks") or [])

    def _allocated_resources(self, group: dict[str, Any], node: dict[str, Any]) -> dict:
        cpu = node["NodeResources"]["Cpu"]
        mhz_per_core = cpu["CpuShares"] // max(cpu["TotalCpuCores"], 1)
        next_core, tasks = 0, {}
        for task in group.get("Tasks") or []:
            res = task.get("Resources") or {}
            cores = int(res.get("Cores") or 0)
            reserved = list(range(next_core, next_core + cores)) or None  # Go nil slice
            next_core += cores
            devices = []
            for request in res.get("Devices") or []:
                device = _find_device(node, request) or {}
                count = int(request.get("Count") or 1)
                devices.append(
                    {
                        "Vendor": device.get("Vendor"),
                        "Type": device.get("Type"),
                        "Name": device.get("Name"),
                        "DeviceIDs": [i["ID"] for i in device.get("Instances", [])[:count]],
                    }
                )
            tasks[task.get("Name") or "task"] = {
                "Cpu": {
                    "CpuShares": cores * mhz_per_core if cores else int(res.get("CPU") or 100),
                    "ReservedCores": reserved,
                },
                "Memory": {
                    "MemoryMB": int(res.get("MemoryMB") or 300),
                    "MemoryMaxMB": int(res.get("MemoryMaxMB") or 0),
                },
                "Networks": None,
                "Devices": devices or None,
            }
        ports = []
        local = self._runs_locally(group)
        for network in group.get("Networks") or []:
            for port in (network.get("DynamicPorts") or []) + (network.get("ReservedPorts") or []):
                if local and not port.get("Value"):
                    value = _free_loopback_port()  # a process will really listen on it
                else:
                    value = port.get("Value") or self._next_port
                    self._next_port += 0 if port.get("Value") else 1
                ports.append(
                    {
                        "Label": port.get("Label"),
                        "Value": value,
                        "To": port.get("To") or 0,
                        "HostIP": "127.0.0.1" if local else node["Address"],
                    }
                )
        disk = int((group.get("EphemeralDisk") or {}).get("SizeMB") or 300)
        return {"Tasks": tasks, "Shared": {"DiskMB": disk, "Networks": None, "Ports": ports}}

    def _start(self, key: tuple[str, str], alloc_id: str) -> None:
        alloc, job = self._allocs.get(alloc_id), self._jobs.get(key)
        if alloc is None or job is None or _alloc_terminal(alloc):
            return
        failure = next((m for p, m in self._task_failures if p(job)), None)
        if failure is not None or key in self._completed:
            self._finish_alloc(alloc, failure=failure)
            self._refresh_status(key)
            return
        now = _now_ns()
        for name, state in alloc["TaskStates"].items():
            hook, sidecar = _lifecycle(self._task(alloc, name))
            if hook == "poststop":
                continue
            state["StartedAt"] = _rfc3339(now)
            state["Events"].append(_task_event("Started", "Task started by client"))
            if hook in ("prestart", "poststart") and not sidecar:
                state["State"] = "dead"  # an init task that ran to completion
                state["FinishedAt"] = _rfc3339(now)
            else:
                state["State"] = "running"
        alloc["ClientStatus"] = "running"
        alloc["ClientDescription"] = "Tasks are running"
        alloc["ModifyIndex"] = alloc["AllocModifyIndex"] = self._bump()
        alloc["ModifyTime"] = now
        if self.runners:
            self._run_task(alloc)
        self._refresh_status(key)

    # -- HTTP ---------------------------------------------------------------------------------
    _ROUTES: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = tuple(
        (re.compile(pattern), methods)
        for pattern, methods in (
            (r"/v1/jobs", {"GET": "_list_jobs", "POST": "_register", "PUT": "_register"}),
            (r"/v1/jobs/parse", {"POST": "_parse", "PUT": "_parse"}),
            (
                r"/v1/job/(?P<id>[^/]+)",
                {
                    "GET": "_get_job",
                    "POST": "_register",
                    "PUT": "_register",
                    "DELETE": "_deregister",
                },
            ),
            (r"/v1/job/(?P<id>[^/]+)/allocations", {"GET": "_job_allocations"}),
            (r"/v1/job/(?P<id>[^/]+)/evaluations", {"GET": "_job_evaluations"}),
            (r"/v1/allocation/(?P<id>[^/]+)", {"GET": "_get_allocation"}),
            (r"/v1/nodes", {"GET": "_list_nodes"}),
            (r"/v1/node/(?P<id>[^/]+)", {"GET": "_get_node"}),
            (r"/v1/status/leader", {"GET": "_leader"}),
        )
    )

    def handle(self, request: Request) -> Response:
        for pattern, methods in self._ROUTES:
            m = pattern.fullmatch(request.path)
            if m is None:
                continue
            if request.method not in methods:
                return Response.text(405, "Invalid method")
            try:
                if methods[request.method] != "_leader":
                    self._authorize(request)
                if request.method == "GET":
                    self._block(request)
                handler = getattr(self, methods[request.method])
                with self._lock:
                    self._advance()
                    body, write = handler(request, *m.groups())
                    index = self._index
            except NomadError as err:
                return Response.text(err.status, err.message)
            headers = {"X-Nomad-Index": str(index)}
            if not write:
                headers |= {"X-Nomad-KnownLeader": "true", "X-Nomad-LastContact": "0"}
            if isinstance(body, Response):
                body.headers |= headers
                return body
            return Response.json(200, body, headers)
        return Response.text(404, "404 page not found")

    def _authorize(self, request: Request) -> None:
        if self.token is None:
            return
        secret = request.header("X-Nomad-Token")
        bearer = request.header("Authorization")
        if not secret and bearer.lower().startswith("bearer "):
            secret = bearer[7:].strip()
        if not secret:
            raise NomadError(403, "Permission denied")  # anonymous token: no policies
        if secret != self.token:
            raise NomadError(403, "ACL token not found")

    def _block(self, request: Request) -> None:
        """Blocking query: with ``?index=N`` wait until the Raft index passes N or ``wait``
        (default 5m, max 10m) elapses. The index is cluster-wide, not per table."""
        if "index" not in request.query:
            return
        try:
            min_index = int(request.query["index"])
        except ValueError as exc:
            raise NomadError(400, "Invalid index") from exc
        wait = min(parse_duration(request.query.get("wait") or "5m"), _MAX_WAIT_SECONDS)
        deadline = time.monotonic() + wait
        with self._lock:
            while not self._stopping.is_set():
                self._advance()  # time-driven transitions also count as changes
                remaining = deadline - time.monotonic()
                if self._index > min_index or remaining <= 0:
                    return
                self._changed.wait(min(remaining, _BLOCKING_POLL_SECONDS))

    def _namespace(self, request: Request) -> str:
        return request.query.get("namespace") or "default"

    def _list_filter(self, request: Request) -> Predicate | None:
        expression = request.query.get("filter")
        if not expression:
            return None
        try:
            return compile_filter(expression)
        except FilterError as exc:
            raise NomadError(400, f"failed to read filter expression: {exc}") from exc

    @staticmethod
    def _paginate(request: Request, items: list[dict[str, Any]]) -> tuple[list[dict], str]:
        token = request.query.get("next_token") or ""
        if token:
            items = [i for i in items if i["ID"] >= token]
        per_page = int(request.query.get("per_page") or 0)
        if per_page > 0 and len(items) > per_page:
            return items[:per_page], items[per_page]["ID"]
        return items, ""

    # -- job endpoints ------------------------------------------------------------------------
    def _register(self, request: Request, path_id: str | None = None) -> tuple[Any, bool]:
        try:
            body = request.json()
        except ValueError as exc:
            raise NomadError(400, f"Request decode failed: {exc}") from exc
        if not isinstance(body, dict):
            raise NomadError(400, "Request decode failed: the body must be a JSON object")
        job = body.get("Job")
        if job is None:
            raise NomadError(400, "Job must be specified")
        if not isinstance(job, dict):
            raise NomadError(400, "Request decode failed: Job must be an object")
        job_id = job.get("ID")
        if not job_id:
            raise NomadError(400, "Job ID hasn't been provided")
        if path_id is not None and job_id != path_id:
            raise NomadError(400, "Job ID does not match name")
        if not job.get("TaskGroups"):
            raise NomadError(400, "1 error occurred:\n\t* Missing job task groups\n\n")
        namespace = (
            request.query.get("namespace")
            or body.get("Namespace")
            or job.get("Namespace")
            or "default"
        )
        if namespace not in self._namespaces:
            raise NomadError(500, f'job "{job_id}" is in nonexistent namespace "{namespace}"')
        key = (namespace, job_id)
        existing = self._jobs.get(key)
        if body.get("EnforceIndex"):
            self._enforce_index(int(body.get("JobModifyIndex") or 0), existing)
        return self._upsert(key, job, existing), True

    @staticmethod
    def _enforce_index(wanted: int, existing: dict[str, Any] | None) -> None:
        prefix = "Enforcing job modify index"
        if existing is not None:
            if wanted == 0:
                raise NomadError(500, f"{prefix} 0: job already exists")
            if wanted != existing["JobModifyIndex"]:
                raise NomadError(
                    500,
                    f"{prefix} {wanted}: job exists with conflicting job modify index: "
                    f"{existing['JobModifyIndex']}",
                )
        elif wanted != 0:
            raise NomadError(500, f"{prefix} {wanted}: job does not exist")

    def _upsert(
        self, key: tuple[str, str], submitted: dict[str, Any], existing: dict[str, Any] | None
    ) -> dict[str, Any]:
        index = self._bump()
        job = copy.deepcopy(submitted)
        job.setdefault("Name", key[1])
        job.update(
            ID=key[1],
            Namespace=key[0],
            Type=job.get("Type") or "service",
            Priority=int(job.get("Priority") or 50),
            Region=job.get("Region") or "global",
            Datacenters=job.get("Datacenters") or ["*"],
            NodePool=job.get("NodePool") or "default",
            Stop=bool(job.get("Stop")),
            Status="pending",
            StatusDescription="",
            ParentID=job.get("ParentID") or "",
            Meta=job.get("Meta") or None,
            Version=existing["Version"] + 1 if existing else 0,
            SubmitTime=_now_ns(),
            CreateIndex=existing["CreateIndex"] if existing else index,
            ModifyIndex=index,
            JobModifyIndex=index,
        )
        if existing is not None:
            self._stop_allocs(key, "alloc is being updated due to job update")
            for eval_id in self._job_evals.get(key, []):
                if self._evals[eval_id]["Status"] in ("pending", "blocked"):
                    self._evals[eval_id]["Status"] = "canceled"
        self._jobs[key] = job
        self._submitted[key] = self._clock()
        self._completed.discard(key)
        evaluation = self._new_eval(job, "job-register", "pending", index)
        if job["Stop"]:
            evaluation["Status"] = "complete"
        else:
            due = self._submitted[key] + self.timeline["pending"]
            self._at(due, lambda: self._place(key, evaluation["ID"]))
        self._refresh_status(key)
        return {
            "EvalID": evaluation["ID"],
            "EvalCreateIndex": index,
            "JobModifyIndex": index,
            "Warnings": "",
            "Index": index,
            "LastContact": 0,
            "KnownLeader": False,
            "NextToken": "",
        }

    def _parse(self, request: Request) -> tuple[Any, bool]:
        # Documented choice: turning HCL into JSON needs Nomad's HCL2 job parser, which has no
        # standard-library equivalent. The deploy code must submit JSON jobs to the sandbox.
        raise NomadError(501, "job parsing (HCL) is not supported by the sandbox emulator")

    def _list_jobs(self, request: Request) -> tuple[Any, bool]:
        namespace = self._namespace(request)
        prefix = request.query.get("prefix") or ""
        with_meta = parse_bool("meta", request.query.get("meta"))
        predicate = self._list_filter(request)
        jobs = sorted(
            (
                job
                for (ns, job_id), job in self._jobs.items()
                if namespace in ("*", ns) and job_id.startswith(prefix)
            ),
            key=lambda j: (j["ID"], j["Namespace"]),
        )
        # Like Nomad, the filter sees the full job, not the stub.
        if predicate is not None:
            jobs = [job for job in jobs if predicate(job)]
        page, next_token = self._paginate(request, jobs)
        stubs = [self._job_stub(job, with_meta) for job in page]
        if next_token:
            response = Response.json(200, stubs, {"X-Nomad-NextToken": next_token})
            return response, False
        return stubs, False

    def _job_stub(self, job: dict[str, Any], with_meta: bool) -> dict[str, Any]:
        stub = {name: copy.deepcopy(job.get(name)) for name in JOB_STUB_FIELDS}
        stub["Periodic"] = bool(job.get("Periodic"))
        stub["ParameterizedJob"] = bool(job.get("ParameterizedJob"))
        stub["JobSummary"] = self._summary(job)
        if with_meta:
            stub["Meta"] = copy.deepcopy(job.get("Meta"))
        return stub

    def _summary(self, job: dict[str, Any]) -> dict[str, Any]:
        key = (job["Namespace"], job["ID"])
        summary: dict[str, dict[str, int]] = {}
        for group in job.get("TaskGroups") or []:
            summary[group.get("Name") or "group"] = dict.fromkeys(
                ("Queued", "Complete", "Failed", "Running", "Starting", "Lost", "Unknown"), 0
            )
        column = {"pending": "Starting", "running": "Running", "complete": "Complete"}
        column |= {"failed": "Failed", "lost": "Lost", "unknown": "Unknown"}
        for alloc_id in self._job_allocs.get(key, []):
            alloc = self._allocs[alloc_id]
            if alloc["JobVersion"] == job["Version"] and alloc["TaskGroup"] in summary:
                summary[alloc["TaskGroup"]][column[alloc["ClientStatus"]]] += 1
        for eval_id in self._job_evals.get(key, []):
            for group, queued in (self._evals[eval_id]["QueuedAllocations"] or {}).items():
                if group in summary and self._evals[eval_id]["BlockedEval"]:
                    summary[group]["Queued"] = queued
        return {
            "JobID": job["ID"],
            "Namespace": job["Namespace"],
            "Summary": summary,
            "Children": {"Pending": 0, "Running": 0, "Dead": 0},
            "CreateIndex": job["CreateIndex"],
            "ModifyIndex": job["ModifyIndex"],
        }

    def _get_job(self, request: Request, job_id: str) -> tuple[Any, bool]:
        job = self._jobs.get((self._namespace(request), job_id))
        if job is None:
            raise NomadError(404, "job not found")
        return copy.deepcopy(job), False

    def _job_allocations(self, request: Request, job_id: str) -> tuple[Any, bool]:
        key = (self._namespace(request), job_id)
        allocs = [self._allocs[a] for a in self._job_allocs.get(key, [])]
        if key not in self._jobs:
            allocs = []  # a purged job's allocations are no longer listed under it
        predicate = self._list_filter(request)
        stubs = [{name: copy.deepcopy(a.get(name)) for name in ALLOC_STUB_FIELDS} for a in allocs]
        return [s for s in stubs if predicate is None or predicate(s)], False

    def _job_evaluations(self, request: Request, job_id: str) -> tuple[Any, bool]:
        key = (self._namespace(request), job_id)
        if key not in self._jobs:
            return [], False
        # Creation order, so evals[0] is the register evaluation carrying FailedTGAllocs.
        return [copy.deepcopy(self._evals[e]) for e in self._job_evals.get(key, [])], False

    def _deregister(self, request: Request, job_id: str) -> tuple[Any, bool]:
        purge = parse_bool("purge", request.query.get("purge"))
        parse_bool("global", request.query.get("global"))
        parse_bool("no_shutdown_delay", request.query.get("no_shutdown_delay"))
        key = (self._namespace(request), job_id)
        job = self._jobs.get(key)
        reply = {"EvalID": "", "EvalCreateIndex": 0, "JobModifyIndex": 0, "VolumeEvalID": ""}
        reply |= {"VolumeEvalIndex": 0, "Index": self._index, "LastContact": 0}
        reply |= {"KnownLeader": False}
        if job is None:
            return reply, True
        index = self._bump()
        self._stop_allocs(key, "alloc is being stopped due to job deregistration")
        for eval_id in self._job_evals.get(key, []):
            if self._evals[eval_id]["Status"] in ("pending", "blocked"):
                self._evals[eval_id]["Status"] = "canceled"
        if not purge:
            job.update(Stop=True, Version=job["Version"] + 1)
            job.update(ModifyIndex=index, JobModifyIndex=index, SubmitTime=_now_ns())
        evaluation = self._new_eval(job, "job-deregister", "complete", index)
        if purge:
            # The allocations stay readable by ID (as until Nomad's GC), the job is gone.
            del self._jobs[key]
            self._job_evals.pop(key, None)
            self._job_allocs.pop(key, None)
            self._submitted.pop(key, None)
        else:
            self._refresh_status(key)
        reply |= {"EvalID": evaluation["ID"], "EvalCreateIndex": index, "Index": index}
        reply["JobModifyIndex"] = index
        return reply, True

    # -- allocation and node endpoints --------------------------------------------------------
    def _get_allocation(self, request: Request, alloc_id: str) -> tuple[Any, bool]:
        alloc = self._allocs.get(alloc_id)
        if alloc is None:
            raise NomadError(404, "alloc not found")
        return copy.deepcopy(alloc), False

    def _list_nodes(self, request: Request) -> tuple[Any, bool]:
        prefix = request.query.get("prefix") or ""
        with_resources = parse_bool("resources", request.query.get("resources"))
        with_os = parse_bool("os", request.query.get("os"))
        predicate = self._list_filter(request)
        nodes = [
            n
            for n in sorted(self._nodes, key=lambda n: n["ID"])
            if n["ID"].startswith(prefix) and (predicate is None or predicate(n))
        ]
        stubs = []
        for node in nodes:
            stub = {name: copy.deepcopy(node.get(name)) for name in NODE_STUB_FIELDS}
            if with_resources:
                stub["NodeResources"] = copy.deepcopy(node.get("NodeResources"))
                stub["ReservedResources"] = None
            if with_os:
                stub["Attributes"] = {"os.name": (node.get("Attributes") or {}).get("os.name")}
            stubs.append(stub)
        return stubs, False

    def _get_node(self, request: Request, node_id: str) -> tuple[Any, bool]:
        node = next((n for n in self._nodes if n["ID"] == node_id), None)
        if node is None:
            raise NomadError(404, "node not found")
        return copy.deepcopy(node), False

    def _leader(self, request: Request) -> tuple[Any, bool]:
        return f"{self.host}:4647", False
