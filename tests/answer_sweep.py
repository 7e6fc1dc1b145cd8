"""The dates on which the wording and spelling tests ask every question: one in each era of the
arrangements (before the 1960 treaty, the 1978 and 1997 Guidelines, the 1999 and 2015 laws)."""

from __future__ import annotations

import datetime as dt

DATES = tuple(
    dt.date.fromisoformat(d)
    for d in (
        "1955-01-01",
        "1960-06-23",
        "1990-01-01",
        "1997-01-01",
        "2000-01-01",
        "2005-01-01",
        "2014-07-01",
        "2016-06-01",
        "2023-01-12",
        "2024-01-01",
    )
)
