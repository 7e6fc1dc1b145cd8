"""`anpo calendar export`: meetings and exercises as iCalendar, read back by a real parser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from icalendar import Calendar

from anpo.work.consultations import list_meetings
from anpo.work.facilities import list_exercises


def test_cli_calendar_export_parses_and_holds_every_meeting_and_exercise(
    cli: Any, engine: Any, work: Any, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "anpo.ics"
    for lang in ("en", "ja"):
        result = cli.run("calendar", "export", "--url", url, "--out", str(out), "--lang", lang)
        assert result.exit_code == 0, result.output
        cal = Calendar.from_ical(out.read_bytes())
        assert str(cal["version"]) == "2.0" and str(cal["prodid"]).startswith("-//anpo//")
        events = cal.walk("VEVENT")
        uids = [str(e["uid"]) for e in events]
        assert len(uids) == len(set(uids))
        for e in events:
            start, end = e.decoded("dtstart"), e.decoded("dtend")
            assert isinstance(start, dt.date) and end > start
            assert str(e["summary"]).strip() and "出典 / Sources:" in str(e["description"])
        with work() as w:
            meetings, exercises = list_meetings(w), list_exercises(w.fw)
        assert set(uids) == {f"meeting-{m['id']}@anpo" for m in meetings} | {
            f"exercise-{x['id']}@anpo" for x in exercises
        }
        scc = next(e for e in events if str(e["uid"]) == "meeting-scc_2013_10_03@anpo")
        assert scc.decoded("dtstart") == dt.date(2013, 10, 3)
        assert ("日米安全保障協議委員会" if lang == "ja" else "Security Consultative Committee") in str(scc["summary"])


def test_the_calendar_states_the_marking_of_what_it_holds(
    cli: Any, engine: Any, work: Any, fw: Any, tmp_path: Path
) -> None:
    from anpo.security.markings import Levels
    from anpo.work.calendar import export, marking_of

    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "anpo.ics"
    assert cli.run("calendar", "export", "--url", url, "--out", str(out)).exit_code == 0
    assert str(Calendar.from_ical(out.read_bytes())["x-anpo-marking"]) == "PUBLIC / 公開"  # the white papers' record
    with work() as w:
        meetings = list_meetings(w)
    levels = Levels(fw)
    secret = {**meetings[0], "marking": {"level": "secret", "releasable_to": ["jpn"]}}
    marking = marking_of([*meetings, secret], levels)
    assert (marking.level, marking.releasable_to) == ("secret", frozenset({"jpn"}))
    cal = Calendar.from_ical(export([*meetings, secret], [], "en", levels.banner(marking)))
    assert str(cal["x-anpo-marking"]) == "SECRET//REL TO JPN / 極秘//JPN限り"
    assert "SECRET//REL TO JPN" in str(cal["x-wr-calname"])
