"""Import the pack's historical records (meetings, outcomes, commitments, asset-protection counts)
into the database, and keep them in step with the pack. Registered as an `anpo db init` hook.

A pack record (`origin = "pack"`; a pack meeting's outcomes are all the pack's) not yet in the
database is added; one whose pack content changed is updated to the pack's, in the fields the pack
owns; one no longer in the pack is withdrawn: deleted, its last content kept in the audit entry
(pack records are public and anpo has no state that marks a record withdrawn). What users made is
never changed: a commitment a user recorded done keeps that date, a record a user made with a pack
record's id is not replaced, and a record something depends on (a meeting or outcome a commitment
names, a commitment a user recorded done) is left where it is and reported. Every change is
audited as `work.import` by the system principal; running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from anpo.framework.framework import Framework
from anpo.framework.model import Entity, Ref, Struct, Text
from anpo.i18n import msg
from anpo.security.audit import AuditEntry
from anpo.security.markings import PUBLIC
from anpo.security.principal import system_principal
from anpo.work.common import Work, cite_json
from anpo.work.tables import Commitment, Meeting, Outcome, Protection, dump, load

KINDS = ("meetings", "outcomes", "commitments", "protection")
# The columns that hold JSON text: shown decoded in the audit entries of updates and withdrawals.
JSON_COLUMNS = ("participants", "agenda", "citations", "notes", "check_answer")
# A commitment's done state: the pack's, unless a user recorded it (`anpo commitments done`).
DONE_FIELDS = ("done_on", "done_by", "status")
SHOWN_IDS = 10  # ids listed per line of `anpo db init`'s text output


@dataclass(frozen=True)
class Kept:
    """A pack record left as it is, and why: what users made depends on it, or is it."""

    kind: str
    id: str
    reason: str
    text: Text

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "reason": self.reason, "message": self.text.as_json()}


def _by_kind() -> dict[str, list[str]]:
    return {kind: [] for kind in KINDS}


@dataclass
class ImportReport:
    """What one import did: ids added, updated and withdrawn by kind, and the records kept.

    An outcome's id is `MEETING/KEY`; outcomes are listed when they change on a meeting already in
    the database (a new meeting brings its own)."""

    added: dict[str, list[str]] = field(default_factory=_by_kind)
    updated: dict[str, list[str]] = field(default_factory=_by_kind)
    withdrawn: dict[str, list[str]] = field(default_factory=_by_kind)
    kept: list[Kept] = field(default_factory=list)

    @property
    def name(self) -> str:
        """Its key in `anpo db init --json`."""
        return "pack"

    @property
    def changed(self) -> bool:
        return any(ids for done in (self.added, self.updated, self.withdrawn) for ids in done.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "withdrawn": self.withdrawn,
            "kept": [k.as_json() for k in self.kept],
        }

    def lines(self, lang: str) -> list[str]:
        """`anpo db init`'s text: a line per kind of change, then one per record kept."""
        out = [] if self.changed else [msg("import.unchanged").get(lang)]
        for verb, done in (("added", self.added), ("updated", self.updated), ("withdrawn", self.withdrawn)):
            for kind, ids in done.items():
                if ids:
                    kind_label = msg(f"import.kind.{kind}").get(lang)
                    out.append(msg(f"import.{verb}", kind=kind_label, count=len(ids), ids=_ids(ids, lang)).get(lang))
        for k in self.kept:
            kind_label = msg(f"import.kind.{k.kind}").get(lang)
            out.append(msg("import.kept", kind=kind_label, id=k.id, reason=k.text.get(lang)).get(lang))
        return out


def _ids(ids: list[str], lang: str) -> str:
    shown = ", ".join(ids[:SHOWN_IDS])
    if len(ids) > SHOWN_IDS:
        shown += " " + msg("import.more", count=len(ids) - SHOWN_IDS).get(lang)
    return shown


