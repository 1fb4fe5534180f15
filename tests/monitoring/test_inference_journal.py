"""Inferences are recorded after their answer (monitoring.journal): the request appends a
record to a Redis list and the monitoring queue writes it. Checked through the Open
Inference Protocol route of a sandbox OSCAR service, over real HTTP, with real Redis,
PostgreSQL and (in the last test) a real Celery worker: each inference is recorded exactly
once, a drain that dies before trimming is not written twice, and without Redis (or with
the journal full) a request writes its own record."""

from __future__ import annotations

import socket
import uuid

import pytest
import redis
import requests
from django.conf import settings as django_settings

from monitoring import journal
from monitoring.models import InferenceSummary
from tests.fixtures.deploy import wait_for
from tests.fixtures.inference import OipTarget, inference_calls_today

JOURNAL_REDIS_URL = django_settings.REDIS_URL


@pytest.fixture
def background(settings):
    """Recording in the background, on a journal of this test's own."""
    settings.INFERENCE_RECORDING_IN_BACKGROUND = True
    settings.MONITORING_JOURNAL_KEY = f"aix-test:journal-{uuid.uuid4().hex[:8]}"
    keys, url = journal._keys(), settings.REDIS_URL
    yield settings
    redis.Redis.from_url(url).delete(*keys)


@pytest.fixture
def model(oscar_tabular) -> OipTarget:
    return oscar_tabular


def _infer(model: OipTarget, value: float) -> None:
    """One inference, returning once the server has handed its record over (to the journal
    or to the database): that happens after the answer is sent (marketplace.after_response)."""
    before = _handed_over(model)
    body = {"inputs": [{"name": "features", "shape": [1], "datatype": "FP64", "data": [value]}]}
    answer = requests.post(
        f"{model.url}/v2/models/{model.model}/infer", json=body, headers=model.headers, timeout=30
    )
    assert answer.status_code == 200, answer.text
    wait_for(lambda: _handed_over(model) > before, timeout=10)


def _handed_over(model: OipTarget) -> int:
    listed = redis.Redis.from_url(JOURNAL_REDIS_URL).llen(journal._keys()[0])
    return listed + _summaries(model)


def _summaries(model: OipTarget) -> int:
    return InferenceSummary.objects.filter(deployment=model.deployment).count()


def _usage(model: OipTarget) -> int:
    return inference_calls_today(model.deployment)


def test_the_answer_comes_first_and_each_inference_is_recorded_once(background, model):
    _infer(model, 1.5)
    _infer(model, 2.5)
    # Answered, not yet written: the records wait in the journal for the monitoring queue.
    assert (_summaries(model), _usage(model)) == (0, 0)

    assert journal.drain() == 2
    rows = list(InferenceSummary.objects.filter(deployment=model.deployment).order_by("id"))
    assert [(row.source, row.ok) for row in rows] == [("api", True), ("api", True)]
    assert all(row.features and row.latency_ms is not None for row in rows)
    assert _usage(model) == 2
    # Draining again writes nothing more.
    assert journal.drain() == 0
    assert (_summaries(model), _usage(model)) == (2, 2)


def test_a_drain_that_dies_before_trimming_is_not_written_twice(background, model, monkeypatch):
    _infer(model, 1.0)
    _infer(model, 2.0)

    def redis_gone(self, *args, **kwargs):
        raise redis.ConnectionError("Redis went away after the commit")

    # The records are committed, then Redis goes away before the journal is trimmed (the
    # trim is a script: the drain's only call of one).
    with monkeypatch.context() as patch:
        patch.setattr(redis.Redis, "evalsha", redis_gone)
        with pytest.raises(redis.ConnectionError):
            journal.drain()
    assert _summaries(model) == 2

    # The next drain finds the same records still listed and skips them by their numbers.
    _infer(model, 3.0)
    assert journal.drain() == 1
    assert (_summaries(model), _usage(model)) == (3, 3)
    assert redis.Redis.from_url(background.REDIS_URL).llen(journal._keys()[0]) == 0


def test_a_drain_writes_what_it_found_and_leaves_later_records_to_the_next(
    background, model, monkeypatch
):
    """Under steady traffic a drain must not chase each new record with a transaction of
    its own: it ends with its first batch that is not full."""
    for value in (1.0, 2.0, 3.0):
        _infer(model, value)
    write = journal.write

    def write_while_a_request_arrives(records):
        write(records)
        if _summaries(model) == 3:  # the second batch, not full: a request lands meanwhile
            _infer(model, 4.0)

    monkeypatch.setattr(journal, "write", write_while_a_request_arrives)
    assert journal.drain(batch=2) == 3
    assert _summaries(model) == 3
    monkeypatch.undo()
    assert journal.drain(batch=2) == 1
    assert (_summaries(model), _usage(model)) == (4, 4)


def test_a_new_numbering_after_redis_lost_the_counter_is_written(background, model):
    _infer(model, 1.0)
    _infer(model, 2.0)
    assert journal.drain() == 2
    # Redis restarted (or evicted the counter): numbers start again at 1, in a later epoch.
    redis.Redis.from_url(background.REDIS_URL).delete(*journal._keys()[1:])
    _infer(model, 3.0)
    assert journal.drain() == 1
    assert (_summaries(model), _usage(model)) == (3, 3)


def test_without_redis_each_request_writes_its_own_record(background, model):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    background.REDIS_URL = f"redis://127.0.0.1:{closed}/0"
    _infer(model, 4.0)
    assert (_summaries(model), _usage(model)) == (1, 1)


def test_a_full_journal_makes_requests_write_their_own(background, model):
    background.MONITORING_JOURNAL_MAX = 0
    _infer(model, 5.0)
    assert (_summaries(model), _usage(model)) == (1, 1)


@pytest.mark.slow
def test_a_worker_on_the_monitoring_queue_writes_the_records(background, model, start_worker):
    start_worker(MONITORING_JOURNAL_KEY=background.MONITORING_JOURNAL_KEY)
    for value in (1.0, 2.0, 3.0):
        _infer(model, value)
    # Asked for by the requests (at most once a second), not by the test.
    wait_for(lambda: _summaries(model) == 3, timeout=60)
    assert _usage(model) == 3


@pytest.mark.slow
def test_a_request_just_after_a_drain_is_written_without_waiting_for_the_beat(
    background, model, start_worker
):
    """The second request comes within a second of the first one's request for a drain,
    after that drain has run: its own request for a drain is held to the end of that
    second, then sent. There is no beat here; without it, the record would stay listed."""
    start_worker(MONITORING_JOURNAL_KEY=background.MONITORING_JOURNAL_KEY)
    _infer(model, 1.0)
    wait_for(lambda: _summaries(model) == 1, timeout=30)
    _infer(model, 2.0)
    wait_for(lambda: _summaries(model) == 2, timeout=10)
    assert _usage(model) == 2
