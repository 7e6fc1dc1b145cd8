"""Coordination cases in the Alliance Coordination Mechanism: the levels the 2015 Guidelines
define, situation determinations over time, and each case's bilateral log of marked entries.

The framework questions that apply to a case are answered beside it for its date and the
situation determined at the time. On PostgreSQL each new entry sends a NOTIFY on `anpo_work`
in its own transaction, so every server process learns of it on commit (see `anpo.work.live`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, text

from anpo.framework.model import Citation, Text
from anpo.i18n import msg
from anpo.rules.core import ParamError, ask
from anpo.security.markings import PUBLIC, Marking
from anpo.work.common import (
    DECIDED_BY_CHARS,
    ENTRY_CHARS,
    TITLE_CHARS,
    Work,
    WorkError,
    check_length,
    check_range,
    cite_json,
    label_json,
    marking_json,
)
from anpo.work.ids import new_id
from anpo.work.tables import Case, Determination, Entry, dump, load

NOTIFY_CHANNEL = "anpo_work"
GUIDELINES_III = (Citation("src_guidelines_2015", "III A"), Citation("wp2024_deterrence", "2 統合防空ミサイル防衛"))
# The ACM's levels under the 2015 Guidelines (III.A): policy, operations, components.
LEVELS: dict[str, Text] = {
    "acg": Text("同盟調整グループ（ACG）", "Alliance Coordination Group (ACG)"),
    "bocc": Text("共同運用調整所（BOCC）", "Bilateral Operations Coordination Center (BOCC)"),
    "ccc": Text("各自衛隊及び米軍各軍間の調整所（CCC）", "Component Coordination Centers (CCCs)"),
}
CASE_TYPES: dict[str, Text] = {
    "missile_launch": Text("弾道ミサイル発射", "Ballistic-missile launch"),
    "gray_zone": Text("グレーゾーンの事案", "Gray-zone incident"),
    "disaster": Text("大規模災害", "Large-scale disaster"),
    "other": Text("その他", "Other"),
}
ENTRY_TYPES = ("opened", "message", "decision", "tasking", "determination", "question", "refusal", "closed")
POSTABLE = ("message", "decision", "tasking")
CASE_STATUSES = ("open", "closed")
# Questions shown beside a case: (question, params) with "{situation}" filled from the case.
CASE_QUESTIONS: dict[str, tuple[tuple[str, dict[str, str]], ...]] = {
    "missile_launch": (
        ("sdf.may_protect_assets", {"protected_party": "usa", "activity": "ballistic_missile_warning"}),
        ("acsa.may_provide", {"provider": "jpn", "category": "ammunition", "context": "{situation}"}),
    ),
    "gray_zone": (
        ("treaty.article5_applies", {"place": "senkaku_islands"}),
        ("sdf.may_protect_assets", {"protected_party": "usa", "activity": "information_gathering"}),
        ("acsa.may_provide", {"provider": "jpn", "category": "ammunition", "context": "{situation}"}),
    ),
    "disaster": (("acsa.may_provide", {"provider": "jpn", "category": "fuel", "context": "domestic_disaster_relief"}),),
    "other": (),
}
ALWAYS = (
    ("coordination.mechanism", {"situation": "{situation}"}),
    ("situation.requirements", {"situation": "{situation}"}),
)


def _check_choice(name: str, value: str, allowed: dict[str, Text]) -> None:
    if value not in allowed:
        raise WorkError(
            Text(
                f"{name}「{value}」は不明です（{', '.join(allowed)}）",
                f"unknown {name} '{value}' (allowed: {', '.join(allowed)})",
            )
        )


def get_case(w: Work, case_id: str, lock: bool = False, action: str = "read") -> Case:
    """A case the principal may read (to read it, or to act on it with `action`); else not found."""
    case = w.session.get(Case, case_id, with_for_update=lock)
    if case is None or not w.read("case", case_id, case.marking, action):
        raise WorkError(Text(f"案件「{case_id}」はありません", f"no case '{case_id}'"), code="not_found")
    return case


def case_marking(w: Work, case_id: str) -> Marking:
    """The marking of a case the principal may read (public for one it may not: nothing of it is
    shown), for a response that carries its entries but not the case (the live log's stream)."""
    case = w.session.get(Case, case_id)
    return case.marking if case is not None and w.can_read(case.marking) else PUBLIC


def case_to_change(w: Work, case_id: str, action: str, exercise: str = "") -> Case:
    """A case to write to, locked: a real call (`exercise` "") changes only real cases, a run only
    its own. A run's case is shown on the case pages, so a real write to it names the run to play
    it from (a conflict); a real case, or another run's, is not found to a run."""
    case = get_case(w, case_id, lock=True, action=action)
    if case.exercise == exercise:
        return case
    if exercise:
        raise WorkError(Text(f"案件「{case_id}」はありません", f"no case '{case_id}'"), code="not_found")
    raise WorkError(msg("work.exercise_case", id=case.id, run=case.exercise), code="conflict")


def open_case(
    w: Work,
    title: Text,
    case_type: str,
    level: str,
    on: dt.date,
    at: dt.datetime | None = None,
    marking: Marking = PUBLIC,
    case_id: str | None = None,
    exercise: str = "",
) -> dict[str, Any]:
    """Open a case at one ACM level; its first entry says so, with the mechanism's citations."""
    w.require("work.case.open", marking, ("case", case_id or "-"))
    _check_choice("case_type", case_type, CASE_TYPES)
    _check_choice("level", level, LEVELS)
    if not title.en.strip() or not title.ja.strip():
        raise WorkError(Text("件名は日本語と英語の両方が必要です", "a title needs both Japanese and English"))
    for written in (title.ja, title.en):
        check_length("title", written, TITLE_CHARS)
    w.serialise("work_cases")
    if case_id is None:
        case_id = new_id(w.session, Case, "case_")
    elif (taken := w.session.get(Case, case_id)) is not None:  # one answer, readable or not
        raise w.refuse_taken("work.case.open", "case", case_id, taken.marking)
    when = at or dt.datetime.now().replace(microsecond=0)
    case = Case(
        id=case_id,
        title_ja=title.ja,
        title_en=title.en,
        case_type=case_type,
        level=level,
        opened_at=when,
        on=on,
        status="open",
        exercise=exercise,
    )
    case.set_marking(marking)
    w.session.add(case)
    w.session.flush()
    w.audit("work.case.open", "case", case_id, marking, {"level": level, "type": case_type})
    lvl = LEVELS[level]
    _append(
        w,
        case,
        "opened",
        Text(f"{lvl.ja}で案件を開始", f"Case opened at the {lvl.en}"),
        when,
        {"citations": cite_json(GUIDELINES_III)},
        marking,
    )
    return case_json(w, case)


def _append(
    w: Work, case: Case, entry_type: str, body: Text, at: dt.datetime, data: dict[str, Any], marking: Marking
) -> Entry:
    seq = (
        w.session.execute(select(func.coalesce(func.max(Entry.seq), 0)).where(Entry.case_id == case.id)).scalar_one()
        + 1
    )
    entry = Entry(
        case_id=case.id,
        seq=seq,
        at=at,
        author=w.principal.user_id,
        party=w.principal.party or "",
        entry_type=entry_type,
        text_ja=body.ja,
        text_en=body.en,
        data=dump(data),
    )
    entry.set_marking(marking)
    w.session.add(entry)
    w.session.flush()
    if w.session.get_bind().dialect.name == "postgresql":
        w.session.execute(text("SELECT pg_notify(:c, :p)"), {"c": NOTIFY_CHANNEL, "p": str(entry.id)})
    return entry


def _entry_marking(w: Work, case: Case, marking: Marking | None) -> Marking:
    """An entry is marked at least as its case: no lower level, no wider releasability; and the
    one posting must be able to read it (releasable to their party, at most their clearance).
    Each refusal says which (a bare "not permitted" told a poster nothing)."""
    if marking is None:
        return case.marking
    cm = case.marking

    def parties(m: Marking) -> Text:
        return w.parties_in_sentence(m)

    def level(m: Marking) -> Text:
        name = label_json(w.fw, m.level)
        return Text(name["ja"], name["en"])

    w.check_within(marking, cm, Text("記録", "an entry"), Text("案件", "case"))
    who = w.principal
    if not who.system and not marking.is_public:
        own = who.party
        if own is None or own not in marking.releasable_to:
            w.denied.append(("work.case.post", "case", case.id, marking))  # audited as the check's denial
            mine = w.party_in_sentence(own) if own else Text("なし", "none")
            raise WorkError(
                Text(
                    f"記録は投稿する側の当事国（{mine.ja}）に開示できるものにしてください"
                    f"（指定された開示先: {parties(marking).ja}）",
                    f"an entry must be releasable to the poster's own party ({mine.en});"
                    f" it was marked releasable to {parties(marking).en} only",
                ),
                code="forbidden",
            )
        try:
            cleared = w.levels.dominates(who.clearance, marking.level)
        except ValueError:  # a clearance the pack does not define: left to the access check
            cleared = True
        if not cleared:
            w.denied.append(("work.case.post", "case", case.id, marking))
            # the level asked for and the poster's own clearance, each named ("above the poster's
            # clearance (Secret)" read as if Secret were the poster's clearance)
            raise WorkError(
                msg("work.entry_above_clearance", level=level(marking), clearance=w.label_of(who.clearance)),
                code="forbidden",
            )
    return marking


def post_entry(
    w: Work,
    case_id: str,
    entry_type: str,
    body: Text,
    at: dt.datetime | None = None,
    marking: Marking | None = None,
    data: dict[str, Any] | None = None,
    exercise: str = "",
) -> dict[str, Any]:
    """Add a message, decision or tasking to a case's bilateral log (a real one, or one of the run `exercise`)."""
    if entry_type not in POSTABLE:
        raise WorkError(
            Text(
                f"記録の種類「{entry_type}」は使えません（{', '.join(POSTABLE)}）",
                f"unknown entry type '{entry_type}' (allowed: {', '.join(POSTABLE)})",
            )
        )
    if not (body.ja.strip() or body.en.strip()):
        raise WorkError(Text("本文が空です", "the text is empty"))
    if len(body.ja) > ENTRY_CHARS or len(body.en) > ENTRY_CHARS:
        raise WorkError(Text("本文は4000文字以内にしてください", "the text may have at most 4000 characters"))
    case = case_to_change(w, case_id, "work.case.post", exercise)
    mark = _entry_marking(w, case, marking)
    w.require("work.case.post", mark, ("case", case.id))
    if case.status != "open":
        raise WorkError(msg("work.case_closed"), code="conflict")
    entry = _append(w, case, entry_type, body, at or dt.datetime.now().replace(microsecond=0), data or {}, mark)
    w.audit("work.case.post", "case_entry", f"{case.id}#{entry.seq}", mark, {"type": entry_type})
    return entry_json(w, entry)


def record_answer(
    w: Work, case_id: str, answer: dict[str, Any], refused: bool, action: Text, at: dt.datetime, exercise: str = ""
) -> dict[str, Any]:
    """Log a legal question asked in the case and its answer; a refusal when the law does not allow the action."""
    case = case_to_change(w, case_id, "work.case.post", exercise)
    w.require("work.case.post", case.marking, ("case", case.id))
    reasons = answer.get("reasons", [])
    first = reasons[0] if reasons else {"ja": "", "en": ""}
    if refused:
        body = Text(f"不可：{action.ja}。{first['ja']}", f"Refused: {action.en}. {first['en']}")
    else:
        body = Text(f"{action.ja}：{first['ja']}", f"{action.en}: {first['en']}")
    entry = _append(
        w,
        case,
        "refusal" if refused else "question",
        body,
        at,
        {"action": action.as_json(), "answer": answer},
        case.marking,
    )
    w.audit("work.case.post", "case_entry", f"{case.id}#{entry.seq}", case.marking, {"type": entry.entry_type})
    return entry_json(w, entry)


def determine(
    w: Work,
    case_id: str,
    situation: str,
    at: dt.datetime,
    decided_by: str = "",
    cabinet_decision_on: dt.date | None = None,
    diet_approval_on: dt.date | None = None,
    exercise: str = "",
    party: str | None = None,
) -> dict[str, Any]:
    """Record the Government's determination of a situation for a case, checked against the law of the case's date.

    A situation is determined by the Government of Japan (by Cabinet decision where the law
    requires one), so only Japan's side records it: a principal of party jpn, or an administrator
    (who acts for either party, as in booking; the commands' local tooling is one). `party` is the
    side the caller acts for, where that is not the principal's own (a player's in an exercise
    run, whose controller may act for either); another side is refused (403, `forbidden`) citing
    what `situation.requirements` cites. Refused (WorkError with the answer) when the situation
    does not exist in law on that date or when the law requires a Cabinet decision not given."""
    case = case_to_change(w, case_id, "work.determination.write", exercise)
    w.require("work.determination.write", case.marking, ("case", case.id))
    check_length("decided_by", decided_by, DECIDED_BY_CHARS)
    try:
        answer = ask(w.fw, "situation.requirements", {"situation": situation}, case.on)
    except ParamError as exc:
        raise WorkError(exc.text) from exc
    _japans_side(w, case, answer, party, exercise)
    if case.status != "open":  # as for a log entry: a closed case takes no determination
        raise WorkError(msg("work.case_closed"), code="conflict")
    if cabinet_decision_on is not None and diet_approval_on is not None and diet_approval_on < cabinet_decision_on:
        raise WorkError(
            msg("work.diet_before_cabinet", diet=diet_approval_on.isoformat(), cabinet=cabinet_decision_on.isoformat())
        )
    details = answer.get("details", {})
    reasons = answer["reasons"]
    name = label_json(w.fw, situation, case.on)
    if not details.get("exists", False):
        raise WorkError(
            Text(
                f"{case.on}には「{name['ja']}」は法律上の事態ではありません。{reasons[0]['ja'] if reasons else ''}",
                f"On {case.on} '{name['en']}' is not a situation in law. {reasons[0]['en'] if reasons else ''}",
            ),
            code="refused",
            details={"answer": answer},
        )
    if details.get("cabinet_decision") and cabinet_decision_on is None:
        raise WorkError(
            Text(
                f"「{name['ja']}」の認定には閣議決定が必要です。{reasons[0]['ja']}",
                f"Determining '{name['en']}' requires a Cabinet decision. {reasons[0]['en']}",
            ),
            code="refused",
            details={"answer": answer},
        )
    if cabinet_decision_on is not None:
        _check_cabinet_date(w, situation, cabinet_decision_on)
    current = _open_determination(w, case.id)
    if current is not None:
        current.ended_at = at
    det = Determination(
        case_id=case.id,
        situation=situation,
        determined_at=at,
        decided_by=decided_by,
        cabinet_decision_on=cabinet_decision_on,
        diet_approval_on=diet_approval_on,
        answer=dump(answer),
    )
    det.set_marking(case.marking)
    w.session.add(det)
    w.session.flush()
    diet = msg(f"ui.work.diet.{details.get('diet_approval', 'none')}")  # stored in words, not the rule's id
    body = Text(
        f"事態の認定：{name['ja']}（国会承認: {diet.ja}）",
        f"Situation determined: {name['en']} (Diet approval: {diet.en})",
    )
    _append(
        w,
        case,
        "determination",
        body,
        at,
        {
            "situation": situation,
            "answer": answer,
            "cabinet_decision_on": cabinet_decision_on.isoformat() if cabinet_decision_on else None,
            "diet_approval_on": diet_approval_on.isoformat() if diet_approval_on else None,
        },
        case.marking,
    )
    w.audit("work.determination.write", "determination", str(det.id), case.marking, {"situation": situation})
    return determination_json(w, det)


def _japans_side(w: Work, case: Case, answer: dict[str, Any], party: str | None, exercise: str) -> None:
    """Refuse a determination recorded for any side but Japan's (see `determine`), citing the
    situation rule as `situation.requirements` answers it for the case's date. A real refusal is
    audited as denied; in an exercise run it is a refusal in play (kept in the after-action report)."""
    who = w.principal
    side = party or who.party
    if side == "jpn" or (party is None and who.has_role("administrator")):
        return
    if not exercise:
        w.denied.append(("work.determination.write", "case", case.id, case.marking))
    cites = [c for r in answer.get("reasons", []) for c in r.get("citations", [])]
    raise WorkError(msg("work.determination_japan_only"), code="forbidden", details={"citations": cites})


def _check_cabinet_date(w: Work, situation: str, on: dt.date) -> None:
    """Refuse a Cabinet decision dated when the situation did not exist in law (one of 0001-01-01
    was kept): the law of the decision's own date is asked."""
    then = ask(w.fw, "situation.requirements", {"situation": situation}, on)
    if not then.get("details", {}).get("exists", False):
        name = label_json(w.fw, situation, on)
        ja = msg("work.cabinet_before_law", on=on.isoformat(), situation=name["ja"]).ja
        en = msg("work.cabinet_before_law", on=on.isoformat(), situation=name["en"]).en
        raise WorkError(Text(ja, en), details={"answer": then})


def _open_determination(w: Work, case_id: str) -> Determination | None:
    return w.session.execute(
        select(Determination)
        .where(Determination.case_id == case_id, Determination.ended_at.is_(None))
        .order_by(Determination.id.desc())
        .limit(1)
    ).scalar()


def current_situation(w: Work, case_id: str) -> str:
    det = _open_determination(w, case_id)
    return det.situation if det is not None else "peacetime"


def close_case(w: Work, case_id: str, at: dt.datetime | None = None, exercise: str = "") -> dict[str, Any]:
    case = case_to_change(w, case_id, "work.case.open", exercise)
    w.require("work.case.open", case.marking, ("case", case.id))
    if case.status != "open":
        raise WorkError(Text("案件は既に終了しています", "the case is already closed"), code="conflict")
    when = at or dt.datetime.now().replace(microsecond=0)
    case.status = "closed"
    det = _open_determination(w, case.id)
    if det is not None:
        det.ended_at = when
    _append(w, case, "closed", Text("案件を終了", "Case closed"), when, {}, case.marking)
    w.audit("work.case.open", "case", case.id, case.marking, {"op": "close"})
    return case_json(w, case)


# A determination or a log entry is shown without its row id: the key counts the rows of every
# case, those its reader may not read too (see anpo.work.ids); an entry is named by case and seq.
def determination_on(w: Work, d: Determination) -> dt.date:
    """The date a determination takes effect: its Cabinet decision's; for one without (a
    situation that needs none), its case's date, whose law it was checked against and which the
    record gives as the date of the events; for one of no case, the day it was recorded.
    `determined_at` is when it was recorded, which may be long after (a past one entered today)."""
    if d.cabinet_decision_on is not None:
        return d.cabinet_decision_on
    case = w.session.get(Case, d.case_id) if d.case_id else None
    return case.on if case is not None else d.determined_at.date()


def determination_json(w: Work, d: Determination) -> dict[str, Any]:
    return {
        "case": d.case_id,
        "situation": {"id": d.situation, "label": label_json(w.fw, d.situation)},
        "on": determination_on(w, d).isoformat(),
        "determined_at": d.determined_at.isoformat(),
        "ended_at": d.ended_at.isoformat() if d.ended_at else None,
        "decided_by": d.decided_by,
        "cabinet_decision_on": d.cabinet_decision_on.isoformat() if d.cabinet_decision_on else None,
        "diet_approval_on": d.diet_approval_on.isoformat() if d.diet_approval_on else None,
        "requirements": (load(d.answer) or {}).get("details", {}),
        "citations": [c for r in (load(d.answer) or {}).get("reasons", []) for c in r["citations"]],
        "marking": marking_json(d.marking, w.levels),
    }


def entry_json(w: Work, e: Entry) -> dict[str, Any]:
    return {
        "case": e.case_id,
        "seq": e.seq,
        "at": e.at.isoformat(),
        "author": e.author,
        "party": e.party,
        "type": e.entry_type,
        "text": {"ja": e.text_ja, "en": e.text_en},
        "data": load(e.data) or {},
        "marking": marking_json(e.marking, w.levels),
    }


def entries_after(w: Work, case_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
    """The entries of a readable case after `after_seq` that the principal may read."""
    case = get_case(w, case_id)
    rows = w.session.execute(
        select(Entry).where(Entry.case_id == case.id, Entry.seq > after_seq).order_by(Entry.seq)
    ).scalars()
    return [entry_json(w, e) for e in rows if w.can_read(e.marking)]


def case_questions(w: Work, case: Case, situation: str) -> list[dict[str, Any]]:
    """The framework questions that apply beside the case, answered for its date and situation."""
    out = []
    for name, params in ALWAYS + CASE_QUESTIONS.get(case.case_type, ()):
        filled = {k: v.replace("{situation}", situation) for k, v in params.items()}
        try:
            out.append(ask(w.fw, name, filled, case.on))
        except ParamError:
            continue  # e.g. no ACSA context of the same name as the situation
    return out


def case_warnings(w: Work, case: Case, situation: str) -> list[dict[str, Any]]:
    """What to check about the case itself: one dated when the Guidelines in force provided no
    Alliance Coordination Mechanism (before the 2015 Guidelines), although its levels are the ACM's.
    Said rather than refused, so that a record of past coordination can still be kept; the
    reasons of `coordination.mechanism` for that date and situation give the citations."""
    try:
        answer = ask(w.fw, "coordination.mechanism", {"situation": situation}, case.on)
    except ParamError:
        return []
    if answer["answer"] == "alliance_coordination_mechanism":
        return []
    lvl, acm = LEVELS[case.level], label_json(w.fw, "alliance_coordination_mechanism")
    return [
        {
            "ja": f"この案件の日付（{case.on}）には、有効な指針に{acm['ja']}（ACM）がありません。"
            f"{lvl.ja}はACMの機関です（2015年の指針から）。",
            "en": f"On this case's date ({case.on.isoformat()}) the Guidelines in force provided no {acm['en']}"
            f" (ACM); the {lvl.en} is part of it (from the 2015 Guidelines).",
            "citations": _unique([c for r in answer["reasons"] for c in r["citations"]] + cite_json(GUIDELINES_III)),
        }
    ]


def _unique(citations: list[dict[str, str]]) -> list[dict[str, str]]:
    return [c for i, c in enumerate(citations) if c not in citations[:i]]


def case_json(w: Work, case: Case, after_seq: int = 0, with_questions: bool = False) -> dict[str, Any]:
    entries = w.session.execute(
        select(Entry).where(Entry.case_id == case.id, Entry.seq > after_seq).order_by(Entry.seq)
    ).scalars()
    dets = w.session.execute(
        select(Determination).where(Determination.case_id == case.id).order_by(Determination.id)
    ).scalars()
    situation = current_situation(w, case.id)
    out: dict[str, Any] = {
        "id": case.id,
        "title": {"ja": case.title_ja, "en": case.title_en},
        "type": {"id": case.case_type, "label": CASE_TYPES[case.case_type].as_json()},
        "level": {"id": case.level, "label": LEVELS[case.level].as_json(), "citations": cite_json(GUIDELINES_III)},
        "opened_at": case.opened_at.isoformat(),
        "on": case.on.isoformat(),
        "status": case.status,
        "exercise": case.exercise or None,
        "situation": {"id": situation, "label": label_json(w.fw, situation, case.on)},
        "warnings": case_warnings(w, case, situation),
        "determinations": [determination_json(w, d) for d in dets if w.can_read(d.marking)],
        "entries": [entry_json(w, e) for e in entries if w.can_read(e.marking)],
        "marking": marking_json(case.marking, w.levels),
    }
    if with_questions:
        out["questions"] = case_questions(w, case, situation)
    return out


def list_cases(w: Work, status: str | None = None) -> list[dict[str, Any]]:
    """The cases the principal may read, of one status (`open`, `closed`) or all."""
    if status and status not in CASE_STATUSES:  # an unknown one listed nothing, as if there were none
        raise WorkError(msg("work.unknown_choice", field="status", value=status, allowed=", ".join(CASE_STATUSES)))
    query = select(Case).order_by(Case.opened_at, Case.id)
    if status:
        query = query.where(Case.status == status)
    return [
        {
            "id": c.id,
            "title": {"ja": c.title_ja, "en": c.title_en},
            "type": c.case_type,
            "level": c.level,
            "on": c.on.isoformat(),
            "opened_at": c.opened_at.isoformat(),
            "status": c.status,
            "exercise": c.exercise or None,
            "marking": marking_json(c.marking, w.levels),
        }
        for c in w.session.execute(query).scalars()
        if w.can_read(c.marking)
    ]


def list_determinations(w: Work, start: dt.date | None = None, end: dt.date | None = None) -> list[dict[str, Any]]:
    """The Government's determinations of situations that took effect between `start` and `end`
    (inclusive), in the order they took effect (`on`, see `determination_on`; then as recorded),
    each with who decided, its Cabinet decision and Diet approval; an `end` before the `start` is
    refused. When a row was recorded (`determined_at`) does not select it: a determination of
    2024 entered in 2026 is one of 2024. An exercise run's are play, not the Government's: left out."""
    check_range(start, end)
    query = (
        select(Determination)
        .outerjoin(Case, Case.id == Determination.case_id)
        .where(func.coalesce(Case.exercise, "") == "")  # exercise play is no determination of the Government's
        .order_by(Determination.determined_at, Determination.id)
    )
    found = []
    for d in w.session.execute(query).scalars():
        on = determination_on(w, d)
        if (start is None or start <= on) and (end is None or on <= end) and w.can_read(d.marking):
            found.append((on, d))
    found.sort(key=lambda row: row[0])  # stable: as recorded within a day
    return [determination_json(w, d) for _, d in found]
