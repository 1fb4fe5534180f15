"""What went wrong with a metadata file, in words a module maintainer can act on."""

from __future__ import annotations

import dataclasses

ERROR = "error"  # the document is unusable or does not follow the schema
WARNING = "warning"  # usable, but something deserves the maintainer's attention


@dataclasses.dataclass(frozen=True)
class MetadataProblem:
    """One finding about one metadata file."""

    file: str
    line: int | None
    field: str | None
    message: str
    severity: str = ERROR

    def as_dict(self) -> dict:
        """Plain dict, ready for JSON (API responses, JSONField)."""
        return dataclasses.asdict(self)


class MetadataError(Exception):
    """A metadata file could not be read at all; ``problem`` says where and why."""

    def __init__(self, problem: MetadataProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem
