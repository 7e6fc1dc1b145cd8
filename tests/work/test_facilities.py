"""Facilities over time, bookings with conflict detection, cases and the calendar from the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from anpo.security.markings import Marking
from anpo.work.common import WorkError
from anpo.work.facilities import book, cancel_booking, list_bookings

T = dt.datetime


def test_overlap_is_refused_and_nothing_written(work: Any) -> None:
    with work() as w:
        first = book(w, "camp_hansen", "usa", T(2025, 5, 1, 8), T(2025, 5, 1, 17), purpose="training")
    with pytest.raises(WorkError) as err, work() as w:
        book(w, "camp_hansen", "jpn", T(2025, 5, 1, 16), T(2025, 5, 1, 20))
    assert err.value.code == "conflict" and err.value.details["conflicts"][0]["id"] == first["id"]
    with work() as w:
        assert len(list_bookings(w, "camp_hansen")) == 1
        book(w, "camp_hansen", "jpn", T(2025, 5, 1, 17), T(2025, 5, 1, 20))  # back to back is fine
        book(w, "yokota_air_base", "jpn", T(2025, 5, 1, 8), T(2025, 5, 1, 17))  # another facility
        cancel_booking(w, first["id"])
        book(w, "camp_hansen", "jpn", T(2025, 5, 1, 9), T(2025, 5, 1, 10))  # the slot is free again
    with pytest.raises(WorkError, match="end is not after"), work() as w:
        book(w, "camp_hansen", "jpn", T(2025, 6, 1, 9), T(2025, 6, 1, 9))
    with pytest.raises(WorkError, match="unknown facility"), work() as w:
        book(w, "atlantis", "jpn", T(2025, 6, 1, 9), T(2025, 6, 1, 10))


def test_hidden_conflicts_are_counted_not_shown(work: Any, person: Any) -> None:
    with work() as w:
        book(w, "camp_zama", "jpn", T(2025, 7, 1), T(2025, 7, 2), marking=Marking("secret", frozenset({"jpn"})))
    with pytest.raises(WorkError) as err, work(person("smith", "usa", "secret", "coordinator")) as w:
        book(w, "camp_zama", "usa", T(2025, 7, 1, 12), T(2025, 7, 1, 13))
    assert err.value.details == {"conflicts": [], "hidden_conflicts": 1}


def test_cli_facilities_cases_calendar(cli: Any, engine: Any, db_url: str, tmp_path: Path) -> None:
    hansen = next(
        f for f in cli.json("facilities", "list", "--on", "2010-01-01")["facilities"] if f["id"] == "camp_hansen"
    )
    assert hansen["joint_use"][0]["in_force"] and hansen["joint_use"][0]["citations"]
    ok = cli.json(
        "facilities",
        "book",
        "yokota_air_base",
        "--party",
        "usa",
        "--start",
        "2025-03-01T08:00",
        "--end",
        "2025-03-02T08:00",
        "--url",
        db_url,
    )
    clash = cli.run(
        "facilities",
        "book",
        "yokota_air_base",
        "--party",
        "jpn",
        "--start",
        "2025-03-01T20:00",
        "--end",
        "2025-03-01T22:00",
        "--url",
        db_url,
    )
    assert clash.exit_code == 2 and "already booked" in clash.output
    assert [b["id"] for b in cli.json("facilities", "bookings", "--url", db_url)["bookings"]] == [ok["id"]]
    case = cli.json(
        "cases",
        "open",
        "--title-ja",
        "試験",
        "--title-en",
        "Drill",
        "--type",
        "gray_zone",
        "--level",
        "acg",
        "--on",
        "2015-01-10",
        "--url",
        db_url,
    )
    refused = cli.run(
        "cases",
        "determine",
        case["id"],
        "important_influence_situation",
        "--cabinet-decision",
        "2015-01-10",
        "--url",
        db_url,
    )
    assert refused.exit_code == 2 and "not a situation in law" in refused.output  # before 29 March 2016
    cli.json("cases", "post", case["id"], "--text", "hello", "--url", db_url)
    shown = cli.json("cases", "show", case["id"], "--url", db_url)
    assert [e["type"] for e in shown["entries"]] == ["opened", "message"]
    assert shown["questions"][0]["question"] == "coordination.mechanism"
    out = tmp_path / "anpo.ics"
    assert cli.run("calendar", "export", "--out", str(out), "--url", db_url).exit_code == 0
    assert out.read_bytes().count(b"BEGIN:VEVENT") >= 40


def test_a_booking_after_the_last_date_is_refused_in_both_languages(cli: Any, engine: Any, db_url: str) -> None:
    """Date-times end where dates do (9998-12-31): a booking on 9999-12-31 was taken."""
    args = ["facilities", "book", "camp_hansen", "--party", "usa", "--url", db_url]
    late = cli.run(*args, "--start", "9999-12-31T10:00", "--end", "9999-12-31T12:00")
    assert late.exit_code == 2 and "after 9998-12-31, the last date anpo takes" in late.output
    ja = cli.run(*args, "--start", "9999-12-31T10:00", "--end", "9999-12-31T12:00", "--lang", "ja")
    assert ja.exit_code == 2 and "扱える最後の日" in ja.output
    assert cli.run(*args, "--start", "9998-12-31T10:00", "--end", "9998-12-31T12:00").exit_code == 0