def import_pack(session: Session, fw: Framework | None = None) -> ImportReport:
    """Bring the database's pack records in step with the pack `fw` (the shipped one by default)."""
    if fw is None:
        from anpo.framework.pack import default_framework

        fw = default_framework()
    w = Work(fw, session, system_principal())
    w.require("work.import")
    w.serialise("work.import")  # two `anpo db init` at once on PostgreSQL: one after the other
    report = ImportReport()
    pack_meetings = {e.id: e for e in fw.of_kind("meeting")}
    meetings = {m.id: m for m in session.scalars(select(Meeting))}
    outcomes: dict[str, dict[str, Outcome]] = {}
    for o in session.scalars(select(Outcome).order_by(Outcome.id)):
        outcomes.setdefault(o.meeting_id, {})[o.key] = o
    for ent_id in sorted(pack_meetings):
        _sync_meeting(w, report, meetings.get(ent_id), pack_meetings[ent_id], outcomes.get(ent_id, {}))
    session.flush()
    _sync_commitments(w, report, fw)
    _sync_protection(w, report, fw)
    for m in sorted(meetings.values(), key=lambda m: m.id):
        if m.origin == "pack" and m.id not in pack_meetings:
            _withdraw_meeting(w, report, m, list(outcomes.get(m.id, {}).values()))
    session.flush()
    return report


# -- meetings and their outcomes ------------------------------------------------------------------


def _sync_meeting(w: Work, report: ImportReport, row: Meeting | None, ent: Entity, have: dict[str, Outcome]) -> None:
    fields, outcomes = _meeting_fields(ent), _outcome_fields(ent)
    if row is None:
        m = Meeting(id=ent.id, origin="pack", **fields)
        m.set_marking(PUBLIC)
        w.session.add(m)
        for key, values in outcomes.items():
            _new_outcome(w, ent.id, key, values)
        w.audit("work.import", "meeting", ent.id, PUBLIC, {"source": "pack"})
        report.added["meetings"].append(ent.id)
        return
    if row.origin != "pack":
        report.kept.append(Kept("meetings", ent.id, "user_record", msg("import.kept.user_record")))
        return
    if _update(w, row, fields, "meeting", ent.id):
        report.updated["meetings"].append(ent.id)
    for key, values in outcomes.items():
        outcome_id = f"{ent.id}/{key}"
        o = have.get(key)
        if o is None:
            _new_outcome(w, ent.id, key, values)
            w.audit("work.import", "outcome", outcome_id, PUBLIC, {"source": "pack", **_plain(values)})
            report.added["outcomes"].append(outcome_id)
        elif _update(w, o, values, "outcome", outcome_id):
            report.updated["outcomes"].append(outcome_id)
    for key, o in have.items():
        if key in outcomes:
            continue
        outcome_id = f"{ent.id}/{key}"
        naming = _commitments_naming(w.session, ent.id, key)
        if naming:  # a commitment records that it came from this outcome
            report.kept.append(
                Kept("outcomes", outcome_id, "referenced", msg("import.kept.referenced", ids=", ".join(naming)))
            )
        else:
            _withdraw(w, o, "outcome", outcome_id)
            report.withdrawn["outcomes"].append(outcome_id)


def _new_outcome(w: Work, meeting_id: str, key: str, values: Mapping[str, Any]) -> Outcome:
    o = Outcome(meeting_id=meeting_id, key=key, **values)
    o.set_marking(PUBLIC)
    w.session.add(o)
    return o


def _withdraw_meeting(w: Work, report: ImportReport, m: Meeting, outcomes: list[Outcome]) -> None:
    """Delete a meeting the pack no longer has, with its outcomes, unless a commitment names it."""
    naming = list(w.session.scalars(select(Commitment.id).where(Commitment.meeting_id == m.id).order_by(Commitment.id)))
    if naming:
        report.kept.append(Kept("meetings", m.id, "referenced", msg("import.kept.referenced", ids=", ".join(naming))))
        return
    kept_outcomes = [_content(o) for o in outcomes]
    for o in outcomes:
        w.session.delete(o)
    w.session.flush()  # the outcomes' rows go before their meeting's
    _withdraw(w, m, "meeting", m.id, {"outcomes": kept_outcomes})
    report.withdrawn["meetings"].append(m.id)


def _commitments_naming(session: Session, meeting_id: str, key: str) -> list[str]:
    query = select(Commitment.id).where(Commitment.meeting_id == meeting_id, Commitment.outcome_key == key)
    return list(session.scalars(query.order_by(Commitment.id)))


def _meeting_fields(ent: Entity) -> dict[str, Any]:
    venue = _text(_one(ent, "venue"))
    participants = []
    for p in _all(ent, "participant"):
        assert isinstance(p, Struct)
        person = p.get("person")
        participants.append(
            {"position": _ref(p.get("position")), "person": person.as_json() if isinstance(person, Text) else None}
        )
    return {
        "channel": _ref(_one(ent, "channel")) or "",
        "date": _one(ent, "date"),
        "end_date": _one(ent, "end_date"),
        "precision": _one(ent, "precision") or "day",
        "label_ja": ent.label.ja,
        "label_en": ent.label.en,
        "venue_ja": venue.ja,
        "venue_en": venue.en,
        "mode": _one(ent, "mode") or "",
        "participants": dump(participants),
        "agenda": dump([_text(a).as_json() for a in _all(ent, "agenda")]),
        "citations": dump(_all_citations(ent)),
    }


def _outcome_fields(ent: Entity) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for fact in ent.facts:
        if fact.attr != "outcome":
            continue
        value = fact.value
        assert isinstance(value, Struct)
        text = _text(value.get("text"))
        out[str(value.get("id"))] = {
            "text_ja": text.ja,
            "text_en": text.en,
            "citations": dump(cite_json(ent.citations + fact.citations)),
        }
    return out


# -- commitments ----------------------------------------------------------------------------------


def _sync_commitments(w: Work, report: ImportReport, fw: Framework) -> None:
    pack = {e.id: e for e in fw.of_kind("commitment")}
    query = select(Commitment).where(or_(Commitment.origin == "pack", Commitment.id.in_(pack)))
    rows = {c.id: c for c in w.session.scalars(query)}
    for ent_id in sorted(pack):
        owned, done = _commitment_fields(pack[ent_id])
        row = rows.get(ent_id)
        if row is None:
            c = Commitment(id=ent_id, origin="pack", **owned, **done)
            c.set_marking(PUBLIC)
            w.session.add(c)
            w.audit("work.import", "commitment", ent_id, PUBLIC, {"source": "pack"})
            report.added["commitments"].append(ent_id)
            continue
        if row.origin != "pack":
            report.kept.append(Kept("commitments", ent_id, "user_record", msg("import.kept.user_record")))
            continue
        if _differs(row, done) and _done_by_user(w.session, ent_id):
            report.kept.append(Kept("commitments", ent_id, "done_by_user", _user_done_text(row, done)))
            done, owned = {}, _without_pack_done(row, owned)
        if _update(w, row, {**owned, **done}, "commitment", ent_id):
            report.updated["commitments"].append(ent_id)
    for ent_id, row in sorted(rows.items()):
        if row.origin != "pack" or ent_id in pack:
            continue
        if row.done_on is not None and _done_by_user(w.session, ent_id):
            report.kept.append(Kept("commitments", ent_id, "done_by_user", msg("import.kept.done_by_user")))
        else:
            _withdraw(w, row, "commitment", ent_id)
            report.withdrawn["commitments"].append(ent_id)


