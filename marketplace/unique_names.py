"""Generated unique names (a pipeline's slug, a federated entry's catalog name, an imported
person's username): taken from the database's unique constraint, never from a look before
the insert.

`create_with_unique_name` tries the insert with the base name, then with a suffix, each try
in its own savepoint: two requests racing for the same name both succeed (one gets the
suffix) instead of one answering 500. Suffixes are `-2`, `-3`, … by default; `secret=True`
gives random ones (`-k3x9q2`), for names whose neighbours a reader must not be able to infer
(a private pipeline's name says nothing about which other names exist).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Collection, Iterator
from typing import TypeVar

from django.db import IntegrityError, models, transaction

T = TypeVar("T")
ALPHABET = string.ascii_lowercase + string.digits
ATTEMPTS = 50
SEQUENTIAL_TRIES = 10  # then random suffixes: a crowded base never costs hundreds of inserts


def random_suffix(length: int = 6) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def candidates(base: str, *, max_length: int, secret: bool = False) -> Iterator[str]:
    """The names to try, in order; each fits `max_length`."""

    def fit(suffix: str) -> str:
        return f"{base[: max_length - len(suffix) - 1].rstrip('-')}-{suffix}"

    if not secret:
        yield base[:max_length]
        for n in range(2, SEQUENTIAL_TRIES + 2):
            yield fit(str(n))
    while True:
        yield fit(random_suffix())


def create_with_unique_name(
    model: type[models.Model],
    field: str,
    base: str,
    create: Callable[[str], T],
    *,
    max_length: int,
    reserved: Collection[str] = (),
    secret: bool = False,
) -> T:
    """`create(name)` with the first name the database accepts. An IntegrityError that is
    not about `field` (no row holds the name tried) is raised as it is."""
    tried = 0
    for name in candidates(base, max_length=max_length, secret=secret):
        if name in reserved:
            continue
        try:
            with transaction.atomic():
                return create(name)
        except IntegrityError:
            # After a unique violation the row that holds the name is committed (PostgreSQL
            # waits for the other transaction), so this read sees it.
            if not model._default_manager.filter(**{field: name}).exists():
                raise
        tried += 1
        if tried >= ATTEMPTS:
            break
    raise IntegrityError(f"No free {model.__name__}.{field} for {base!r} after {tried} tries.")
