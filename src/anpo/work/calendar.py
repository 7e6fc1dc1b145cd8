"""iCalendar (RFC 5545) export of meetings and exercises, each event with its citations.

UIDs and stamps come from the records, not the clock, so the same records give the same file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from icalendar import Calendar, Event

from anpo.framework.model import Text
from anpo.i18n import t
from anpo.security.markings import Levels, Marking
from anpo.work.calendar_dates import covered, is_fiscal

STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _event(uid: str, summary: dict[str, str], dates: tuple[str, str | None, str], description: str, lang: str) -> Event:
    """An all-day event over `dates` (start, end, precision): a date the source gives only to the
    month or year spans that whole month or year, and its description says so."""
    ev = Event()
    ev.add("uid", f"{uid}@anpo")
    ev.add("dtstamp", STAMP)
    ev.add("summary", summary[lang] if lang in summary else summary["en"])
    first, after = covered(*dates)
    ev.add("dtstart", first)
    ev.add("dtend", after)  # all-day events: DTEND is exclusive
    ev.add("description", "\n".join(filter(None, (_precision_note(dates[0], dates[2], lang), description))))
    return ev


def _precision_note(start: str, precision: str, lang: str) -> str:
    """What the event's span stands for, when the source does not give the day."""
    if is_fiscal(dt.date.fromisoformat(start), precision):
        return t("work.calendar.fiscal_year_only", lang)
    return t(f"work.calendar.{precision}_only", lang) if precision in ("month", "year") else ""


def _cites(citations: list[dict[str, str]]) -> str:
    return "; ".join(f"{c['source']} {c.get('locator', '')}".strip() for c in citations)


def marking_of(meetings: list[dict[str, Any]], levels: Levels) -> Marking:
    """The calendar's marking: the highest level and common releasability of the meetings in it
    (the exercises listed are the white papers' public record)."""
    return levels.combine(
        Marking(m["marking"]["level"], frozenset(m["marking"]["releasable_to"])) for m in meetings if m.get("marking")
    )


def export(
    meetings: list[dict[str, Any]], exercises: list[dict[str, Any]], lang: str = "en", banner: Text | None = None
) -> bytes:
    """The calendar; `banner` (the marking of what it holds) goes in X-ANPO-MARKING and its name."""
    cal = Calendar()
    cal.add("prodid", "-//anpo//Japan-U.S. Security Arrangements//EN")
    cal.add("version", "2.0")
    line = f"{banner.en} / {banner.ja}" if banner else "PUBLIC / 公開"
    cal.add("x-wr-calname", f"日米安全保障体制 / Japan-U.S. alliance ({line})")
    cal.add("x-anpo-marking", line)
    for m in meetings:
        other = "en" if lang == "ja" else "ja"
        outcomes = "\n".join(f"- {o['text'][lang]}" for o in m.get("outcomes", []))
        text = f"{m['label'][other]}\n{outcomes}\n出典 / Sources: {_cites(m['citations'])}".strip()
        dates = (m["date"], m.get("end_date"), m.get("precision") or "day")
        ev = _event(f"meeting-{m['id']}", m["label"], dates, text, lang)
        ev.add("categories", ["meeting", m["channel"]["id"]])
        if m.get("venue"):
            ev.add("location", m["venue"][lang])
        cal.add_component(ev)
    for e in exercises:
        summary = (e.get("summary") or {}).get(lang, "")
        text = f"{summary}\n出典 / Sources: {_cites(e['citations'])}".strip()
        dates = (e["start"], e.get("end"), e.get("precision") or "day")
        ev = _event(f"exercise-{e['id']}", e["label"], dates, text, lang)
        ev.add("categories", ["exercise"])
        if e.get("location"):
            ev.add("location", e["location"][lang])
        cal.add_component(ev)
    return bytes(cal.to_ical())
