"""Import the pack's historical records (meetings, outcomes, commitments, asset-protection counts)
into the database. Registered as an `anpo db init` hook; running it again changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from anpo.framework.framework import Framework
from anpo.framework.model import Entity, Ref, Struct, Text
from anpo.security.markings import PUBLIC
from anpo.security.principal import system_principal
from anpo.work.common import Work, cite_json
from anpo.work.tables import Commitment, Meeting, Outcome, Protection, dump


def import_pack(session: Session, fw: Framework | None = None) -> dict[str, int]:
    """Add every pack meeting, commitment and protection count that is not yet in the database."""
    if fw is None:
        from anpo.framework.pack import default_framework

        fw = default_framework()
    w = Work(fw, session, system_principal())
    w.require("work.import")
    counts = {"meetings": 0, "commitments": 0, "protection": 0}
    for ent in sorted(fw.of_kind("meeting"), key=lambda e: e.id):
        if session.get(Meeting, ent.id) is None:
            _meeting(w, ent)
            counts["meetings"] += 1
    session.flush()
    for ent in sorted(fw.of_kind("commitment"), key=lambda e: e.id):
        if session.get(Commitment, ent.id) is None:
            _commitment(w, ent)
            counts["commitments"] += 1
    for ent in sorted(fw.of_kind("protection_count"), key=lambda e: e.id):
        if session.get(Protection, ent.id) is None:
            _protection(w, ent)
            counts["protection"] += 1
    session.flush()
    return counts


def _all_citations(ent: Entity, attrs: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    cites = list(ent.citations)
    for fact in ent.facts:
        if attrs is None or fact.attr in attrs:
            cites += fact.citations
    return cite_json(cites)


def _one(ent: Entity, attr: str) -> Any:
    for fact in ent.facts:
        if fact.attr == attr:
            return fact.value
    return None


def _all(ent: Entity, attr: str) -> list[Any]:
    return [f.value for f in ent.facts if f.attr == attr]


def _ref(value: Any) -> str | None:
    return value.id if isinstance(value, Ref) else None


def _text(value: Any) -> Text:
    return value if isinstance(value, Text) else Text("", "")


def _meeting(w: Work, ent: Entity) -> None:
    venue = _text(_one(ent, "venue"))
    participants = []
    for p in _all(ent, "participant"):
        assert isinstance(p, Struct)
        person = p.get("person")
        participants.append(
            {"position": _ref(p.get("position")), "person": person.as_json() if isinstance(person, Text) else None}
        )
    m = Meeting(
        id=ent.id,
        origin="pack",
        channel=_ref(_one(ent, "channel")) or "",
        date=_one(ent, "date"),
        end_date=_one(ent, "end_date"),
        precision=_one(ent, "precision") or "day",
        label_ja=ent.label.ja,
        label_en=ent.label.en,
        venue_ja=venue.ja,
        venue_en=venue.en,
        mode=_one(ent, "mode") or "",
        participants=dump(participants),
        agenda=dump([_text(a).as_json() for a in _all(ent, "agenda")]),
        citations=dump(_all_citations(ent)),
    )
    m.set_marking(PUBLIC)
    w.session.add(m)
    for fact in ent.facts:
        if fact.attr != "outcome":
            continue
        value = fact.value
        assert isinstance(value, Struct)
        text = _text(value.get("text"))
        o = Outcome(
            meeting_id=ent.id,
            key=str(value.get("id")),
            text_ja=text.ja,
            text_en=text.en,
            citations=dump(cite_json(ent.citations + fact.citations)),
        )
        o.set_marking(PUBLIC)
        w.session.add(o)
    w.audit("work.import", "meeting", ent.id, PUBLIC, {"source": "pack"})


def _commitment(w: Work, ent: Entity) -> None:
    notes = {f.attr: f.note.as_json() for f in ent.facts if f.note is not None}
    cites = {"record": cite_json(ent.citations)}
    for fact in ent.facts:
        if fact.attr in ("due", "done_on", "done_by", "owner") and fact.citations:
            cites[fact.attr] = cite_json(fact.citations)
    summary = _text(_one(ent, "summary"))
    done_on = _one(ent, "done_on")
    c = Commitment(
        id=ent.id,
        origin="pack",
        meeting_id=_ref(_one(ent, "meeting")),
        outcome_key=None,
        label_ja=ent.label.ja,
        label_en=ent.label.en,
        summary_ja=summary.ja,
        summary_en=summary.en,
        owner=_ref(_one(ent, "owner")) or "",
        due=_one(ent, "due"),
        done_on=done_on,
        done_by=_ref(_one(ent, "done_by")),
        status="done" if done_on else "open",
        notes=dump(notes),
        citations=dump(cites),
    )
    c.set_marking(PUBLIC)
    w.session.add(c)
    w.audit("work.import", "commitment", ent.id, PUBLIC, {"source": "pack"})


def _protection(w: Work, ent: Entity) -> None:
    """A published yearly count becomes one record of `count` occasions: the sources give no
    individual dates, so none are invented."""
    p = Protection(
        id=ent.id,
        origin="pack",
        year=int(_one(ent, "year")),
        protected_party=_ref(_one(ent, "protected_party")) or "",
        protecting_party=_ref(_one(ent, "protecting_party")) or "jpn",
        activity=_ref(_one(ent, "activity")) or "",
        protected_asset=_one(ent, "protected_asset") or "other",
        protecting_asset=_one(ent, "protecting_asset") or "other",
        status="carried_out",
        occasions=int(_one(ent, "count") or 0),
        label_ja=ent.label.ja,
        label_en=ent.label.en,
        check_answer="{}",
        citations=dump(_all_citations(ent)),
    )
    p.set_marking(PUBLIC)
    w.session.add(p)
    w.audit("work.import", "protection", ent.id, PUBLIC, {"source": "pack", "occasions": p.occasions})
