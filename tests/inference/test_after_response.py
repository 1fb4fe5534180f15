"""Work left for after the answer (marketplace.after_response): run once the server closes
the response, exactly once, at once when no view collects it or when the view fails."""

from __future__ import annotations

import pytest

from marketplace.after_response import ThenResponse, collecting, later

# Closing a response sends Django's request_finished, whose receiver checks the database
# connections: a test that closes one needs the database, as a worker that ran a database
# test before it has an open connection to check.
closes_a_response = pytest.mark.django_db


def test_outside_a_collecting_view_the_work_runs_at_once():
    done = []
    later(done.append, "now")
    assert done == ["now"]


@closes_a_response
def test_collected_work_runs_when_the_response_is_closed_and_only_once():
    done = []
    with collecting() as then:
        later(done.append, "recorded")
        assert done == []
    response = ThenResponse({"ok": True}, then=then)
    assert done == []  # answered, not yet sent
    response.close()
    response.close()
    assert done == ["recorded"]


def test_when_the_view_fails_the_work_runs_before_the_error_answer():
    done = []
    with pytest.raises(RuntimeError), collecting():
        later(done.append, "recorded")
        raise RuntimeError("the model failed")
    assert done == ["recorded"]


@closes_a_response
def test_one_failing_piece_of_work_does_not_stop_the_others():
    done = []
    with collecting() as then:
        later(lambda: 1 / 0)
        later(done.append, "second")
    ThenResponse(None, then=then).close()
    assert done == ["second"]
