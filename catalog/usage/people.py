"""Is this request a person? Bots are told apart by their user agent.

The patterns are the community-maintained list of crawler user agents
(`crawler-user-agents`, Martin Monperrus's list, updated every few weeks): matching it is a
few hundred regular expressions, so answers are remembered per user agent (browsers send a
handful of distinct strings). Requests without a user agent are not counted either: every
browser sends one.
"""

from __future__ import annotations

from functools import lru_cache

from crawleruseragents import is_crawler

MAX_USER_AGENT = 512


@lru_cache(maxsize=4096)
def _known_bot(user_agent: str) -> bool:
    return is_crawler(user_agent)


def looks_like_a_person(user_agent: str) -> bool:
    user_agent = (user_agent or "").strip()[:MAX_USER_AGENT]
    return bool(user_agent) and not _known_bot(user_agent)
