"""What every process of the work layer shares: the context of a call, errors with bilingual
reasons, the access actions, and the audited write."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from anpo.framework.framework import Framework
from anpo.framework.model import Citation, Text
from anpo.i18n import in_sentence, msg
from anpo.i18n.catalog import MESSAGES
from anpo.security import access, audit
from anpo.security.markings import PUBLIC, Levels, Marking
from anpo.security.principal import Principal

PARTIES = ("jpn", "usa")
# The largest value of an Integer column (PostgreSQL's int4): an id or year compared with one is
# bounded by it, or the driver fails on binding it (a traceback where "not found" is due).
MAX_INTEGER = 2**31 - 1
# The most characters of the work records' free text (their columns are TEXT: without a bound a
# megabyte-long title or purpose was kept), refused with `work.too_long` where a record is created.
TITLE_CHARS = 500  # a case's title, each language
LABEL_CHARS = 500  # a commitment's label, each language
DECIDED_BY_CHARS = 200  # a determination's decided_by
UNIT_CHARS = 200  # a protection request's unit, the units carrying it out, a booking's unit
PURPOSE_CHARS = 2000  # a booking's purpose
ENTRY_CHARS = 4000  # a case log entry's text, each language
OUTCOME_CHARS = 2000  # a meeting outcome's text, each language
SOURCE_CHARS = 500  # where a user's record comes from (a document's title, URL or pack source id), and its locator
# Japan time (no daylight saving): a date-time given with an offset is converted to it.
JST = dt.timezone(dt.timedelta(hours=9))

# action -> roles (administrators may always act); registered once, at import.
ACTIONS = {
    "work.import": ("administrator",),
    "work.meeting.write": ("policy_officer",),
    "work.commitment.write": ("policy_officer",),
    "work.case.open": ("coordinator", "exercise_controller"),
    "work.case.post": ("coordinator", "policy_officer", "exercise_controller"),
    "work.determination.write": ("coordinator", "exercise_controller"),
    "work.protection.request": ("coordinator", "exercise_controller"),
    "work.protection.decide": ("coordinator", "exercise_controller"),
    "work.booking.write": ("coordinator", "logistics_officer", "exercise_controller"),
    "work.exercise.control": ("exercise_controller",),
    "work.exercise.act": ("coordinator", "exercise_controller"),
}
for _action, _roles in ACTIONS.items():
    access.register_action(_action, *_roles)


class WorkError(Exception):
    """A request the work layer refuses: bad input, a conflict, or what the law does not allow.

    Nothing is written when it is raised (callers run in one transaction)."""

    def __init__(self, text: Text, code: str = "invalid", details: dict[str, Any] | None = None) -> None:
        self.text = text
        self.code = code
        self.details = details or {}
        super().__init__(text.en)

    def as_json(self) -> dict[str, Any]:
        return {"error": self.text.as_json(), "code": self.code, **self.details}


@dataclass
class Work:
    """One call's context: the framework, an open session, who is acting, and the marking levels."""

    fw: Framework
    session: Session
    principal: Principal
    levels: Levels = field(init=False)
    # Denied accesses of this call, audited by `audit_denied` after its transaction rolls back.
    denied: list[tuple[str, str, str, Marking]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.levels = Levels(self.fw)

    def require(self, action: str, marking: Marking = PUBLIC, record: tuple[str, str] = ("-", "-")) -> None:
        """The access check of a write (`anpo.security.access.require`); a denial is remembered for the audit."""
        self.levels.rank(marking.level)  # an unknown level is a bad request, not a silent default
        try:
            access.require(self.levels, self.principal, action, marking)
        except access.AccessDenied as exc:
            self.denied.append((action, record[0], record[1], marking))
            raise access.AccessDenied(action, self.why_denied(action, marking)) from exc

    def why_denied(self, action: str, marking: Marking) -> Text:
        """Why `require` refused: a marking above the caller's clearance (both named), one not
        releasable to the caller's own party, or a role the action needs. Every caller of `require`
        passes either the marking the caller asked for (a new record's) or that of a record the
        caller was let read first (`read`), so naming it tells nothing the caller may not know."""
        who = self.principal
        if not who.system and not marking.is_public:
            if who.party is None or who.party not in marking.releasable_to:
                return msg(
                    "work.not_releasable_to_own",
                    party=self.party_in_sentence(who.party) if who.party else Text("なし", "none"),
                    parties=self.parties_in_sentence(marking),
                )
            if who.clearance in self.levels.order and not self.levels.dominates(who.clearance, marking.level):
                return msg(
                    "work.above_clearance", level=self.label_of(marking.level), clearance=self.label_of(who.clearance)
                )
        roles = sorted(access.ACTION_ROLES.get(action, frozenset()))
        if not who.system and roles and not set(roles) & who.roles:
            names = self.labels_of([f"role:{r}" for r in roles])  # mid-sentence: lower case in English
            return msg("work.role_needed", roles=Text(names.ja, names.en.lower()))
        return access.AccessDenied(action).text

    def label_of(self, ent_id: str) -> Text:
        """A level, party or role (`role:ID`) by its label, as the pack or the catalog names it."""
        if ent_id.startswith("role:"):
            return msg(f"ui.role.{ent_id[5:]}")
        found = label_json(self.fw, ent_id)
        return Text(found["ja"], found["en"])

    def labels_of(self, ids: list[str]) -> Text:
        names = [self.label_of(i) for i in ids]
        return Text("、".join(n.ja for n in names) or "なし", ", ".join(n.en for n in names) or "none")

    def party_in_sentence(self, party: str) -> Text:
        """A party as named inside a sentence ("the United States", not "United States of America")."""
        return in_sentence(party, self.label_of(party))

    def parties_in_sentence(self, marking: Marking) -> Text:
        """The parties a marking is releasable to, as named inside a sentence (none: "なし"/"none")."""
        names = [self.party_in_sentence(p) for p in sorted(marking.releasable_to)]
        return Text("、".join(n.ja for n in names) or "なし", ", ".join(n.en for n in names) or "none")

    def level_name(self, level: str) -> Text:
        return self.label_of(level)

    def check_within(self, marking: Marking, parent: Marking, child: Text, parent_name: Text) -> None:
        """Refuse a record (`child`, e.g. "an entry") marked lower in level, or releasable more
        widely, than the record it belongs to (`parent_name`, e.g. "case"): whoever could read it
        could then read what it tells of the other. A 400, naming both markings."""
        if self.levels.rank(marking.level) < self.levels.rank(parent.level):
            raise WorkError(
                msg(
                    "work.marked_lower",
                    child=child,
                    parent=parent_name,
                    level=self.level_name(marking.level),
                    parent_level=self.level_name(parent.level),
                )
            )
        if not parent.is_public and not marking.releasable_to <= parent.releasable_to:
            raise WorkError(
                msg(
                    "work.released_wider",
                    child=child,
                    parent=parent_name,
                    parties=self.parties_in_sentence(marking),
                    parent_parties=self.parties_in_sentence(parent),
                )
            )

    def refuse_taken(self, action: str, record_type: str, record_id: str, existing: Marking) -> WorkError:
        """The refusal of a create whose client-chosen id a record has already.

        One answer whether or not the caller may read that record (a 409 "the id is not available",
        which names no record, its kind or marking): a 409 "commitment 'X' already exists" for a
        record whose GET answered 404 told its existence, and let anyone probe for hidden records by
        name. Refused for a record the caller may not read, it is audited as a denied access to it,
        marked as it is (so the entry shows only to those who may read the record)."""
        if not self.can_read(existing):
            self.denied.append((action, record_type, record_id, existing))
        return WorkError(msg("work.id_taken", id=record_id), code="exists")

    def serialise(self, key: str) -> None:
        """Hold a PostgreSQL advisory lock on `key` until the transaction ends, so two callers cannot
        both pass a check-then-insert (e.g. the next id). SQLite writers are serialised already."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})

    def read(self, record_type: str, record_id: str, marking: Marking, action: str = "read") -> bool:
        """The access check of one record asked for by id (to read it, or to act on it with `action`).

        A denial is remembered for the audit (the caller answers "not found", never "forbidden", so
        nobody learns that the record exists); reading a record marked above public is audited."""
        if self.can_read(marking):
            if action == "read" and not marking.is_public:
                self.audit("read", record_type, record_id, marking)
            return True
        self.denied.append((action, record_type, record_id, marking))
        return False

    def can_read(self, marking: Marking) -> bool:
        try:
            return access.can_read(self.levels, self.principal, marking)
        except ValueError:
            return False

    def audit(
        self, action: str, record_type: str, record_id: str, marking: Marking, detail: dict[str, Any] | None = None
    ) -> None:
        audit.record(self.session, self.principal, action, record_type, record_id, marking, detail=detail)


def audit_denied(engine: Engine, principal: Principal, denied: list[tuple[str, str, str, Marking]]) -> None:
    """Append the denied accesses of a call that was refused, in a transaction of their own (the
    call's own transaction has rolled back)."""
    if not denied:
        return
    from anpo.store.db import session_factory, transaction

    with transaction(session_factory(engine)) as session:
        for action, record_type, record_id, marking in denied:
            audit.record(session, principal, action, record_type, record_id, marking, outcome="denied")


def check_length(field: str, value: str, limit: int) -> None:
    """Refuse text longer than `limit` characters (`work.too_long`)."""
    if len(value) > limit:
        raise WorkError(msg("work.too_long", field=field, limit=f"{limit:,}", length=f"{len(value):,}"))


def check_range(start: dt.date | None, end: dt.date | None) -> None:
    """Refuse a period given backwards (it matched nothing: an empty list, as if there were none)."""
    if start is not None and end is not None and end < start:
        raise WorkError(msg("work.end_before_start", start=start.isoformat(), end=end.isoformat()))


def marking_of(level: Any, releasable_to: Any, levels: Levels) -> Marking:
    """A marking from user input; the level must be known and the parties must be jpn or usa."""
    if not isinstance(level, str | None) or not isinstance(releasable_to, str | list | None):
        raise WorkError(
            Text(
                "区分は{level: 文字列, releasable_to: 当事国のリスト}です",
                "a marking is {level: string, releasable_to: list of parties}",
            )
        )
    if isinstance(releasable_to, list) and not all(isinstance(p, str) for p in releasable_to):
        raise WorkError(Text("開示先は当事国（jpn, usa）のリストです", "releasable_to is a list of parties (jpn, usa)"))
    lvl = level or "public"
    if lvl not in levels.order:
        raise WorkError(
            Text(
                f"区分「{lvl}」は不明です（使える区分: {', '.join(levels.order)}）",
                f"unknown marking level '{lvl}' (allowed: {', '.join(levels.order)})",
            )
        )
    parties = releasable_to.split(",") if isinstance(releasable_to, str) else list(releasable_to or [])
    parties = [p.strip() for p in parties if p.strip()]
    for p in parties:
        if p not in PARTIES:
            raise WorkError(Text(f"当事国「{p}」は不明です（jpn, usa）", f"unknown party '{p}' (allowed: jpn, usa)"))
    if lvl != "public" and not parties:  # was read as both parties: an empty list released the widest
        raise WorkError(msg("work.no_releasability"))
    return Marking(lvl, frozenset(parties))


def marking_json(marking: Marking, levels: Levels) -> dict[str, Any]:
    banner = levels.banner(marking) if marking.level in levels.order else Text(marking.level, marking.level)
    return {"level": marking.level, "releasable_to": sorted(marking.releasable_to), "banner": banner.as_json()}


def cite_json(citations: tuple[Citation, ...] | list[Citation]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for c in citations:
        j = c.as_json()
        if j not in out:
            out.append(j)
    return out


def parse_day(value: str | dt.date) -> dt.date:
    from anpo.dates import DateError, parse_date

    try:
        return parse_date(value)
    except DateError as exc:  # unreadable, or after the last date anpo takes: its own message
        raise WorkError(exc.text) from exc


def parse_time(value: str | dt.datetime) -> dt.datetime:
    """A date-time as `YYYY-MM-DDTHH:MM` (naive, Japan time) or a date (midnight)."""
    from anpo.dates import LATEST, DateError

    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise WorkError(
            Text(
                f"日時「{value}」が不正です（YYYY-MM-DDTHH:MM）", f"bad date-time '{value}' (expected YYYY-MM-DDTHH:MM)"
            )
        ) from exc
    if moment.tzinfo is not None:  # "…T08:00Z" is 17:00 in Japan, not 08:00 (the offset was dropped)
        try:
            moment = moment.astimezone(JST)
        except OverflowError as exc:  # past year 9999 once converted
            raise WorkError(DateError(value, "date.too_late" if moment.year > 1 else "date.bad").text) from exc
        moment = moment.replace(tzinfo=None)
    if moment.date() > LATEST:  # the last date anpo takes, as for dates
        raise WorkError(DateError(value, "date.too_late").text)
    return moment


def label_json(fw: Framework, ent_id: str, on: dt.date | None = None) -> dict[str, str]:
    ent = fw.get(ent_id)
    if ent is None:
        return {"ja": ent_id, "en": ent_id}
    return (ent.label_on(on) if on else ent.label).as_json()


def kind_name(kind: str) -> Text:
    """A kind of record as named in a message: the catalog's label in Japanese (「協議の場」), the
    kind's own name in English ("body", as the API names it)."""
    found = MESSAGES.get(f"kind.{kind}")
    return Text(found[0] if found else kind, kind)


def kind_names(kinds: tuple[str, ...] | list[str]) -> Text:
    names = [kind_name(k) for k in kinds]
    return Text("、".join(n.ja for n in names), ", ".join(n.en for n in names))
