"""Side-by-side comparison of two values of a curatable field, for the curation pages."""

from __future__ import annotations

import dataclasses
import difflib
import json
from typing import Any


@dataclasses.dataclass(frozen=True)
class DiffRow:
    left: str
    right: str
    kind: str  # equal, changed, removed, added


def as_lines(value: Any) -> list[str]:
    """A value as the lines a person compares: text by line, lists by item, links by name."""
    if value in (None, "", [], {}):
        return []
    if isinstance(value, str):
        return value.replace("\r\n", "\n").split("\n")
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return [f"{key}: {value[key]}" for key in sorted(value)]
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).split("\n")


def side_by_side(left: Any, right: Any) -> list[DiffRow]:
    """Rows pairing the lines of `left` and `right`, each marked by how it differs."""
    old, new = as_lines(left), as_lines(right)
    rows = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(line, line, "equal") for line in old[i1:i2]]
            continue
        left_part, right_part = old[i1:i2], new[j1:j2]
        for index in range(max(len(left_part), len(right_part))):
            a = left_part[index] if index < len(left_part) else None
            b = right_part[index] if index < len(right_part) else None
            kind = (
                "changed"
                if a is not None and b is not None
                else "removed"
                if b is None
                else "added"
            )
            rows.append(DiffRow(a or "", b or "", kind))
    return rows
