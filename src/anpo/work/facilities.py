"""Facilities and their joint-use arrangements over time (from the pack), the exercises the
documents name, and bookings of a facility by either side with conflict detection."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from sqlalchemy import select, text

from anpo.framework.framework import Framework
from anpo.framework.model import Ref, Text
from anpo.i18n import msg
from anpo.security.markings import PUBLIC, Marking
from anpo.work.calendar_dates import covered
from anpo.work.common import (
    MAX_INTEGER,
    PARTIES,
    PURPOSE_CHARS,
    UNIT_CHARS,
    Work,
    WorkError,
    check_length,
    cite_json,
    label_json,
    marking_json,
)
from anpo.work.ids import new_number
from anpo.work.joint_use import booking_basis, use_json
from anpo.work.tables import Booking

# A booking is for a training or an activity (hours to weeks); a year is generous, and bounds what a
# slip of the year can hold the facility for
MAX_BOOKING_DAYS = 366


def _facility(w: Work, facility_id: str) -> None:
    ent = w.fw.get(facility_id)
    if ent is None or ent.kind != "facility":
        known = ", ".join(sorted(e.id for e in w.fw.of_kind("facility")))
        raise WorkError(
            Text(f"施設「{facility_id}」は不明です（{known}）", f"unknown facility '{facility_id}' (allowed: {known})")
        )


def facility_json(fw: Framework, facility_id: str, on: dt.date | None = None) -> dict[str, Any]:
    """A facility with every joint-use arrangement and whether it is in force on `on`."""
    ent = fw[facility_id]
    uses = [use_json(fw, fact, ent.citations, on) for fact in fw.facts(facility_id, "joint_use")]
    operators = fw.facts(facility_id, "operator", on)
    operator = operators[-1].value if operators else None
    summary = next(iter(fw.facts(facility_id, "summary")), None)
    return {
        "id": facility_id,
        "label": ent.label.as_json(),
        "operator": operator.id if isinstance(operator, Ref) else None,
        "summary": summary.value.as_json() if summary else None,
        "joint_use": uses,
        "citations": cite_json(ent.citations),
    }


def list_facilities(fw: Framework, on: dt.date | None = None, joint_use_only: bool = False) -> list[dict[str, Any]]:
    rows = [facility_json(fw, e.id, on) for e in sorted(fw.of_kind("facility"), key=lambda e: e.id)]
    if joint_use_only:
        rows = [r for r in rows if any(u["in_force"] is not False for u in r["joint_use"]) and r["joint_use"]]
    return rows


def list_exercises(fw: Framework, start: dt.date | None = None, end: dt.date | None = None) -> list[dict[str, Any]]:
    """The exercises the documents name, with dates, participants and facilities."""
    out = []
    for ent in fw.of_kind("exercise"):
        first = _first(fw, ent.id, "start")
        last = _first(fw, ent.id, "end")
        if first is None:
            continue
        # a period overlaps the days the exercise covers: all of its month or year where the
        # sources give only that (Dawn Blitz 13, "June 2013", is in a period from 2013-06-15)
        precision = _first(fw, ent.id, "precision") or "day"
        since, until = covered(first.isoformat(), last.isoformat() if last else None, precision)
        if (start and until <= start) or (end and since > end):
            continue
        summary = _first(fw, ent.id, "summary")
        location = _first(fw, ent.id, "location")
        out.append(
            {
                "id": ent.id,
                "label": ent.label.as_json(),
                "type": _first(fw, ent.id, "exercise_type"),
                "start": first.isoformat(),
                "end": last.isoformat() if last else None,
                "precision": precision,
                "participants": [
                    {"id": f.value.id, "label": label_json(fw, f.value.id)} for f in fw.facts(ent.id, "participant")
                ],
                "facilities": [
                    {"id": f.value.id, "label": label_json(fw, f.value.id)} for f in fw.facts(ent.id, "facility")
                ],
                "location": location.as_json() if isinstance(location, Text) else None,
                "summary": summary.as_json() if isinstance(summary, Text) else None,
                "citations": cite_json(ent.citations + tuple(c for f in ent.facts for c in f.citations)),
            }
        )
    return sorted(out, key=lambda r: (r["start"], r["id"]))


def _first(fw: Framework, ent_id: str, attr: str) -> Any:
    facts = fw.facts(ent_id, attr)
    return facts[0].value if facts else None


def _own_party(w: Work, party: str, record: tuple[str, str], marking: Marking) -> None:
    """A booking is made and cancelled for the principal's own party; an administrator (the
    commands' local tooling among them) may act for either. A refusal is a 403, audited as denied."""
    who = w.principal
    if party != who.party and not who.has_role("administrator"):
        w.denied.append(("work.booking.write", record[0], record[1], marking))
        raise WorkError(msg("work.booking_own_party"), code="forbidden")


