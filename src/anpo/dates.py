"""Dates as users write them: ISO 8601, or Japanese era dates such as 平成28年12月27日.

Era conversion uses the japanera library rather than a hand-written table of era start dates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from japanera import EraDate

from anpo.i18n import msg

# The last date a user may give: every date anpo derives from one (a settlement due a year on, the
# end of a chart's last year) is then still a date; Python's end with 9999.
LATEST = dt.date(9998, 12, 31)


class DateError(ValueError):
    """A date the user gave that cannot be read, or is after `LATEST`; carries a bilingual message."""

    def __init__(self, value: str, key: str = "date.bad") -> None:
        self.text = msg(key, value=value, latest=LATEST.isoformat())
        super().__init__(self.text.en)


_ERA_RE = re.compile(r"^(?P<era>明治|大正|昭和|平成|令和)(?P<year>元|\d{1,2})年(?P<month>\d{1,2})月(?P<day>\d{1,2})日$")


def parse_date(value: str | dt.date) -> dt.date:
    """Read `YYYY-MM-DD` or an era date (full-width digits and 元年 accepted), up to `LATEST`."""
    day = value if isinstance(value, dt.date) else _read_date(value)
    if day > LATEST:
        raise DateError(str(value), "date.too_late")
    return day


def _read_date(value: str) -> dt.date:
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _ERA_RE.match(text)
    if match is None:
        raise DateError(value)
    year = "1" if match["year"] == "元" else match["year"]
    normalised = f"{match['era']}{int(year)}年{int(match['month'])}月{int(match['day'])}日"
    try:
        found = EraDate.strptime(normalised, "%-K%-y年%-m月%-d日")
    except ValueError as exc:
        raise DateError(value) from exc
    if not found:
        raise DateError(value)
    result: dt.date = found[0].to_date()
    return result


def era_string(day: dt.date) -> str:
    """The Japanese era form of a date, e.g. 平成28年12月27日 (元年 for the first year)."""
    era_date = EraDate.from_date(day)
    era = era_date.era
    year = era.absolute_year_to_relative_year(day.year)
    year_text = "元" if year == 1 else str(year)
    return f"{era.kanji}{year_text}年{day.month}月{day.day}日"


def today() -> dt.date:
    return dt.date.today()


class DateOutOfRange(ValueError):
    """A date computed from one the user gave falls outside the years Python's dates hold (1-9999)."""

    def __init__(self, value: dt.date, months: int) -> None:
        self.text = msg("date.out_of_range", value=value.isoformat(), months=months)
        super().__init__(self.text.en)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the target month lacks becomes its last day (31 Jan + 1 = 28/29 Feb).
    DateOutOfRange if that is beyond year 9999 (or before year 1)."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise DateOutOfRange(day, months)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month0 + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
