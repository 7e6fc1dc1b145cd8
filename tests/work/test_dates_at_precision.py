"""Exercises the sources date only to the month or the (fiscal) year are shown at that precision in
`anpo exercise list`, on /work/facilities and in the iCalendar export, never as an exact day; the
JSON twins keep the ISO date and its `precision`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from anpo.work.calendar_dates import covered, date_text, span_text

FY1985 = "jpn_us_joint_integrated_exercise"  # "since FY1985": 1985-04-01, precision year
DAWN_BLITZ = "exercise_dawn_blitz_13"  # June 2013: 2013-06-01, precision month
GUAM_2014 = "exercise_msdf_guam_2014_06"  # June to July 2014: 2014-06-01 .. 2014-07-31, precision month


@pytest.mark.parametrize(
    ("iso", "precision", "en", "ja"),
    [
        ("2013-06-01", "month", "2013-06", "2013年6月"),
        ("1985-04-01", "year", "FY1985", "1985年度"),
        ("1996-01-01", "year", "1996", "1996年"),
        ("2013-10-03", "day", "2013-10-03", "2013-10-03"),
    ],
)
def test_a_date_is_written_at_its_precision(iso: str, precision: str, en: str, ja: str) -> None:
    assert (date_text(iso, precision, "en"), date_text(iso, precision, "ja")) == (en, ja)


def test_the_days_a_date_covers_at_its_precision() -> None:
    assert covered("2013-06-01", None, "month") == (dt.date(2013, 6, 1), dt.date(2013, 7, 1))
    assert covered("2013-12-01", None, "month") == (dt.date(2013, 12, 1), dt.date(2014, 1, 1))
    assert covered("2014-06-01", "2014-07-31", "month") == (dt.date(2014, 6, 1), dt.date(2014, 8, 1))
    assert covered("1985-04-01", None, "year") == (dt.date(1985, 4, 1), dt.date(1986, 4, 1))  # a fiscal year
    assert covered("1985-04-01", "1986-03-31", "year") == (dt.date(1985, 4, 1), dt.date(1986, 4, 1))
    assert covered("1996-01-01", None, "year") == (dt.date(1996, 1, 1), dt.date(1997, 1, 1))
    assert covered("2013-10-03", "2013-10-04", "day") == (dt.date(2013, 10, 3), dt.date(2013, 10, 5))
    assert span_text("2014-06-01", "2014-07-31", "month", "en") == "2014-06..2014-07"
    assert span_text("2014-06-01", "2014-06-30", "month", "en") == "2014-06"
    assert span_text("1985-04-01", "1986-03-31", "year", "ja") == "1985年度"


def test_cli_lists_exercises_at_their_precision(cli: Any) -> None:
    en = cli.run("exercise", "list")
    assert en.exit_code == 0, en.output
    assert "  FY1985  Japan-U.S. Joint Integrated Exercise" in en.stdout
    assert "  2013-06  Dawn Blitz 13  United States" in en.stdout
    assert "  2014-06..2014-07  MSDF at-sea" in en.stdout
    assert "1985-04-01" not in en.stdout and "2013-06-01" not in en.stdout
    ja = cli.run("exercise", "list", "--lang", "ja").stdout
    assert "  1985年度  日米共同統合演習" in ja and "  2013年6月  ドーン・ブリッツ13" in ja
    listed = {e["id"]: e for e in cli.json("exercise", "list")["exercises"]}
    assert (listed[FY1985]["start"], listed[FY1985]["precision"]) == ("1985-04-01", "year")
    assert (listed[DAWN_BLITZ]["start"], listed[DAWN_BLITZ]["precision"]) == ("2013-06-01", "month")


def test_a_period_lists_the_exercises_whose_month_or_year_it_overlaps(cli: Any) -> None:
    """Dawn Blitz 13 is "June 2013" (stored 2013-06-01): a period from 2013-06-15 left it out."""
    listed = {e["id"] for e in cli.json("exercise", "list", "--from", "2013-06-15", "--to", "2013-06-20")["exercises"]}
    assert DAWN_BLITZ in listed
    assert FY1985 not in listed  # FY1985 ended on 1986-03-31
    assert FY1985 in {
        e["id"] for e in cli.json("exercise", "list", "--from", "1986-03-01", "--to", "1986-03-31")["exercises"]
    }
    assert DAWN_BLITZ not in {e["id"] for e in cli.json("exercise", "list", "--from", "2013-07-01")["exercises"]}


def test_a_period_filters_the_tabletop_scenarios_by_their_date(cli: Any) -> None:
    """`--from 1986-01-01 --to 1986-03-31` listed the 2024 and 2025 scenarios too."""
    everything = cli.json("exercise", "list")["scenarios"]
    assert len({s["date"][:4] for s in everything}) > 1
    assert cli.json("exercise", "list", "--from", "1986-01-01", "--to", "1986-03-31")["scenarios"] == []
    text = cli.run("exercise", "list", "--from", "1986-01-01", "--to", "1986-03-31").stdout
    assert text.split("[机上演習シナリオ / tabletop scenarios]")[1].strip() == ""
    day = everything[0]["date"]
    assert [s["id"] for s in cli.json("exercise", "list", "--from", day, "--to", day)["scenarios"]] == [
        s["id"] for s in everything if s["date"] == day
    ]
    later = cli.json("exercise", "list", "--from", "2025-01-01")["scenarios"]
    assert [s["id"] for s in later] == [s["id"] for s in everything if s["date"] >= "2025-01-01"]


def _events(ics: bytes) -> dict[str, Any]:
    return {str(e["uid"]).removesuffix("@anpo"): e for e in Calendar.from_ical(ics).walk("VEVENT")}


def _spans(events: dict[str, Any]) -> dict[str, tuple[dt.date, dt.date]]:
    return {uid: (e.decoded("dtstart"), e.decoded("dtend")) for uid, e in events.items()}


def test_the_calendar_spans_the_month_or_fiscal_year_the_source_gives(
    cli: Any, engine: Any, wclient: Any, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "anpo.ics"
    assert cli.run("calendar", "export", "--url", url, "--out", str(out)).exit_code == 0
    events = _events(out.read_bytes())
    spans = _spans(events)
    assert spans[f"exercise-{DAWN_BLITZ}"] == (dt.date(2013, 6, 1), dt.date(2013, 7, 1))
    assert spans[f"exercise-{GUAM_2014}"] == (dt.date(2014, 6, 1), dt.date(2014, 8, 1))
    assert spans[f"exercise-{FY1985}"] == (dt.date(1985, 4, 1), dt.date(1986, 4, 1))
    assert spans["meeting-scc_2013_10_03"] == (dt.date(2013, 10, 3), dt.date(2013, 10, 4))  # a day stays a day
    dawn = str(events[f"exercise-{DAWN_BLITZ}"]["description"])
    assert dawn.startswith("The source gives only the month: the event spans the whole month.")
    assert "出典 / Sources:" in dawn
    assert "gives only the Japanese fiscal year" in str(events[f"exercise-{FY1985}"]["description"])
    assert "gives only" not in str(events["meeting-scc_2013_10_03"]["description"])
    ja = _events(wclient.get("/api/work/calendar.ics?lang=ja").content)
    assert _spans(ja) == spans  # the web's export is the CLI's
    assert "資料は月までしか記していない" in str(ja[f"exercise-{DAWN_BLITZ}"]["description"])


def test_the_facilities_page_shows_exercise_dates_at_their_precision(wclient: Any) -> None:
    en = wclient.get("/work/facilities?lang=en").text
    assert f'data-testid="exercise-{DAWN_BLITZ}"><time datetime="2013-06">2013-06</time> Dawn Blitz 13' in en
    assert f'data-testid="exercise-{FY1985}"><time datetime="1985">FY1985</time> Japan-U.S.' in en
    assert '<time datetime="2014-06">2014-06</time> – <time datetime="2014-07">2014-07</time> MSDF' in en
    assert ">2013-06-01<" not in en and ">1985-04-01<" not in en
    ja = wclient.get("/work/facilities?lang=ja").text
    assert '<time datetime="2013-06">2013年6月</time> ドーン・ブリッツ13' in ja
    assert '<time datetime="1985">1985年度</time> 日米共同統合演習' in ja
    twin = {e["id"]: e for e in wclient.get("/api/work/facilities").json()["exercises"]}
    assert (twin[DAWN_BLITZ]["start"], twin[DAWN_BLITZ]["precision"]) == ("2013-06-01", "month")
