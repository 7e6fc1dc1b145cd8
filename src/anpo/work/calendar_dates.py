"""Dates the sources give only to the month or the year: as text, and as the days they cover.

The pack stores such a date as the first day of its month or year (`precision: month|year`); a
year dated 1 April is a Japanese fiscal year, April to March ("since FY1985": 1985-04-01). Text
uses the framework pages' forms (`ui.date_month`, `ui.date_year`): never a day the sources do not give."""

from __future__ import annotations

import datetime as dt

from anpo.i18n import t

FISCAL_START = (4, 1)  # the Japanese fiscal year begins on 1 April


def is_fiscal(day: dt.date, precision: str) -> bool:
    """Whether a date of this precision names a Japanese fiscal year (a year dated 1 April)."""
    return precision == "year" and (day.month, day.day) == FISCAL_START


def date_text(iso: str, precision: str, lang: str) -> str:
    """`iso` at its precision: 2013-06-01 of precision month is "2013-06" (2013年6月), 1985-04-01 of
    precision year "FY1985" (1985年度), 1996-01-01 of precision year "1996" (1996年)."""
    day = dt.date.fromisoformat(iso)
    if precision == "month":
        return t("ui.date_month", lang, year=day.year, month=day.month)
    if is_fiscal(day, precision):
        return t("ui.date_fiscal_year", lang, year=day.year)
    if precision == "year":
        return t("ui.date_year", lang, year=day.year)
    return iso


def span_text(start: str, end: str | None, precision: str, lang: str) -> str:
    """A record's dates at their precision, `START..END` when it ends in another day, month or year."""
    first = date_text(start, precision, lang)
    if not end:
        return first
    if precision == "year" and is_fiscal(dt.date.fromisoformat(start), precision):
        end = _fiscal_start(dt.date.fromisoformat(end)).isoformat()  # the end is in that fiscal year
    last = date_text(end, precision, lang)
    return first if last == first else f"{first}..{last}"


def covered(start: str, end: str | None, precision: str) -> tuple[dt.date, dt.date]:
    """The days a record covers: its first day and the day after its last (an all-day event's
    DTSTART and exclusive DTEND), a date of precision month or year covering the whole month or
    (fiscal) year it names."""
    first = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end) if end else first
    if precision == "month":
        return first.replace(day=1), _next_month(last)
    if is_fiscal(first, precision):
        return first, _fiscal_start(last).replace(year=_fiscal_start(last).year + 1)
    if precision == "year":
        return first.replace(month=1, day=1), dt.date(last.year + 1, 1, 1)
    return first, last + dt.timedelta(days=1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _fiscal_start(day: dt.date) -> dt.date:
    """The first day of the Japanese fiscal year `day` is in."""
    start = dt.date(day.year, *FISCAL_START)
    return start if day >= start else start.replace(year=day.year - 1)