def _commitment_fields(ent: Entity) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields the pack owns, and the done state (the pack's until a user records it)."""
    notes = {f.attr: f.note.as_json() for f in ent.facts if f.note is not None}
    cites = {"record": cite_json(ent.citations)}
    for fact in ent.facts:
        if fact.attr in ("due", "done_on", "done_by", "owner") and fact.citations:
            cites[fact.attr] = cite_json(fact.citations)
    summary = _text(_one(ent, "summary"))
    done_on = _one(ent, "done_on")
    owned = {
        "meeting_id": _ref(_one(ent, "meeting")),
        "outcome_key": None,
        "label_ja": ent.label.ja,
        "label_en": ent.label.en,
        "summary_ja": summary.ja,
        "summary_en": summary.en,
        "owner": _ref(_one(ent, "owner")) or "",
        "due": _one(ent, "due"),
        "notes": dump(notes),
        "citations": dump(cites),
    }
    done = {"done_on": done_on, "done_by": _ref(_one(ent, "done_by")), "status": "done" if done_on else "open"}
    return owned, done


def _without_pack_done(row: Commitment, owned: dict[str, Any]) -> dict[str, Any]:
    """The pack's fields but for the notes and citations of its done state: those of the row stay
    (the pack's would explain a date the record does not show)."""
    out = dict(owned)
    for name in ("notes", "citations"):
        mine, pack = load(getattr(row, name)) or {}, load(owned[name]) or {}
        merged = {k: v for k, v in pack.items() if k not in DONE_FIELDS}
        merged.update({k: v for k, v in mine.items() if k in DONE_FIELDS})
        out[name] = dump(merged)
    return out


def _done_by_user(session: Session, commitment_id: str) -> bool:
    """Whether a user recorded the commitment done: the audit log holds every such write."""
    query = select(AuditEntry.detail).where(
        AuditEntry.action == "work.commitment.write",
        AuditEntry.record_type == "commitment",
        AuditEntry.record_id == commitment_id,
        AuditEntry.outcome == "ok",
    )
    return any((load(detail) or {}).get("op") == "done" for detail in session.scalars(query))


def _user_done_text(row: Commitment, pack: Mapping[str, Any]) -> Text:
    def done(on: Any, by: Any) -> str:
        return f"{on.isoformat()} ({by})" if by else on.isoformat()

    user = done(row.done_on, row.done_by) if row.done_on else "-"
    if pack["done_on"] is None:
        return msg("import.kept.user_done_pack_open", on=user)
    return msg("import.kept.user_done_pack_done", on=user, pack_on=done(pack["done_on"], pack["done_by"]))


# -- asset-protection counts ----------------------------------------------------------------------


def _sync_protection(w: Work, report: ImportReport, fw: Framework) -> None:
    pack = {e.id: e for e in fw.of_kind("protection_count")}
    query = select(Protection).where(or_(Protection.origin == "pack", Protection.id.in_(pack)))
    rows = {p.id: p for p in w.session.scalars(query)}
    for ent_id in sorted(pack):
        fields = _protection_fields(pack[ent_id])
        row = rows.get(ent_id)
        if row is None:
            p = Protection(id=ent_id, origin="pack", **fields)
            p.set_marking(PUBLIC)
            w.session.add(p)
            w.audit("work.import", "protection", ent_id, PUBLIC, {"source": "pack", "occasions": p.occasions})
            report.added["protection"].append(ent_id)
        elif row.origin != "pack":
            report.kept.append(Kept("protection", ent_id, "user_record", msg("import.kept.user_record")))
        elif _update(w, row, fields, "protection", ent_id):
            report.updated["protection"].append(ent_id)
    for ent_id, row in sorted(rows.items()):
        if row.origin == "pack" and ent_id not in pack:  # nothing refers to a published count
            _withdraw(w, row, "protection", ent_id)
            report.withdrawn["protection"].append(ent_id)


def _protection_fields(ent: Entity) -> dict[str, Any]:
    """A published yearly count becomes one record of `count` occasions: the sources give no
    individual dates, so none are invented."""
    return {
        "year": int(_one(ent, "year")),
        "protected_party": _ref(_one(ent, "protected_party")) or "",
        "protecting_party": _ref(_one(ent, "protecting_party")) or "jpn",
        "activity": _ref(_one(ent, "activity")) or "",
        "protected_asset": _one(ent, "protected_asset") or "other",
        "protecting_asset": _one(ent, "protecting_asset") or "other",
        "status": "carried_out",
        "occasions": int(_one(ent, "count") or 0),
        "label_ja": ent.label.ja,
        "label_en": ent.label.en,
        "check_answer": "{}",
        "citations": dump(_all_citations(ent)),
    }


# -- the audited writes ---------------------------------------------------------------------------


def _differs(row: Any, fields: Mapping[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in fields.items())


def _update(w: Work, row: Any, fields: Mapping[str, Any], record_type: str, record_id: str) -> bool:
    """Set the fields that differ from the pack's; audit them, before and after. False if none did."""
    changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
    if not changed:
        return False
    before = _plain({name: getattr(row, name) for name in changed})
    for name, value in changed.items():
        setattr(row, name, value)
    detail = {"source": "pack", "op": "update", "before": before, "after": _plain(changed)}
    w.audit("work.import", record_type, record_id, row.marking, detail)
    return True


def _withdraw(w: Work, row: Any, record_type: str, record_id: str, extra: dict[str, Any] | None = None) -> None:
    """Delete a record the pack no longer has; its audit entry keeps all of its last content."""
    detail = {"source": "pack", "op": "withdraw", "record": _content(row), **(extra or {})}
    marking = row.marking
    w.session.delete(row)
    w.audit("work.import", record_type, record_id, marking, detail)


def _content(row: Any) -> dict[str, Any]:
    return _plain({attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs})


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    """Values for an audit entry: JSON text decoded (dates become ISO text in the entry)."""
    return {
        name: load(value) if name in JSON_COLUMNS and isinstance(value, str) else value
        for name, value in values.items()
    }


# -- reading the pack's entities ------------------------------------------------------------------


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
