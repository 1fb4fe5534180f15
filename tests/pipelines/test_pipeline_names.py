"""A pipeline's name comes from the database's unique constraint (marketplace.unique_names):
simultaneous saves of one title all succeed on PostgreSQL, and a generated name never shows
that someone's private pipeline exists."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from pipelines.models import Pipeline
from tests.factories import DeployerFactory
from tests.pipelines.factories import VOTE_YAML, classifier

LIST = "/api/v1/pipelines/"


@pytest.fixture
def vote_yaml():
    a, b = classifier("plants-classification"), classifier("ai4os-image-classification-tf")
    return VOTE_YAML.format(a=a.name, b=b.name)


def _post(user, body) -> tuple[int, dict]:
    client = Client()
    client.force_login(user)
    response = client.post(LIST, body, content_type="application/json")
    return response.status_code, response.json()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_of_one_title_all_succeed_with_distinct_names(vote_yaml):
    users = [DeployerFactory() for _ in range(8)]
    barrier = threading.Barrier(len(users))
    answers: list[tuple[int, dict]] = []

    def save(user):
        barrier.wait()
        try:
            answers.append(_post(user, {"title": "Same title", "yaml": vote_yaml}))
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(status for status, _ in answers) == [201] * 8, answers
    names = sorted(body["name"] for _, body in answers)
    assert names == ["same-title", *(f"same-title-{n}" for n in range(2, 9))]
    assert Pipeline.objects.count() == 8


@pytest.mark.django_db
def test_a_private_pipeline_never_takes_the_name_someone_else_would_get(client, vote_yaml):
    alice, bob = DeployerFactory(), DeployerFactory()
    status, private = _post(alice, {"title": "My flow", "yaml": vote_yaml, "private": True})
    assert status == 201
    assert private["name"].startswith("my-flow-") and private["name"] != "my-flow-2"
    # Bob gets the plain name: nothing in it says that Alice's private pipeline exists.
    status, public = _post(bob, {"title": "My flow", "yaml": vote_yaml})
    assert (status, public["name"]) == (201, "my-flow")
    # And a second public one gets the next number, whatever private names exist.
    status, second = _post(bob, {"title": "My flow", "yaml": vote_yaml})
    assert (status, second["name"]) == (201, "my-flow-2")
