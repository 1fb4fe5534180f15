"""Redis connections reset again and again during a burst of deploy clicks.

User: every click answers at once (never a 500): "queued" or "recorded, will start shortly".
System: each click is a committed `queued` row before any publish; publishes that die with
the connection leave `enqueued_at` empty; the worker (also behind the flapping proxy) loses
its consumer connection and gets messages back. After the network heals the reconciler
enqueues what was lost. Invariant: one row per distinct click (double clicks included), every
row reaches Nomad, exactly one Nomad job per row and no job without a row.
"""

from __future__ import annotations

import random
import threading
import time

import pytest

from deployments.models import Deployment
from deployments.services import reconcile
from tests.factories import DeployerFactory, ModuleFactory, form_data
from tests.faults.deploying import SUBMITTED
from tests.fixtures.deploy import wait_for

pytestmark = [pytest.mark.faults, pytest.mark.timeout(120)]

USERS = 5
CLICKS_PER_USER = 6


def _chaos(proxy, stop: threading.Event, seed: int) -> None:
    """Reset every Redis connection at random moments, with short refusal windows."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible fault schedule, not security
    while not stop.is_set():
        time.sleep(rng.uniform(0.02, 0.15))
        proxy.reset_all()
        if rng.random() < 0.3:
            proxy.drop_new = True
            time.sleep(rng.uniform(0.05, 0.3))
            proxy.drop_new = False


def _click(client, module, *, token: str, title: str):
    return client.post(
        f"/deployments/new/{module.name}/", form_data(token, title=title), follow=True
    )


def test_redis_resets_during_a_click_burst_lose_no_deployment_and_duplicate_no_job(
    client,
    transactional_db,
    deploy_settings,
    nomad,
    redis_proxy,
    broker_via,
    start_worker,
    settings,
):
    settings.DEPLOY_REQUEUE_AFTER = 0
    # Web process and worker both reach Redis through the flapping proxy.
    broker_via(redis_proxy.url)
    supervisor = _Supervisor(
        lambda: start_worker(concurrency=4, visibility_timeout=3, TEST_REDIS_URL=redis_proxy.url)
    )
    module = ModuleFactory()
    users = [DeployerFactory() for _ in range(USERS)]

    stop = threading.Event()
    chaos = threading.Thread(target=_chaos, args=(redis_proxy, stop, 20251125), daemon=True)
    chaos.start()
    seen: dict[str, int] = {"queued": 0, "recorded": 0, "duplicate": 0}
    try:
        for user in users:
            client.force_login(user)
            for n in range(CLICKS_PER_USER):
                form = client.get(f"/deployments/new/{module.name}/").context["form"]
                token = form["token"].value()
                for _attempt in range(2 if n % 3 == 0 else 1):  # every third click: double
                    response = _click(client, module, token=token, title=f"burst {n}")
                    assert response.status_code == 200
                    page = response.content.decode()
                    if "already requested" in page:
                        seen["duplicate"] += 1
                    elif "will start shortly, automatically" in page:
                        seen["recorded"] += 1
                    else:
                        assert "is queued; it will start in a moment" in page, page[-2000:]
                        seen["queued"] += 1
    finally:
        stop.set()
        chaos.join(timeout=5)
        redis_proxy.heal()

    clicks = USERS * CLICKS_PER_USER
    assert Deployment.objects.count() == clicks  # every click recorded, double clicks once
    assert seen["duplicate"] == USERS * len(range(0, CLICKS_PER_USER, 3))
    assert redis_proxy.stats().reset > 0, "the chaos never hit a live connection"

    # The reconciler (beat runs it every 30 s) enqueues what the broker never got.
    wait_for(
        lambda: supervisor.check() and reconcile().requeued >= 0 and _all_submitted(),
        timeout=60,
        step=1.0,
    )

    ids = {str(pk) for pk in Deployment.objects.values_list("pk", flat=True)}
    assert set(nomad.jobs) == ids  # one job per deployment, none without a row
    assert not Deployment.objects.exclude(state__in=SUBMITTED).exists()
    print(
        f"\nburst outcome: {seen}, proxy {redis_proxy.stats()}, "
        f"worker restarts: {supervisor.restarts} {supervisor.reasons}"
    )


class _Supervisor:
    """What `restart: unless-stopped` does in docker/compose.yaml: a worker that died (or
    logged an unrecoverable error and hangs) is replaced. Restarts are reported, not hidden."""

    def __init__(self, start) -> None:
        self.start = start
        self.worker = start()
        self.restarts = 0
        self.reasons: list[str] = []

    def check(self) -> bool:
        log = self.worker.log()
        if self.worker.process.poll() is not None or "Unrecoverable error" in log:
            line = next((x for x in log.splitlines() if "Unrecoverable error" in x), "exited")
            self.reasons.append(line.split("MainProcess]")[-1].strip()[:160])
            self.worker.kill()
            self.worker = self.start()
            self.restarts += 1
        return True


def _all_submitted() -> bool:
    return not Deployment.objects.exclude(state__in=SUBMITTED).exists()
