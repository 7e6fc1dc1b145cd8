"""Dates as the ledger writes them: ISO 8601 text (`YYYY-MM-DD`), in the canonical forms of commands,
in the rows it binds and in its results.

`date.isoformat` formats through `PyUnicode_FromFormat`, about 0.45 µs a call, and the ledger writes
several dates for every command it applies. The days in use are few, so each day's text is made
once and then looked up (0.1 µs). The memo is bounded (65,536 days, some 180 years), so that no
stream of unusual dates can grow it without limit.

The rows the ledger writes bind their dates as this text, not as date objects: both databases read
it into the column's type (SQLite holds exactly what SQLAlchemy's `Date` writes), and it is cheaper
to bind. sqlite3 looks a date object's adapter up for every value it binds, and psycopg's COPY
writes a string in about half the time of a date (200,000 rows: 87-163 ms against 305-316 ms).
"""

from __future__ import annotations

import datetime as dt
import functools


@functools.lru_cache(maxsize=1 << 16)
def iso(on: dt.date) -> str:
    return on.isoformat()


def iso_or_none(on: dt.date | None) -> str | None:
    return None if on is None else iso(on)


@functools.lru_cache(maxsize=1 << 16)
def from_iso(text: str) -> dt.date:
    """A date read back as text (SQLite returns a DATE as what was written); memoised as `iso`."""
    return dt.date.fromisoformat(text)


def as_date(value: dt.date | str) -> dt.date:
    """A date, from a date or its ISO text (what SQLite returns for a DATE read past SQLAlchemy)."""
    return value if isinstance(value, dt.date) else from_iso(str(value))
