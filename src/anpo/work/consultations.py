"""Meetings, their outcomes and the commitments they create, followed to done.

A commitment's status is a function of the date asked about: `done` once its `done_on` has
passed, `late` when its due date has passed without it being done, otherwise `open`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from anpo.dates import today
from anpo.framework import schema
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.security.markings import PUBLIC, Marking
from anpo.work.common import (
    LABEL_CHARS,
    OUTCOME_CHARS,
    SOURCE_CHARS,
    Work,
    WorkError,
    check_length,
    check_range,
    kind_name,
    kind_names,
    label_json,
    marking_json,
)
from anpo.work.tables import Commitment, Meeting, Outcome, dump, load

STATUSES = ("open", "late", "done")
ID_LIMIT = 128  # the id column's VARCHAR(128): a longer one was a 500 on PostgreSQL (SQLite kept it)
# What an id may not contain: it names the record in URLs (`/api/work/commitments/ID/done`), and
# "a/b" or " " was kept though nothing could then reach it there.
ID_FORBIDDEN = re.compile(r"[\s/?#\x00-\x1f\x7f]")
# Who can be tasked with a commitment, and what can have done one: the kinds the pack's own
# commitments may name (`anpo.framework.schema`), for users' commitments alike (a source such as
# `wp2024_overview` was kept as an owner, a body such as `sdc` as what did one).
OWNER_KINDS = schema.KINDS["commitment"]["owner"].type.targets
DONE_BY_KINDS = schema.KINDS["commitment"]["done_by"].type.targets
# What a meeting is of, who may take part, and how it may be held: as for the pack's meetings.
BODY_KINDS = schema.KINDS["meeting"]["channel"].type.targets
PARTICIPANT_KINDS = schema.KINDS["meeting"]["participant"].type.fields["position"].targets
MODES = schema.KINDS["meeting"]["mode"].type.choices
OUTCOME_KEY_LIMIT = 64  # the outcome key's column is VARCHAR(64)


def commitment_status(c: Commitment, on: dt.date) -> str:
    if c.status == "dropped":
        return "dropped"
    if c.done_on is not None and c.done_on <= on:
        return "done"
    if c.due is not None and c.due < on:
        return "late"
    return "open"


def _check_ref(w: Work, field: str, value: str, allowed: tuple[str, ...], unknown: Text, wrong_kind: str) -> None:
    """Refuse a `field` naming no framework record (`unknown`), or a record of a kind not `allowed`
    (the catalog's `wrong_kind`, naming the field, the value, its kind and the kinds allowed)."""
    ent = w.fw.get(value)
    if ent is None:
        raise WorkError(unknown)
    if ent.kind not in allowed:
        raise WorkError(
            msg(wrong_kind, field=field, value=value, kind=kind_name(ent.kind), allowed=kind_names(allowed))
        )


def _check_owner(w: Work, owner: str) -> None:
    """Refuse an owner that is no framework record, or one of a kind that cannot own a commitment."""
    unknown = Text(
        f"担当「{owner}」は不明です", f"unknown owner '{owner}' (a body, mechanism, organisation, party or position id)"
    )
    _check_ref(w, "owner", owner, OWNER_KINDS, unknown, "work.owner_kind")


def _check_existed(w: Work, field: str, value: str, on: dt.date) -> None:
    """Refuse what did a commitment (`field`) if it did not exist on `on`: an instrument before it
    took effect or after it ceased to (the 2015 Guidelines did nothing on 2013-10-05), an event or
    meeting before its date (as recorded: a month's or year's first day for one known only to it)."""
    ent = w.fw.get(value)
    if ent is None:
        return
    name = label_json(w.fw, value, on)
    shown = Text(f"{value}: {name['ja']}", f"{value}: {name['en']}")
    start: dt.date | None = None
    end: dt.date | None = None
    if ent.kind == "instrument":
        start, end = ent.period.start, ent.period.end
    elif (dated := w.fw.facts(value, "date")) and isinstance(dated[0].value, dt.date):
        start = dated[0].value
    if start is not None and on < start:
        raise WorkError(
            msg("work.done_by_not_yet", field=field, value=shown, start=start.isoformat(), on=on.isoformat())
        )
    if end is not None and end <= on:  # a period's end is exclusive: in force up to the day before
        raise WorkError(msg("work.done_by_ended", field=field, value=shown, end=end.isoformat(), on=on.isoformat()))


def _flat_citations(cites: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for group in cites.values():
        for c in group:
            if c not in out:
                out.append(c)
    return out


def meeting_brief(w: Work, m: Meeting) -> dict[str, Any]:
    return {"id": m.id, "label": {"ja": m.label_ja, "en": m.label_en}, "date": m.date.isoformat()}


def commitment_json(w: Work, c: Commitment, on: dt.date) -> dict[str, Any]:
    cites: dict[str, list[dict[str, str]]] = load(c.citations) or {}
    meeting = w.session.get(Meeting, c.meeting_id) if c.meeting_id else None
    # What comes from the meeting (its outcome, its citations) only to those who may read it: a
    # commitment is never marked below its meeting (`add_commitment`), this keeps any row that was
    # (or a meeting re-marked since) from telling of it
    shown = meeting is None or w.can_read(meeting.marking)
    if not shown:
        cites = {fact: group for fact, group in cites.items() if fact != "record"}
    status = commitment_status(c, on)
    done_by = _done_by_json(w, c.done_by, on) if c.done_by and c.done_on and c.done_on <= on else None
    return {
        "id": c.id,
        "label": {"ja": c.label_ja, "en": c.label_en},
        "summary": {"ja": c.summary_ja, "en": c.summary_en},
        "meeting": meeting_brief(w, meeting) if meeting and shown else None,
        "outcome": c.outcome_key if shown else None,
        "owner": {"id": c.owner, "label": label_json(w.fw, c.owner, on)},
        "due": c.due.isoformat() if c.due else None,
        "done_on": c.done_on.isoformat() if c.done_on and c.done_on <= on else None,
        "done_by": done_by,
        "status": status,
        "late": bool(c.due and ((c.done_on or on) > c.due) and (status != "open")),
        "notes": load(c.notes) or {},
        "citations": _flat_citations(cites),
        "citations_by_fact": cites,
        "marking": marking_json(c.marking, w.levels),
    }


def _done_by_json(w: Work, done_by: str, on: dt.date) -> dict[str, Any] | None:
    """What did a commitment: a record of the pack, or a meeting recorded by a user (by its label,
    and only to those who may read it: nothing of a meeting marked above the reader)."""
    if done_by not in w.fw:
        m = w.session.get(Meeting, done_by)
        if m is not None:
            return meeting_brief(w, m) if w.can_read(m.marking) else None
    return {"id": done_by, "label": label_json(w.fw, done_by, on)}


def list_commitments(w: Work, on: dt.date, status: str | None = None, owner: str | None = None) -> list[dict[str, Any]]:
    """The commitments made by `on` that the principal may read, optionally of one status or owner."""
    if status is not None and status not in STATUSES:
        raise WorkError(
            Text(
                f"状態「{status}」は不明です（{', '.join(STATUSES)}）",
                f"unknown status '{status}' (allowed: {', '.join(STATUSES)})",
            )
        )
    if owner:  # an unknown one listed nothing, as if it owned none
        _check_owner(w, owner)
    rows = []
    for c in w.session.execute(select(Commitment).order_by(Commitment.due, Commitment.id)).scalars():
        if not w.can_read(c.marking):
            continue
        meeting = w.session.get(Meeting, c.meeting_id) if c.meeting_id else None
        if meeting is not None and meeting.date > on:
            continue
        if owner and c.owner != owner:
            continue
        item = commitment_json(w, c, on)
        if status is None or item["status"] == status:
            rows.append(item)
    return rows


def meeting_json(w: Work, m: Meeting, with_outcomes: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id,
        "origin": m.origin,
        "label": {"ja": m.label_ja, "en": m.label_en},
        "channel": {"id": m.channel, "label": label_json(w.fw, m.channel, m.date)},
        "date": m.date.isoformat(),
        "end_date": m.end_date.isoformat() if m.end_date else None,
        "precision": m.precision,
        "venue": {"ja": m.venue_ja, "en": m.venue_en} if m.venue_en or m.venue_ja else None,
        "mode": m.mode or None,
        "participants": [{**p, "label": label_json(w.fw, p["position"], m.date)} for p in (load(m.participants) or [])],
        "agenda": load(m.agenda) or [],
        "citations": load(m.citations) or [],
        "marking": marking_json(m.marking, w.levels),
    }
    if with_outcomes:
        outcomes = w.session.execute(select(Outcome).where(Outcome.meeting_id == m.id).order_by(Outcome.id)).scalars()
        out["outcomes"] = [
            {"key": o.key, "text": {"ja": o.text_ja, "en": o.text_en}, "citations": load(o.citations) or []}
            for o in outcomes
            if w.can_read(o.marking)
        ]
        query = select(Commitment).where(Commitment.meeting_id == m.id).order_by(Commitment.due, Commitment.id)
        commitments = [c for c in w.session.execute(query).scalars() if w.can_read(c.marking)]
        out["commitments"] = [c.id for c in commitments]
        # each by its label (the ids stay as they were in `commitments`, for the clients of those)
        out["commitment_labels"] = {c.id: {"ja": c.label_ja, "en": c.label_en} for c in commitments}
    return out


def list_meetings(
    w: Work, start: dt.date | None = None, end: dt.date | None = None, channel: str | None = None
) -> list[dict[str, Any]]:
    """Meetings between `start` and `end` (inclusive), of one body or all: what each body decided
    (an `end` before the `start` is refused)."""
    check_range(start, end)
    if channel is not None and channel not in w.fw:
        raise WorkError(_unknown_body(w, channel))
    query = select(Meeting).order_by(Meeting.date, Meeting.id)
    if start:
        query = query.where(Meeting.date >= start)
    if end:
        query = query.where(Meeting.date <= end)
    if channel:
        query = query.where(Meeting.channel == channel)
    return [meeting_json(w, m) for m in w.session.execute(query).scalars() if w.can_read(m.marking)]


def _unknown_body(w: Work, body: str) -> Text:
    bodies = sorted(e.id for k in BODY_KINDS for e in w.fw.of_kind(k))
    return Text(
        f"協議の場「{body}」は不明です（{', '.join(bodies)}）", f"unknown body '{body}' (allowed: {', '.join(bodies)})"
    )


def get_meeting(w: Work, meeting_id: str) -> dict[str, Any]:
    m = w.session.get(Meeting, meeting_id)
    if m is None or not w.read("meeting", meeting_id, m.marking):
        raise WorkError(Text(f"会合「{meeting_id}」はありません", f"no meeting '{meeting_id}'"), code="not_found")
    return meeting_json(w, m)


def _check_id(field: str, value: str) -> None:
    """A client-chosen id: given, not longer than its column, and nothing that breaks a URL naming it."""
    check_length(field, value, ID_LIMIT)
    if not value:
        raise WorkError(msg("work.blank", field=field))
    if ID_FORBIDDEN.search(value):
        raise WorkError(msg("work.bad_id", field=field, value=value[:40]))


def _check_text(field: str, text: Text, limit: int) -> None:
    """Both languages given, neither blank (`{"ja": " ", "en": " "}` was kept as a label) nor too long."""
    for lang in ("ja", "en"):
        check_length(field, text.get(lang), limit)
        if not text.get(lang).strip():
            raise WorkError(msg("work.blank", field=f"{field}.{lang}"))


def _check_outcomes(outcomes: Sequence[tuple[str, Text]]) -> None:
    """Each outcome with an id of its own in the meeting (what a commitment names) and its text."""
    seen: set[str] = set()
    for i, (key, text) in enumerate(outcomes):
        check_length(f"outcomes[{i}].id", key, OUTCOME_KEY_LIMIT)
        if not key.strip():
            raise WorkError(msg("work.blank", field=f"outcomes[{i}].id"))
        if ID_FORBIDDEN.search(key):  # as a meeting's id: it is named in URLs and forms alike
            raise WorkError(msg("work.bad_id", field=f"outcomes[{i}].id", value=key[:40]))
        if key in seen:
            raise WorkError(msg("work.duplicate_outcome", key=key))
        seen.add(key)
        _check_text(f"outcomes[{i}].text", text, OUTCOME_CHARS)


def _source_citations(w: Work, source: str, locator: str) -> list[dict[str, str]]:
    """Where a user's meeting is known from, as its citation (`{source, locator}`, the pack's shape):
    a source of the pack by its id, or the title or URL of a document the pack does not have (the
    joint statement of a new "2+2"). A pack record that is no source is refused (`scc` is the body)."""
    source, locator = source.strip(), locator.strip()
    check_length("source", source, SOURCE_CHARS)
    check_length("locator", locator, SOURCE_CHARS)
    if not source:
        raise WorkError(msg("work.blank", field="source"))
    ent = w.fw.get(source)
    if ent is not None and ent.kind != "source":
        raise WorkError(
            msg("work.ref_kind", field="source", value=source, kind=kind_name(ent.kind), allowed=kind_name("source"))
        )
    return [{"source": source, "locator": locator}]


def _check_meeting_refs(w: Work, body: str, participants: Sequence[str], mode: str | None) -> None:
    _check_ref(w, "body", body, BODY_KINDS, _unknown_body(w, body), "work.ref_kind")
    for p in participants:
        unknown = msg("work.unknown_ref", field="participants", value=p, allowed=kind_names(PARTICIPANT_KINDS))
        _check_ref(w, "participants", p, PARTICIPANT_KINDS, unknown, "work.ref_kind")
    if mode is not None and mode not in MODES:
        raise WorkError(msg("work.unknown_choice", field="mode", value=mode, allowed=", ".join(MODES)))


def _check_body_existed(w: Work, body: str, date: dt.date) -> None:
    """Refuse a meeting dated when its body or channel did not exist: before its period began or it
    was established (the SCC from 19 January 1960), or from the end of its period."""
    ent = w.fw.get(body)
    if ent is None:
        return
    start = ent.period.start
    established = w.fw.facts(body, "established")
    if established and isinstance(established[0].value, dt.date):
        start = max(start, established[0].value)
    name = label_json(w.fw, body, date)
    shown = Text(f"{name['ja']}（{body}）", f"{name['en']} ({body})")
    if date < start:
        raise WorkError(msg("work.body_not_yet", body=shown, start=start.isoformat(), on=date.isoformat()))
    if ent.period.end <= date:  # a period's end is exclusive
        raise WorkError(msg("work.body_ended", body=shown, end=ent.period.end.isoformat(), on=date.isoformat()))


def record_meeting(
    w: Work,
    meeting_id: str,
    body: str,
    date: dt.date,
    label: Text,
    source: str,
    *,
    locator: str = "",
    end_date: dt.date | None = None,
    venue: Text | None = None,
    mode: str | None = None,
    participants: Sequence[str] = (),
    outcomes: Sequence[tuple[str, Text]] = (),
    marking: Marking = PUBLIC,
) -> dict[str, Any]:
    """Record a meeting of a consultation body or channel (a new "2+2") with its outcomes, cited to
    the document it is known from (`source`, `locator`): its commitments carry that citation, as
    those of a pack meeting carry the pack's. Its outcomes are marked and cited as the meeting."""
    _check_id("id", meeting_id)
    _check_text("label", label, LABEL_CHARS)
    if venue is not None:
        _check_text("venue", venue, LABEL_CHARS)
    _check_outcomes(outcomes)
    w.require("work.meeting.write", marking, ("meeting", meeting_id))
    _check_meeting_refs(w, body, participants, mode)
    _check_body_existed(w, body, date)
    check_range(date, end_date)
    citations = _source_citations(w, source, locator)
    taken = w.session.get(Meeting, meeting_id)
    if taken is not None:  # the same answer whether or not the caller may read it: no existence oracle
        raise w.refuse_taken("work.meeting.write", "meeting", meeting_id, taken.marking)
    if meeting_id in w.fw:  # a record of the pack (public): a meeting of that id would pass for it
        raise WorkError(msg("work.id_taken", id=meeting_id), code="exists")
    m = Meeting(
        id=meeting_id,
        origin="user",
        channel=body,
        date=date,
        end_date=end_date,
        precision="day",
        label_ja=label.ja,
        label_en=label.en,
        venue_ja=venue.ja if venue else "",
        venue_en=venue.en if venue else "",
        mode=mode or "",
        participants=dump([{"position": p, "person": None} for p in dict.fromkeys(participants)]),
        agenda="[]",
        citations=dump(citations),
    )
    m.set_marking(marking)
    w.session.add(m)
    w.session.flush()  # the meeting's row before its outcomes'
    for key, text in outcomes:
        o = Outcome(meeting_id=m.id, key=key, text_ja=text.ja, text_en=text.en, citations=dump(citations))
        o.set_marking(marking)
        w.session.add(o)
    w.session.flush()
    w.audit("work.meeting.write", "meeting", m.id, marking, {"op": "record", "body": body, "on": date.isoformat()})
    return meeting_json(w, m)


def add_commitment(
    w: Work,
    commitment_id: str,
    meeting_id: str,
    owner: str,
    label: Text,
    due: dt.date | None,
    outcome: str | None = None,
    marking: Marking | None = None,
) -> dict[str, Any]:
    """Record that a meeting's outcome tasks `owner` with something, due on `due`. It is marked as
    its meeting unless `marking` is given, which may not be lower or releasable more widely than
    the meeting's (a 400): it carries the meeting's citations and outcome, and names the meeting."""
    _check_id("id", commitment_id)
    _check_text("label", label, LABEL_CHARS)
    w.require("work.commitment.write", marking or PUBLIC, ("commitment", commitment_id))
    meeting = w.session.get(Meeting, meeting_id)
    if meeting is None or not w.read("meeting", meeting_id, meeting.marking, "work.commitment.write"):
        raise WorkError(Text(f"会合「{meeting_id}」はありません", f"no meeting '{meeting_id}'"), code="not_found")
    if marking is None:
        marking = meeting.marking
        w.require("work.commitment.write", marking, ("commitment", commitment_id))
    else:
        w.check_within(marking, meeting.marking, Text("約束", "a commitment"), Text("会合", "meeting"))
    _check_owner(w, owner)
    taken = w.session.get(Commitment, commitment_id)
    if taken is not None:  # the same answer whether or not the caller may read it: no existence oracle
        raise w.refuse_taken("work.commitment.write", "commitment", commitment_id, taken.marking)
    if due is not None and due < meeting.date:
        raise WorkError(Text("期限が会合の日より前です", "the due date is before the meeting"))
    if outcome is not None:  # one of the meeting's outcomes (the key's column is VARCHAR(64))
        keys = w.session.execute(select(Outcome).where(Outcome.meeting_id == meeting_id).order_by(Outcome.id))
        allowed = [o.key for o in keys.scalars() if w.can_read(o.marking)]
        if outcome not in allowed:
            raise WorkError(
                msg("work.unknown_outcome", meeting=meeting_id, outcome=outcome, allowed=", ".join(allowed) or "-")
            )
    c = Commitment(
        id=commitment_id,
        origin="user",
        meeting_id=meeting_id,
        outcome_key=outcome,
        label_ja=label.ja,
        label_en=label.en,
        owner=owner,
        due=due,
        status="open",
        notes="{}",
        citations=dump({"record": load(meeting.citations) or []}),
    )
    c.set_marking(marking)
    w.session.add(c)
    w.session.flush()
    w.audit("work.commitment.write", "commitment", c.id, marking, {"op": "add", "meeting": meeting_id})
    return commitment_json(w, c, due or meeting.date)


def complete_commitment(w: Work, commitment_id: str, done_on: dt.date, done_by: str | None = None) -> dict[str, Any]:
    c = w.session.get(Commitment, commitment_id)
    if c is None or not w.read("commitment", commitment_id, c.marking, "work.commitment.write"):
        raise WorkError(
            Text(f"約束「{commitment_id}」はありません", f"no commitment '{commitment_id}'"), code="not_found"
        )
    w.require("work.commitment.write", c.marking, ("commitment", c.id))
    if c.done_on is not None:
        raise WorkError(Text("この約束は既に完了しています", "this commitment is already done"), code="conflict")
    if done_on > today():  # the list as of today showed it late, with no done_on, until then
        raise WorkError(msg("work.done_in_future", on=done_on.isoformat(), today=today().isoformat()))
    meeting = w.session.get(Meeting, c.meeting_id) if c.meeting_id else None
    if meeting is not None and done_on < meeting.date:  # as a due date before the meeting is refused
        raise WorkError(msg("work.done_before_meeting", on=done_on.isoformat(), meeting_on=meeting.date.isoformat()))
    if done_by is not None:  # as the API names it (`"by"`, `--by`)
        unknown = msg("work.unknown_done_by", field="by", value=done_by, allowed=kind_names(DONE_BY_KINDS))
        recorded = w.session.get(Meeting, done_by) if done_by not in w.fw else None
        if recorded is not None and "meeting" in DONE_BY_KINDS:  # a meeting a user recorded
            if not w.read("meeting", done_by, recorded.marking, "work.commitment.write"):
                raise WorkError(unknown)  # as an unknown id: nothing of a meeting the caller may not read
            if done_on < recorded.date:
                name = Text(f"{done_by}: {recorded.label_ja}", f"{done_by}: {recorded.label_en}")
                raise WorkError(
                    msg(
                        "work.done_by_not_yet",
                        field="by",
                        value=name,
                        start=recorded.date.isoformat(),
                        on=done_on.isoformat(),
                    )
                )
        else:
            _check_ref(w, "by", done_by, DONE_BY_KINDS, unknown, "work.done_by_kind")
            _check_existed(w, "by", done_by, done_on)
    c.done_on, c.done_by, c.status = done_on, done_by, "done"
    w.session.flush()
    w.audit("work.commitment.write", "commitment", c.id, c.marking, {"op": "done", "done_on": done_on.isoformat()})
    return commitment_json(w, c, done_on)
