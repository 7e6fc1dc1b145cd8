"""The tabletop engine: plays a scenario's injects and the players' actions through the work
layer, answering the legal question each action raises as of the scenario's date and situation,
and refusing what the law does not allow. A scripted run is a function of (scenario, seed)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from anpo.exercise.scenario import Action, Scenario
from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.i18n import in_sentence, msg
from anpo.rules.core import ParamError, ask, get_question
from anpo.rules.questions.rear_support import AREA_LABELS, COMBAT_LABELS, VESSEL_LABELS
from anpo.security.markings import PUBLIC
from anpo.security.principal import Principal
from anpo.store.db import make_engine, session_factory, transaction
from anpo.work import coordination as co
from anpo.work import facilities, protection
from anpo.work.common import Work, WorkError, label_json

ROLES = frozenset({"exercise_controller", "coordinator"})
# Values of the questions' parameters that are no framework entity, labelled where their rules
# label them (the asset kinds are labelled where asset protection reports them).
PARAM_LABELS: dict[str, dict[str, Text]] = {
    "area": AREA_LABELS,
    "combat": COMBAT_LABELS,
    "vessel_type": VESSEL_LABELS,
}


@dataclass
class Event:
    """One line of the timeline: an inject, or an action and what came of it."""

    at: dt.datetime
    inject: str
    kind: str  # inject | action
    action: str
    party: str
    outcome: str  # inject | done | answered | allowed | refused
    text: Text
    reasons: list[dict[str, Any]] = field(default_factory=list)
    expected: str | None = None
    case: str | None = None
    actor: str | None = None  # in a live run, the user who acted

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Event:
        return cls(
            at=dt.datetime.fromisoformat(data["at"]),
            inject=data["inject"],
            kind=data["kind"],
            action=data["action"],
            party=data["party"],
            outcome=data["outcome"],
            text=Text(data["text"]["ja"], data["text"]["en"]),
            reasons=list(data["reasons"]),
            expected=data.get("expected"),
            case=data.get("case"),
            actor=data.get("actor"),
        )

    @property
    def met(self) -> bool | None:
        if self.expected is None:
            return None
        return (self.outcome == "refused") == (self.expected == "refused")

    def as_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="minutes"),
            "inject": self.inject,
            "kind": self.kind,
            "action": self.action,
            "party": self.party,
            "outcome": self.outcome,
            "text": self.text.as_json(),
            "reasons": self.reasons,
            "citations": [c for r in self.reasons for c in r.get("citations", [])],
            "expected": self.expected,
            "expectation_met": self.met,
            "case": self.case,
            "actor": self.actor,
        }


class Run:
    """One run of a scenario. Scripted: its own database, one transaction per action. Live (a
    `session` given): every action in the caller's transaction, as `actor` when one is given, so
    the web app's access check and audit apply to the player who acts."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        fw: Framework,
        engine: Engine | None = None,
        *,
        scope: str | None = None,
        session: Session | None = None,
        actor: Principal | None = None,
    ) -> None:
        self.scenario, self.seed, self.fw = scenario, seed, fw
        self.rng = random.Random(seed)
        self.session, self.actor = session, actor
        self.denied: list[Any] | None = None
        self.marking = PUBLIC  # of the run's cases, protection records and bookings
        if session is None:
            assert engine is not None
            self.factory = session_factory(engine)
        # Names the run's cases, protection records and bookings, which stay apart from real ones.
        self.scope = scope or f"{scenario.id}_{seed}"
        self.events: list[Event] = []
        self.case_ids: dict[str, str] = {}
        self.clock = scenario.start
        self.clearance = self._top_level()
        self.script_as = "player"  # scripted players act as `player_jpn` and `player_usa`

    def _top_level(self) -> str:
        from anpo.security.markings import Levels

        return Levels(self.fw).order[-1]

    @contextmanager
    def work(self, party: str) -> Iterator[Work]:
        who = self.actor or Principal(f"{self.script_as}_{party}"[:64], party, self.clearance, ROLES)
        if self.session is not None:
            w = Work(self.fw, self.session, who)
            if self.denied is not None:
                w.denied = self.denied  # the caller audits them after its transaction rolls back
            yield w
            return
        with transaction(self.factory) as session:
            yield Work(self.fw, session, who)

    def play(self) -> None:
        for inject in self.scenario.injects:
            at = self.scenario.start + dt.timedelta(minutes=inject.at)
            self.clock = max(self.clock, at)
            self.events.append(Event(self.clock, inject.id, "inject", "inject", "control", "inject", inject.text))
            for action in inject.actions:
                self._act(inject.id, at, action, inject.jitter)

    def act(self, inject: str, action: Action) -> Event:
        """A live player's action at the current scenario time; its event (a refusal is an event)."""
        if action.do == "choose":
            raise WorkError(Text("選択肢(choose)は台本でのみ使えます", "'choose' is for scripts only"))
        party = str(action.args.get("party", "jpn"))
        event: Event = getattr(self, f"_do_{action.do}")(action, party)
        event.inject, event.expected = inject, action.expect
        event.actor = self.actor.user_id if self.actor is not None else None
        self.events.append(event)
        return event

    def _act(self, inject: str, base: dt.datetime, action: Action, jitter: int) -> None:
        delay = action.after + (self.rng.randint(0, jitter) if jitter else 0)
        self.clock = max(self.clock, base + dt.timedelta(minutes=delay))
        if action.do == "choose":
            options = action.args["options"]
            (chosen,) = self.rng.choices([o[1] for o in options], weights=[o[0] for o in options])
            for sub in chosen:
                self._act(inject, self.clock, sub, 0)
            return
        party = str(action.args.get("party", "jpn"))
        handler = getattr(self, f"_do_{action.do}")
        try:
            event: Event = handler(action, party)
        except WorkError as exc:
            if not action.where:
                raise
            # a file's action the run cannot take (a case not yet opened, a question's unknown
            # parameter) is named with its file and line, as a problem found when it was read
            exc.text = Text(f"{action.where}: {exc.text.ja}", f"{action.where}: {exc.text.en}")
            raise
        event.inject, event.expected = inject, action.expect
        self.events.append(event)

    # -- helpers -------------------------------------------------------------------------------

    def _case(self, action: Action) -> str:
        key = str(action.args["case"])
        if key not in self.case_ids:
            raise WorkError(Text(f"案件「{key}」はまだ開かれていません", f"case '{key}' has not been opened yet"))
        return self.case_ids[key]

    def _event(
        self, action: Action, party: str, outcome: str, body: Text, reasons: list[dict[str, Any]] | None = None
    ) -> Event:
        case = self.case_ids.get(str(action.args.get("case", "")))
        return Event(self.clock, "", "action", action.do, party, outcome, body, reasons or [], case=case)

    def _situation(self, case_id: str) -> str:
        with self.work("jpn") as w:
            return co.current_situation(w, case_id)

    def _judge(self, action: Action, party: str, question: str, params: dict[str, str], what: Text) -> Event:
        """Ask `question` as of the scenario's date; log the answer, or a refusal if it is not yes."""
        case_id = self._case(action)
        try:
            answer = ask(self.fw, question, params, self.scenario.date)
        except ParamError as exc:
            answer = {
                "question": question,
                "params": params,
                "answer": None,
                "reasons": [{"ja": exc.text.ja, "en": exc.text.en, "citations": []}],
            }
        refused = answer["answer"] is not True
        with self.work(party) as w:
            co.record_answer(w, case_id, answer, refused, what, self.clock, exercise=self.scope)
        body = Text(f"{'不可' if refused else '可'}：{what.ja}", f"{'Refused' if refused else 'Allowed'}: {what.en}")
        return self._event(action, party, "refused" if refused else "allowed", body, answer["reasons"])

    def _refusal(self, action: Action, party: str, what: Text, exc: WorkError) -> Event:
        answer = exc.details.get("answer") or {}
        reasons = answer.get("reasons") or []
        lead = {"ja": exc.text.ja, "en": exc.text.en, "citations": exc.details.get("citations", [])}
        full = {"question": answer.get("question"), "answer": answer.get("answer"), "reasons": [lead, *reasons]}
        with self.work(party) as w:
            co.record_answer(w, self._case(action), full, True, what, self.clock, exercise=self.scope)
        return self._event(action, party, "refused", Text(f"不可：{what.ja}", f"Refused: {what.en}"), [lead, *reasons])

    # -- actions -------------------------------------------------------------------------------

    def _do_open_case(self, action: Action, party: str) -> Event:
        spec = self.scenario.cases[str(action.args["case"])]
        if spec.key in self.case_ids:
            raise WorkError(Text(f"案件「{spec.key}」は既に開かれています", f"case '{spec.key}' is already open"))
        case_id = f"ex_{self.scope}_{spec.key}"
        with self.work(party) as w:
            case = co.open_case(
                w,
                spec.title,
                spec.case_type,
                spec.level,
                self.scenario.date,
                self.clock,
                case_id=case_id,
                exercise=self.scope,
                marking=self.marking,
            )
        self.case_ids[spec.key] = case_id
        level = case["level"]
        return self._event(
            action,
            party,
            "done",
            Text(
                f"{level['label']['ja']}で案件を開始：{spec.title.ja}",
                f"Case opened at the {level['label']['en']}: {spec.title.en}",
            ),
            [
                {
                    "ja": "2015年指針の同盟調整メカニズム",
                    "en": "Alliance Coordination Mechanism, 2015 Guidelines",
                    "citations": level["citations"],
                }
            ],
        )

    def _post(self, action: Action, party: str, kind: str) -> Event:
        body: Text = action.args["text"]
        if kind == "tasking" and action.args.get("to"):
            to = label_json(self.fw, str(action.args["to"]))
            body = Text(f"［{to['ja']}へ］{body.ja}", f"[to {to['en']}] {body.en}")
        with self.work(party) as w:
            co.post_entry(w, self._case(action), kind, body, self.clock, exercise=self.scope)
        return self._event(action, party, "done", body)

    def _do_message(self, action: Action, party: str) -> Event:
        return self._post(action, party, "message")

    def _do_decision(self, action: Action, party: str) -> Event:
        return self._post(action, party, "decision")

    def _do_tasking(self, action: Action, party: str) -> Event:
        return self._post(action, party, "tasking")

    def _do_determine(self, action: Action, party: str) -> Event:
        situation = str(action.args["situation"])
        name = label_json(self.fw, situation, self.scenario.date)
        what = Text(f"事態の認定「{name['ja']}」", f"determination of '{name['en']}'")
        day = self.clock.date()
        try:
            with self.work(party) as w:
                det = co.determine(
                    w,
                    self._case(action),
                    situation,
                    self.clock,
                    decided_by=str(action.args.get("decided_by", "")),
                    cabinet_decision_on=day if action.args.get("cabinet_decision") is True else None,
                    diet_approval_on=day if action.args.get("diet_approval") is True else None,
                    exercise=self.scope,
                    party=party,  # Japan's side only: another's is refused in play, with the basis
                )
        except WorkError as exc:
            return self._refusal(action, party, what, exc)
        reasons = [{"ja": name["ja"], "en": name["en"], "citations": det["citations"]}]
        return self._event(action, party, "allowed", Text(f"認定：{name['ja']}", f"Determined: {name['en']}"), reasons)

    def _label(
        self, value: str, labels: dict[str, Any] | None = None, vocabulary: dict[str, Text] | None = None
    ) -> Text:
        """A value as words: the label an answer gives it, a vocabulary's, the framework's as of
        the scenario's date, or the value itself (a date, a name, a number)."""
        if labels and value in labels:
            return Text(labels[value]["ja"], labels[value]["en"])
        if vocabulary and value in vocabulary:
            return vocabulary[value]
        name = label_json(self.fw, value, self.scenario.date)
        return Text(name["ja"], name["en"])

    def _answer_text(self, answer: dict[str, Any]) -> Text:
        """An answer's value as the question page words it: はい/いいえ, labels for ids."""
        value, labels = answer["answer"], answer.get("labels")
        if answer.get("undetermined"):
            return msg("ui.undetermined")
        if value is True:
            return msg("ui.yes")
        if value is False:
            return msg("ui.no")
        if value is None:
            return Text("—", "—")
        if isinstance(value, str):
            return self._label(value, labels)
        if isinstance(value, dict):
            parts = [(k, self._label(str(v), labels)) for k, v in value.items()]
            return Text("、".join(f"{k}: {t.ja}" for k, t in parts), ", ".join(f"{k}: {t.en}" for k, t in parts))
        if isinstance(value, list | tuple):
            items = [self._label(x, labels) if isinstance(x, str) else Text(str(x), str(x)) for x in value]
            return Text("、".join(t.ja for t in items) or "—", ", ".join(t.en for t in items) or "—")
        return Text(str(value), str(value))

    def _do_ask(self, action: Action, party: str) -> Event:
        case_id = self._case(action)
        situation = self._situation(case_id)
        params = {k: str(v).replace("{situation}", situation) for k, v in (action.args.get("params") or {}).items()}
        question = str(action.args["question"])
        try:
            answer = ask(self.fw, question, params, self.scenario.date)
        except ParamError as exc:
            raise WorkError(exc.text) from exc
        summary = get_question(question).summary
        given = [self._label(v, answer.get("labels"), PARAM_LABELS.get(k)) for k, v in answer["params"].items()]
        what = Text(
            f"問い：{summary.ja}" + (f"［{'、'.join(t.ja for t in given)}］" if given else ""),
            f"Question: {summary.en}" + (f" [{', '.join(t.en for t in given)}]" if given else ""),
        )
        with self.work(party) as w:
            co.record_answer(w, case_id, answer, False, what, self.clock, exercise=self.scope)
        shown = self._answer_text(answer)
        return self._event(
            action, party, "answered", Text(f"{what.ja} → {shown.ja}", f"{what.en} → {shown.en}"), answer["reasons"]
        )

    def _do_supply(self, action: Action, party: str) -> Event:
        case_id = self._case(action)
        context = str(action.args.get("context") or self._situation(case_id))
        provider, category = str(action.args["provider"]), str(action.args["category"])
        cat, ctx = (in_sentence(x, self._label(x), common=True) for x in (category, context))
        to = "usa" if provider == "jpn" else "jpn"
        by, to_whom = (in_sentence(p, self._label(p)) for p in (provider, to))
        what = Text(
            f"{by.ja}から{to_whom.ja}への「{cat.ja}」の提供（{ctx.ja}）",
            f"provision of {cat.en} by {by.en} to {to_whom.en} ({ctx.en})",
        )
        return self._judge(
            action, party, "acsa.may_provide", {"provider": provider, "category": category, "context": context}, what
        )

    def _do_rear_support(self, action: Action, party: str) -> Event:
        area, combat = str(action.args["area"]), str(action.args["combat"])
        where, fighting = self._label(area, vocabulary=AREA_LABELS), self._label(combat, vocabulary=COMBAT_LABELS)
        what = Text(
            f"後方支援（{where.ja}、{fighting.ja}場合）", f"logistics support in {where.en}, where {fighting.en}"
        )
        return self._judge(action, party, "rear_support.may_provide", {"area": area, "combat": combat}, what)

    def _do_protect(self, action: Action, party: str) -> Event:
        case_id = self._case(action)
        args = action.args
        act = self._label(str(args["activity"]))
        whose = in_sentence(str(args["protected_party"]), self._label(str(args["protected_party"])))
        asset = self._label(str(args["asset"]), vocabulary=protection.ASSET_LABELS)
        by = self._label(str(args["by"]), vocabulary=protection.ASSET_LABELS)
        what = Text(
            f"武器等防護（{act.ja}、{whose.ja}の{asset.ja}を自衛隊の{by.ja}で）",
            f"asset protection ({act.en}: {asset.en} of {whose.en} protected by SDF {by.en})",
        )
        with self.work(party) as w:
            rec = protection.request_protection(
                w,
                protected_party=str(args["protected_party"]),
                activity=str(args["activity"]),
                protected_asset=str(args["asset"]),
                protecting_asset=str(args["by"]),
                requested_on=self.scenario.date,
                requesting_unit=str(args.get("unit", "")),
                exercise=self.scope,
                marking=self.marking,
            )
            if rec["status"] == "requested":  # the run plays Japan's Minister and the SDF, whoever asked
                protection.decide_protection(w, rec["id"], True, self.scenario.date, exercise=self.scope, party="jpn")
                protection.carry_out(w, rec["id"], self.scenario.date, "", exercise=self.scope, party="jpn")
        answer = rec["check"]
        refused = rec["status"] == "refused_by_law"
        with self.work(party) as w:
            co.record_answer(w, case_id, answer, refused, what, self.clock, exercise=self.scope)
        if not refused:
            what = Text(
                what.ja + "：防衛大臣が承認し実施", what.en + ": approved by the Minister of Defense and carried out"
            )
        body = Text(f"{'不可' if refused else '可'}：{what.ja}", f"{'Refused' if refused else 'Allowed'}: {what.en}")
        return self._event(action, party, "refused" if refused else "allowed", body, answer["reasons"])

    def _do_book(self, action: Action, party: str) -> Event:
        facility = str(action.args["facility"])
        name = label_json(self.fw, facility)
        hours = int(action.args["hours"])
        what = Text(f"{name['ja']}の使用予約（{hours}時間）", f"booking of {name['en']} ({hours} h)")
        try:
            with self.work(party) as w:
                facility_json = facilities.facility_json(self.fw, facility) if facility in self.fw else None
                facilities.book(
                    w,
                    facility,
                    party,
                    self.clock,
                    self.clock + dt.timedelta(hours=hours),
                    unit=str(action.args.get("unit", "")),
                    purpose=str(action.args.get("purpose", "")),
                    exercise=self.scope,
                    marking=self.marking,
                )
        except WorkError as exc:
            cites = facility_json["citations"] if facility_json else []
            exc.details["citations"] = cites
            return self._refusal(action, party, what, exc)
        reasons = [
            {"ja": name["ja"], "en": name["en"], "citations": facility_json["citations"] if facility_json else []}
        ]
        return self._event(action, party, "allowed", Text(f"可：{what.ja}", f"Allowed: {what.en}"), reasons)

    def _do_close_case(self, action: Action, party: str) -> Event:
        with self.work(party) as w:
            co.close_case(w, self._case(action), self.clock, exercise=self.scope)
        return self._event(action, party, "done", Text("案件を終了", "Case closed"))

    # -- results -------------------------------------------------------------------------------

    def result(self) -> dict[str, Any]:
        from anpo.security.principal import system_principal

        def collect(w: Work) -> tuple[list[dict[str, Any]], dict[str, Any], list[dict[str, Any]]]:
            cases = [co.case_json(w, co.get_case(w, cid), with_questions=True) for cid in self.case_ids.values()]
            report = protection.yearly_report(w, self.scenario.date.year, exercise=self.scope)
            return cases, report, facilities.list_bookings(w, exercise=self.scope)

        if self.session is not None:
            cases, report, bookings = collect(Work(self.fw, self.session, self.actor or system_principal()))
        else:
            with transaction(self.factory) as session:
                cases, report, bookings = collect(Work(self.fw, session, system_principal()))
        events = [e.as_json() for e in self.events]
        refusals = [e for e in events if e["outcome"] == "refused"]
        unmet = [e for e in events if e["expectation_met"] is False]
        s = self.scenario
        from anpo.security.markings import Levels

        banner = Levels(self.fw).banner(self.marking)
        return {
            "marking": {
                "level": self.marking.level,
                "releasable_to": sorted(self.marking.releasable_to),
                "banner": banner.as_json(),
            },
            "scenario": {
                "id": s.id,
                "title": s.title.as_json(),
                "summary": s.summary.as_json(),
                "date": s.date.isoformat(),
                "start": s.start.isoformat(timespec="minutes"),
                "sources": list(s.sources),
            },
            "seed": self.seed,
            "timeline": events,
            "refusals": refusals,
            "expectations": {"checked": sum(1 for e in events if e["expected"]), "unmet": unmet},
            "cases": cases,
            "protection": report,
            "bookings": bookings,
            "counts": {
                "events": len(events),
                "actions": sum(1 for e in events if e["kind"] == "action"),
                "refusals": len(refusals),
            },
        }


def exercise_engine(url: str | None = None) -> Engine:
    """A private in-memory database for a scripted run (or the database at `url`), migrated."""
    from anpo.store.migrate import upgrade

    engine = make_engine(url) if url else make_engine("sqlite://", poolclass=StaticPool)
    upgrade(engine)
    return engine


def run_scripted(scenario: Scenario, seed: int, fw: Framework, url: str | None = None) -> dict[str, Any]:
    """Play the scenario in one transaction: a run refused halfway (into the database at `url`)
    leaves none of its records (it left those of the actions before, and the same run again was
    refused as "case already exists")."""
    engine = exercise_engine(url)
    try:
        with transaction(session_factory(engine)) as session:
            run = Run(scenario, seed, fw, session=session)
            run.play()
            return run.result()
    finally:
        engine.dispose()
