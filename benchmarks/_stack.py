"""Shared pieces of the benchmarks: a throwaway PostgreSQL database seeded with N modules,
a gunicorn server on loopback, and a load run with wrk (Debian's package) that reports
requests/s and latency percentiles. Everything stays on 127.0.0.1 and is bounded in time.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BENCH_DB = os.environ.get("BENCH_DATABASE", "aix_bench")
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure_in_process(database: str, **extra: str) -> None:
    """Environment for a benchmark that runs Django in its own process: the default settings
    on PostgreSQL database `database`, an in-memory cache, quiet logs; `extra` adds or
    overrides variables."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketplace.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
            "CACHE_URL": "locmemcache://",
            "DJANGO_DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            **extra,
        }
    )


def production_env(**extra: str) -> dict[str, str]:
    """Production settings pointed at the benchmark database, minus HTTPS redirects
    (loopback has no TLS terminator in front)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings_production",
        "DJANGO_SECRET_KEY": "benchmark-only-" + "k" * 50,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "API_ANON_RATE": "100000000/minute",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(ROOT / "var" / "bench-static"),
        **extra,
    }


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,  # noqa: S603
        stdout=subprocess.DEVNULL,
    )


def create_empty_database(name: str) -> None:
    """Drop `name` if it exists (closing its connections) and create it empty."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    """Drop `name`, after closing this process's Django connections to it."""
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(env: dict[str, str], modules: int) -> None:
    """A fresh database with `modules` published modules (factory data, realistic shapes)."""
    create_empty_database(BENCH_DB)
    manage("migrate", "--noinput", env=env)
    seed = (
        "import django; django.setup();"
        "from tests.factories import ModuleFactory;"
        f"ModuleFactory.create_batch({modules}, with_provenance=True)"
    )
    subprocess.run([PYTHON, "-c", seed], cwd=ROOT, env=env, check=True)  # noqa: S603


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2, threads: int = 1):
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "-m",
            "gunicorn",
            "marketplace.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        wait_until_idle(f"127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def celery_worker(
    env: dict[str, str], queues: str, concurrency: int = 1, *options: str, quiet: bool = False
):
    """A Celery worker of the project on `queues`, as production runs one, with any further
    worker `options` (e.g. "--pool=threads"); its output discarded if `quiet`; stopped on exit."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "-Q",
            queues,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "WARNING",
            "-n",
            f"bench-{os.getpid()}-{free_port()}@%h",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_ticks(needle: bytes) -> int:
    """Clock ticks of CPU (user and system) used so far by the running processes whose
    command line contains `needle`."""
    total = 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and needle in (proc / "cmdline").read_bytes():
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime + stime
        except OSError:
            continue
    return total


class CpuUse:
    """The CPU milliseconds used by groups of processes (label → a piece of their command
    lines) since `start()`. A process that ends in between is not counted."""

    def __init__(self, groups: dict[str, bytes]) -> None:
        self.groups = groups
        self.start()

    def start(self) -> None:
        self._ticks = {label: cpu_ticks(needle) for label, needle in self.groups.items()}

    def used_ms(self) -> dict[str, float]:
        tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
        return {
            label: (cpu_ticks(needle) - self._ticks[label]) * tick_ms
            for label, needle in self.groups.items()
        }


def wait_until_idle(bind: str, *, quiet_seconds: float = 0.5, limit: float = 60.0) -> None:
    """Wait until gunicorn's master and workers (the processes started with `--bind bind`)
    have used no CPU for `quiet_seconds`: every worker has booted (each imports the site as
    it starts), so a measurement does not share the CPU with a worker still starting."""
    deadline = time.monotonic() + limit
    last = cpu_ticks(bind.encode())
    while time.monotonic() < deadline:
        time.sleep(quiet_seconds)
        now = cpu_ticks(bind.encode())
        if now == last:
            return
        last = now


@dataclass
class LoadResult:
    url: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_detail: str = ""
    requests: int = 0

    def line(self, label: str) -> str:
        return (
            f"{label:<28} {self.requests_per_second:9.1f} req/s   p50 {self.p50_ms:7.2f} ms   "
            f"p99 {self.p99_ms:7.2f} ms   errors {self.errors}"
            + (f" ({self.error_detail})" if self.error_detail else "")
        )


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    *,
    connections: int = 50,
    seconds: int = 10,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    post: bytes | None = None,
) -> LoadResult:
    """Run wrk against a loopback URL and parse its latency distribution; with `post`, each
    request is a POST of those bytes."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmarks only send traffic to 127.0.0.1")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (Debian's package)")
    with tempfile.TemporaryDirectory(prefix="aix-wrk-") as scratch:
        script: list[str] = []
        if post is not None:
            body = Path(scratch) / "body"
            body.write_bytes(post)
            lua = Path(scratch) / "post.lua"
            lua.write_text(
                'wrk.method = "POST"\n'
                f'local f = assert(io.open("{body}", "rb")); wrk.body = f:read("*a"); f:close()\n'
            )
            script = ["-s", str(lua)]
        out = subprocess.run(  # noqa: S603
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                *script,
                *[
                    arg
                    for name, value in (headers or {}).items()
                    for arg in ("-H", f"{name}: {value}")
                ],
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
    percentiles = {
        m[0]: _ms(m[1], m[2]) for m in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", out)
    }
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non_2xx.group(1)) if non_2xx else 0
    detail = "; ".join(
        line.strip()
        for line in out.splitlines()
        if line.strip().startswith(("Socket errors", "Non-2xx"))
    )
    count = re.search(r"(\d+) requests in", out)
    return LoadResult(
        url,
        rps,
        percentiles.get("50", 0.0),
        percentiles.get("99", 0.0),
        errors,
        detail,
        int(count.group(1)) if count else 0,
    )
