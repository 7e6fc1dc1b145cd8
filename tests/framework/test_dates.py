"""Dates as users type them: ISO or the Japanese era, with clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from anpo.dates import DateError, era_string, parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-12-27", dt.date(2016, 12, 27)),
        ("平成28年12月27日", dt.date(2016, 12, 27)),
        ("平成２８年１２月２７日", dt.date(2016, 12, 27)),  # full-width digits
        ("昭和47年5月15日", dt.date(1972, 5, 15)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("平成元年1月8日", dt.date(1989, 1, 8)),
    ],
)
def test_iso_and_era_dates_are_read(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2016-13-01", "平成32年13月1日", "yesterday", "昭和65年1月1日", ""])
def test_unreadable_dates_say_so_in_both_languages(text: str) -> None:
    with pytest.raises(DateError) as info:
        parse_date(text)
    assert "YYYY-MM-DD" in info.value.text.en and "平成28年12月27日" in info.value.text.ja


def test_era_string_round_trips() -> None:
    for day in (dt.date(1972, 5, 15), dt.date(1989, 1, 8), dt.date(2019, 5, 1), dt.date(2024, 7, 1)):
        assert parse_date(era_string(day)) == day
    assert era_string(dt.date(2019, 5, 1)) == "令和元年5月1日"


def test_add_months_keeps_the_day_or_takes_the_month_end() -> None:
    from anpo.dates import add_months

    assert add_months(dt.date(2017, 4, 25), 12) == dt.date(2018, 4, 25)
    assert add_months(dt.date(2020, 2, 29), 12) == dt.date(2021, 2, 28)
    assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2023, 11, 30), 3) == dt.date(2024, 2, 29)
