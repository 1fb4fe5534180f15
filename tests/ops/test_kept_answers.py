"""Answers kept for a while per key (marketplace.kept_answers): a process that lives through
many deployments keeps a bounded number of them, the newest."""

from __future__ import annotations

from marketplace.kept_answers import KeptAnswers


def test_keeps_at_most_max_keys_answers_dropping_the_oldest():
    kept: KeptAnswers[str] = KeptAnswers(60.0, max_keys=3)
    asked: list[str] = []

    def ask(key: str):
        return lambda: asked.append(key) or f"answer of {key}"

    for key in ("a", "b", "c", "d", "e"):
        assert kept.get(key, ask(key)) == f"answer of {key}"

    assert len(kept._answers) == 3
    # The newest are kept (not asked again); the oldest was dropped, so it is asked again.
    for key in ("c", "d", "e"):
        kept.get(key, ask(key))
    assert asked == ["a", "b", "c", "d", "e"]
    assert kept.get("a", ask("a")) == "answer of a"
    assert asked[-1] == "a"
    assert len(kept._answers) == 3


def test_answers_past_their_age_go_first(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("marketplace.kept_answers.time.monotonic", lambda: clock[0])
    kept: KeptAnswers[int] = KeptAnswers(10.0, max_keys=2)
    kept.get("old", lambda: 1)
    clock[0] += 20  # "old" is now past its age
    kept.get("fresh", lambda: 2)
    kept.get("newer", lambda: 3)

    assert set(kept._answers) == {"fresh", "newer"}
