"""Run the whole site on one machine with no outside services: the README's first command.

It migrates the embedded SQLite database, loads the offline demo catalog, then
supervises three child processes (each in its own process group, marketplace.supervisor)
until Ctrl-C or until one of them exits:

- the sandbox Nomad and OSCAR emulators (labelled as a sandbox everywhere in the UI),
- a Celery worker with an embedded beat, on Redis if one answers on localhost,
  else on kombu's filesystem transport under var/broker,
- the web server on $PORT (default 8000).

Children get their settings through the environment, so what runs here is the same
code a production deployment runs, pointed at local stand-ins.
"""

import os
import shlex
import signal
import socket
import sys
import time
from urllib.parse import urlparse

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from marketplace.supervisor import Supervisor

SANDBOX_OSCAR_USER = "oscar"
SANDBOX_OSCAR_PASSWORD = "oscar-sandbox"  # noqa: S105 - the local emulator's fixed demo login


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _choose_broker() -> str:
    """Redis if present (what production uses), else an embedded file broker."""
    explicit = os.environ.get("CELERY_BROKER_URL")
    if explicit:
        return explicit
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    parsed = urlparse(redis_url)
    if _port_open(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        return redis_url
    return "filesystem://"


_BIND_ALL = ("0.0.0.0", "::", "")  # noqa: S104 - what a bind-all host is called


def _local_host(host: str) -> str:
    """Where this machine reaches a server bound to `host`."""
    return "127.0.0.1" if host in _BIND_ALL else host


def _site_url(host: str, port: int) -> str:
    host = "localhost" if host in _BIND_ALL else host
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run AI Exchange with the demo catalog, a worker and the sandbox deploy backend."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--no-worker", action="store_true", help="do not start Celery")

    def handle(self, *args, **options):
        if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            self.stdout.write("Using the database from DATABASE_URL.")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        call_command("load_demo")

        nomad_port, oscar_port, records_port = _free_port(), _free_port(), _free_port()
        broker = _choose_broker()
        child_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "marketplace.settings"
            ),
            "SANDBOX_MODE": "true",
            "NOMAD_ADDR": f"http://127.0.0.1:{nomad_port}",
            "OSCAR_ENDPOINT": f"http://127.0.0.1:{oscar_port}",
            "OSCAR_USERNAME": SANDBOX_OSCAR_USER,
            "OSCAR_PASSWORD": SANDBOX_OSCAR_PASSWORD,
            "CELERY_BROKER_URL": broker,
            # Datasets named by DOI are read from the sandbox's Zenodo-like record server
            # (there is no Zenodo offline); its port is free, so two demos can run at once.
            "DATASET_RECORDS_API": os.environ.get(
                "DATASET_RECORDS_API", f"http://127.0.0.1:{records_port}/api/records"
            ),
            # The address printed below, so that the absolute URLs the API and the FAIR
            # exports give are the ones the newcomer browses (a bind-all host has none).
            "SITE_URL": os.environ.get("SITE_URL", _site_url(options["host"], options["port"])),
            "PYTHONUNBUFFERED": "1",
            # The federated-server page's install line for partner sites: the package is not on
            # PyPI (`pip install ai-exchange` fails, or installs someone else's package), and
            # the demo's clients run on this machine, so this checkout.
            "DEPLOY_FEDSERVER_CLIENT_INSTALL": os.environ.get(
                "DEPLOY_FEDSERVER_CLIENT_INSTALL",
                f"pip install {shlex.quote(str(settings.BASE_DIR))}",
            ),
        }
        if broker.startswith("redis://"):
            child_env.setdefault("REDIS_URL", broker)
        python = sys.executable
        var_dir = settings.VAR_DIR
        commands = [
            (
                "sandbox",
                [
                    python,
                    "-m",
                    "deployments.sandbox",
                    "--nomad-port",
                    str(nomad_port),
                    "--oscar-port",
                    str(oscar_port),
                    "--records-port",
                    str(records_port),
                ],
            ),
        ]
        if not options["no_worker"]:
            commands.append(
                (
                    "worker",
                    [
                        python,
                        "-m",
                        "celery",
                        "-A",
                        "marketplace",
                        "worker",
                        "--beat",
                        "-Q",
                        "default,harvest,deploy,sync,monitoring",
                        "--pool=threads",
                        "--concurrency=4",
                        "--loglevel=INFO",
                        "-s",
                        str(var_dir / "celerybeat-schedule"),
                    ],
                )
            )
        commands.append(
            (
                "web",
                [
                    python,
                    "manage.py",
                    "runserver",
                    f"{options['host']}:{options['port']}",
                    "--noreload",
                ],
            )
        )

        supervisor = Supervisor()
        # Children lead their own groups, so a terminal's Ctrl-C reaches only us; a SIGTERM
        # (docker stop, systemd) takes the same way out as Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            for name, command in commands:
                child = supervisor.start(name, command, child_env)
                if name == "sandbox":
                    self._wait_for_port(nomad_port, child.process)
                elif name == "web":
                    # "Running at" is said once the site answers there, not before.
                    self._wait_for_port(
                        options["port"],
                        child.process,
                        what="the web server",
                        host=_local_host(options["host"]),
                    )
            broker_label = "Redis" if broker.startswith("redis") else "embedded file broker"
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nAI Exchange is running at {child_env['SITE_URL']}/\n"
                    f"  worker broker: {broker_label}\n"
                    f"  SANDBOX deploy backend: Nomad emulator :{nomad_port}, OSCAR emulator "
                    f":{oscar_port} (nothing real is deployed)\n"
                    "  Press Ctrl-C to stop.\n"
                )
            )
            name, code = supervisor.wait_for_exit()
            self.stderr.write(f"{name} exited with code {code}; stopping the demo.")
        except KeyboardInterrupt:
            pass
        finally:
            # Each child's whole process group: a killed worker's beat goes too.
            supervisor.stop()

    def _wait_for_port(
        self,
        port: int,
        process,
        timeout: float = 600.0,
        *,
        what: str = "the sandbox emulator",
        host: str = "127.0.0.1",
    ) -> None:
        """Wait for `what` to listen, as long as it runs: on a first run the sandbox builds
        DEEPaaS's virtual environment before listening (a minute or more on a busy machine)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _port_open(host, port):
                return
            code = process.poll()
            if code is not None:
                raise RuntimeError(f"{what} exited with code {code} before listening")
            time.sleep(0.1)
        raise RuntimeError(f"{what} did not start on port {port} in {timeout:.0f} s")
