"""iCalendar (RFC 5545) export of meetings and exercises, each event with its citations.

UIDs and stamps come from the records, not the clock, so the same records give the same file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from icalendar import Calendar, Event

from anpo.framework.model import Text
from anpo.security.markings import Levels, Marking

STAMP = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _event(uid: str, summary: dict[str, str], start: str, end: str | None, description: str, lang: str) -> Event:
    ev = Event()
    ev.add("uid", f"{uid}@anpo")
    ev.add("dtstamp", STAMP)
    ev.add("summary", summary[lang] if lang in summary else summary["en"])
    first = dt.date.fromisoformat(start)
    last = dt.date.fromisoformat(end) if end else first
    ev.add("dtstart", first)
    ev.add("dtend", last + dt.timedelta(days=1))  # all-day events: DTEND is exclusive
    ev.add("description", description)
    return ev


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
        ev = _event(f"meeting-{m['id']}", m["label"], m["date"], m.get("end_date"), text, lang)
        ev.add("categories", ["meeting", m["channel"]["id"]])
        if m.get("venue"):
            ev.add("location", m["venue"][lang])
        cal.add_component(ev)
    for e in exercises:
        summary = (e.get("summary") or {}).get(lang, "")
        text = f"{summary}\n出典 / Sources: {_cites(e['citations'])}".strip()
        ev = _event(f"exercise-{e['id']}", e["label"], e["start"], e.get("end"), text, lang)
        ev.add("categories", ["exercise"])
        if e.get("location"):
            ev.add("location", e["location"][lang])
        cal.add_component(ev)
    return bytes(cal.to_ical())
