"""The ids the server gives new records: random, never a running count.

A count (`case_0042`, an autoincrement key) is an inference channel between marking levels: a
reader who sees `case_0041` and `case_0044` learns that two cases exist that it may not read. A
random id tells nothing of the records the reader cannot see. A drawn id that is taken is drawn
again in the caller's transaction; an id a user chooses is the caller's to check, as before.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from anpo.work.common import MAX_INTEGER

# Lowercase base32 without the characters read as others (0/o, 1/l): 32 ** 8 = 2 ** 40 ids a prefix.
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyz"
LENGTH = 8
# A taken id is one draw in millions; this many in a row means the random source is broken.
ATTEMPTS = 16
T = TypeVar("T")


def draw(bound: int) -> int:
    """A random whole number from 0 to `bound` - 1: the one random source of every id."""
    return secrets.randbelow(bound)


def new_id(session: Session, model: type[Any], prefix: str) -> str:
    """A free primary key of `model`: `prefix` and eight random characters (`case_7kq2m9xa`)."""
    return _first_free(
        session, model, lambda _attempt: prefix + "".join(ALPHABET[draw(len(ALPHABET))] for _ in range(LENGTH))
    )


def new_number(session: Session, model: type[Any], seed: str = "") -> int:
    """A free integer primary key of `model`, from 1 to the column's largest value.

    With `seed` (of an exercise run's record: its run and what the record itself shows) the number
    is derived from the seed, so the same scripted run gives the same report; it still counts nothing."""

    def candidate(attempt: int) -> int:
        if not seed:
            return 1 + draw(MAX_INTEGER)
        digest = hashlib.sha256(f"{seed}#{attempt}".encode()).digest()
        return 1 + int.from_bytes(digest[:8], "big") % MAX_INTEGER

    return _first_free(session, model, candidate)


def _first_free(session: Session, model: type[Any], candidate: Callable[[int], T]) -> T:
    for attempt in range(ATTEMPTS):
        value = candidate(attempt)
        if session.get(model, value) is None:
            return value
    raise RuntimeError(f"no free id for {model.__tablename__} in {ATTEMPTS} draws: is the random source broken?")
