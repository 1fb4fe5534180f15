"""Readiness checks: can this replica serve real traffic right now?

Each check returns None when fine or a short reason; `/readyz` answers 503 with the
reasons when any fails, so an orchestrator stops routing to a replica that cannot work.
"""

import socket
from collections.abc import Callable
from urllib.parse import urlparse

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def check_database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means not ready
        return f"database unreachable: {exc.__class__.__name__}"
    return None


def check_migrations() -> str | None:
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migration(s) not applied"
    return None


def check_broker() -> str | None:
    from marketplace.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many kinds; all mean "cannot enqueue"
        return f"broker unreachable: {exc.__class__.__name__}"
    return None


def _tcp_reachable(url: str) -> bool:
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def check_deploy_backends() -> str | None:
    unreachable = [
        name
        for name, url in (
            ("nomad", getattr(settings, "NOMAD_ADDR", "")),
            ("oscar", getattr(settings, "OSCAR_ENDPOINT", "")),
        )
        if url and not _tcp_reachable(url)
    ]
    return f"deploy backend unreachable: {', '.join(unreachable)}" if unreachable else None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "broker": check_broker,
    "deploy_backends": check_deploy_backends,
}


def run_checks() -> dict[str, str]:
    """Name → "ok" or the reason it failed. Migrations are only checked with a database."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped: no database"
            continue
        results[name] = check() or "ok"
    return results