def booking_json(w: Work, b: Booking) -> dict[str, Any]:
    """A booking, with the legal basis of its party's use that the pack records (`basis`) and what
    to check before using the facility (`warnings`, empty when a basis is recorded)."""
    return {
        "id": b.id,
        "facility": {"id": b.facility, "label": label_json(w.fw, b.facility)},
        "party": b.party,
        "unit": b.unit,
        "purpose": b.purpose,
        "start": b.start.isoformat(),
        "end": b.end.isoformat(),
        "status": b.status,
        "exercise": b.exercise or None,
        "marking": marking_json(b.marking, w.levels),
        **booking_basis(w.fw, b.facility, b.party, b.start, b.end),
    }


def book(
    w: Work,
    facility_id: str,
    party: str,
    start: dt.datetime,
    end: dt.datetime,
    unit: str = "",
    purpose: str = "",
    marking: Marking = PUBLIC,
    exercise: str = "",
) -> dict[str, Any]:
    """Book a facility for `[start, end)`; refused, with the conflicting bookings, if any overlaps.

    A principal books for their own party only, an administrator for either (`_own_party`); in an
    exercise run the run decides who may act for which party. An exercise's bookings (`exercise` =
    its run) clash only with bookings of the same run."""
    w.require("work.booking.write", marking, ("booking", facility_id))
    if not exercise:
        _own_party(w, party, ("booking", facility_id or "-"), marking)
    check_length("unit", unit, UNIT_CHARS)
    check_length("purpose", purpose, PURPOSE_CHARS)
    _facility(w, facility_id)
    if party not in PARTIES:
        raise WorkError(
            Text(f"当事国「{party}」は不明です（jpn, usa）", f"unknown party '{party}' (allowed: jpn, usa)")
        )
    if end <= start:
        raise WorkError(Text("終了が開始より後ではありません", "the end is not after the start"))
    if end - start > dt.timedelta(days=MAX_BOOKING_DAYS):  # `start: 0001-01-01` held a facility for 2,000 years
        raise WorkError(msg("work.booking_too_long", days=MAX_BOOKING_DAYS))
    if w.session.get_bind().dialect.name == "postgresql":
        # One lock per facility: two overlapping bookings cannot both pass the check.
        w.session.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(f"booking:{exercise}:{facility_id}".encode())}
        )
    clashes = (
        w.session.execute(
            select(Booking)
            .where(
                Booking.facility == facility_id,
                Booking.exercise == exercise,
                Booking.status == "active",
                Booking.start < end,
                Booking.end > start,
            )
            .order_by(Booking.start)
        )
        .scalars()
        .all()
    )
    if clashes:
        seen = [booking_json(w, b) for b in clashes if w.can_read(b.marking)]
        hidden = len(clashes) - len(seen)
        raise WorkError(
            Text(
                f"{label_json(w.fw, facility_id)['ja']}の予約が重複しています（{len(clashes)}件）",
                f"{label_json(w.fw, facility_id)['en']} is already booked in that period ({len(clashes)} booking(s))",
            ),
            code="conflict",
            details={"conflicts": seen, "hidden_conflicts": hidden},
        )
    b = Booking(
        id=new_number(w.session, Booking, f"{exercise}|{facility_id}|{start.isoformat()}" if exercise else ""),
        facility=facility_id,
        party=party,
        unit=unit,
        purpose=purpose,
        start=start,
        end=end,
        status="active",
        booked_by=w.principal.user_id,
        exercise=exercise,
    )
    b.set_marking(marking)
    w.session.add(b)
    w.session.flush()
    w.audit("work.booking.write", "booking", str(b.id), marking, {"facility": facility_id, "exercise": exercise})
    return booking_json(w, b)


def cancel_booking(w: Work, booking_id: int) -> dict[str, Any]:
    """Cancel a real booking. An exercise run's booking is "no booking" here, as the real lists do
    not show it: exercise play never touches the real records, nor real requests the play. Only
    a principal of the booking's party, or an administrator, may cancel it (as to book it)."""
    # an id past the column's range (`anpo facilities cancel 2147483648`) names no booking: bound
    # here, or the driver fails on binding it (a traceback on PostgreSQL, and on SQLite past 2**63)
    b = w.session.get(Booking, booking_id) if 1 <= booking_id <= MAX_INTEGER else None
    if b is None or b.exercise or not w.read("booking", str(booking_id), b.marking, "work.booking.write"):
        raise WorkError(msg("work.no_booking", id=booking_id), code="not_found")
    w.require("work.booking.write", b.marking, ("booking", str(b.id)))
    _own_party(w, b.party, ("booking", str(b.id)), b.marking)
    if b.status != "active":
        raise WorkError(Text("予約は既に取り消されています", "the booking is already cancelled"), code="conflict")
    b.status = "cancelled"
    w.session.flush()
    w.audit("work.booking.write", "booking", str(b.id), b.marking, {"op": "cancel"})
    return booking_json(w, b)


def list_bookings(w: Work, facility_id: str | None = None, exercise: str = "") -> list[dict[str, Any]]:
    """Real bookings, or those of one exercise run."""
    query = select(Booking).where(Booking.exercise == exercise).order_by(Booking.start, Booking.id)
    if facility_id:
        _facility(w, facility_id)
        query = query.where(Booking.facility == facility_id)
    return [booking_json(w, b) for b in w.session.execute(query).scalars() if w.can_read(b.marking)]
