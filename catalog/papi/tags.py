"""Tag filters of PAPI's catalog routes.

Current PAPI accepts `tags`, `tags_any`, `not_tags`, `not_tags_any` and ignores
them; PAPI up to v1.2.0 filtered on them (all / any / not-all / not-any, with `*`
wildcards). We filter for real, on the module's tags, case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def _pattern(text: str) -> re.Pattern[str]:
    """`*` matches any run of characters; everything else is literal."""
    return re.compile(".*".join(re.escape(part) for part in text.split("*")), re.IGNORECASE)


@dataclass(frozen=True)
class TagFilter:
    tags: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    not_tags: tuple[str, ...] = ()
    not_tags_any: tuple[str, ...] = ()

    @classmethod
    def from_querydict(cls, params) -> TagFilter:
        def values(name: str) -> tuple[str, ...]:
            return tuple(v.strip() for v in params.getlist(name) if v.strip())

        return cls(
            tags=values("tags"),
            tags_any=values("tags_any"),
            not_tags=values("not_tags"),
            not_tags_any=values("not_tags_any"),
        )

    def __bool__(self) -> bool:
        return bool(self.tags or self.tags_any or self.not_tags or self.not_tags_any)

    def matches(self, module_tags: Iterable[str]) -> bool:
        tags = [t for t in module_tags if isinstance(t, str)]

        def hit(pattern: str) -> bool:
            regex = _pattern(pattern)
            return any(regex.fullmatch(tag) for tag in tags)

        if self.tags and not all(hit(p) for p in self.tags):
            return False
        if self.tags_any and not any(hit(p) for p in self.tags_any):
            return False
        if self.not_tags and all(hit(p) for p in self.not_tags):
            return False
        if self.not_tags_any and any(hit(p) for p in self.not_tags_any):
            return False
        return True
