"""Live tabletop runs: an exercise controller starts a shipped scenario in the web app and steps
its injects; players of either side act (messages, determinations, requests for support or
protection, questions); the engine answers the legal question each action raises as of the
scenario's date and situation, and refuses what the law does not allow.

A run's state (clock, next inject, its cases and the timeline) is one database row, updated in
the same transaction as the records the action writes, so several server processes agree and a
refused or failed action leaves nothing behind. The run's cases are ordinary coordination cases
(their logs are live on the case pages); its protection records and bookings are kept apart from
the real ones. Every call checks `anpo.security.access` and every write is audited.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select

from anpo.exercise.engine import Event, Run
from anpo.exercise.scenario import ACTIONS, Action, Scenario, ScenarioError, load_scenario, parse_actions, shipped
from anpo.framework.framework import Framework
from anpo.framework.model import Text
from anpo.i18n import msg
from anpo.security.markings import PUBLIC, Marking
from anpo.security.principal import Principal
from anpo.work.common import Work, WorkError, marking_json
from anpo.work.ids import new_id
from anpo.work.tables import ExerciseRun, dump, load

CONTROL = "work.exercise.control"
ACT = "work.exercise.act"
# What a player may do live ("choose" is a script's device; opening and closing is the controller's).
PLAYER_ACTIONS = tuple(a for a in ACTIONS if a not in ("choose", "open_case", "close_case"))
CONTROLLER_ACTIONS = tuple(a for a in ACTIONS if a != "choose")
# An action's yes/no fields: JSON true or false only (any other value was read as false)
FLAGS = ("cabinet_decision", "diet_approval")
ACTION_LABELS: dict[str, Text] = {
    "open_case": Text("案件を開始", "open a case"),
    "message": Text("連絡", "message"),
    "decision": Text("決定", "decision"),
    "tasking": Text("任務付与", "tasking"),
    "determine": Text("事態の認定", "determine a situation"),
    "ask": Text("法的な問い", "ask a legal question"),
    "supply": Text("物品・役務の提供（ACSA）", "supplies and services (ACSA)"),
    "protect": Text("武器等防護の要請", "request asset protection"),
    "rear_support": Text("後方支援", "logistics (rear area) support"),
    "book": Text("施設の使用予約", "book a facility"),
    "close_case": Text("案件を終了", "close a case"),
}
FIELD_LABELS: dict[str, Text] = {
    "case": Text("案件", "case"),
    "text_ja": Text("本文（日本語）", "text (Japanese)"),
    "text_en": Text("本文（英語）", "text (English)"),
    "to": Text("宛先", "to"),
    "situation": Text("事態", "situation"),
    "cabinet_decision": Text("閣議決定あり", "Cabinet decision"),
    "diet_approval": Text("国会承認あり", "Diet approval"),
    "decided_by": Text("決定者", "decided by"),
    "question": Text("問い", "question"),
    "params": Text("パラメータ（name=value）", "parameters (name=value)"),
    "provider": Text("提供国", "provider"),
    "category": Text("区分", "category"),
    "context": Text("場面", "context"),
    "protected_party": Text("防護される部隊の国", "protected party"),
    "activity": Text("活動", "activity"),
    "asset": Text("防護対象", "asset"),
    "by": Text("警護する装備", "protecting asset"),
    "unit": Text("部隊", "unit"),
    "area": Text("地域", "area"),
    "combat": Text("戦闘", "combat"),
    "facility": Text("施設", "facility"),
    "hours": Text("時間", "hours"),
    "purpose": Text("目的", "purpose"),
}


# Form fields whose values are those a question allows: (question, parameter).
FIELD_CHOICES = {
    "provider": ("acsa.may_provide", "provider"),
    "category": ("acsa.may_provide", "category"),
    "context": ("acsa.may_provide", "context"),
    "protected_party": ("sdf.may_protect_assets", "protected_party"),
    "activity": ("sdf.may_protect_assets", "activity"),
    "area": ("rear_support.may_provide", "area"),
    "combat": ("rear_support.may_provide", "combat"),
    "situation": ("situation.requirements", "situation"),
}


def choices(fw: Framework) -> dict[str, list[str]]:
    """The values a player may pick for each field (shown as suggestions in the form)."""
    from anpo.rules.core import all_questions, get_question
    from anpo.work.protection import ASSETS

    out: dict[str, list[str]] = {}
    for field, (question, param) in FIELD_CHOICES.items():
        p = next(p for p in get_question(question).params if p.name == param)
        out[field] = list(p.allowed(fw))
    out["question"] = [q.name for q in all_questions()]
    out["asset"] = out["by"] = list(ASSETS)
    out["facility"] = sorted(e.id for e in fw.of_kind("facility"))
    return out


def choice_labels(fw: Framework, on: dt.date | None = None) -> dict[str, dict[str, Text]]:
    """The words of each field's choices (`choices`), for the form to show instead of ids: a
    question by its summary, an asset kind, area or combat by its rules' label, any other value by
    the framework's label as of `on` (the value itself when it has none)."""
    from anpo.exercise.engine import PARAM_LABELS
    from anpo.rules.core import get_question
    from anpo.work.common import label_json
    from anpo.work.protection import ASSET_LABELS

    vocabularies: dict[str, dict[str, Text]] = {"asset": ASSET_LABELS, "by": ASSET_LABELS, **PARAM_LABELS}
    out: dict[str, dict[str, Text]] = {}
    for field, values in choices(fw).items():
        words: dict[str, Text] = {}
        for value in values:
            if field == "question":
                words[value] = get_question(value).summary
            elif value in vocabularies.get(field, {}):
                words[value] = vocabularies[field][value]
            else:
                name = label_json(fw, value, on)
                words[value] = Text(name["ja"], name["en"])
        out[field] = words
    return out


def scenarios() -> dict[str, Scenario]:
    """The shipped scenarios by id (a live run starts only from one of these, never from a path)."""
    out = {}
    for path in shipped():
        s = load_scenario(path)
        out[s.id] = s
    return out


def _scenario(scenario_id: str) -> Scenario:
    known = scenarios()
    if scenario_id not in known:
        raise WorkError(
            Text(
                f"シナリオ「{scenario_id}」は不明です（{', '.join(known)}）",
                f"unknown scenario '{scenario_id}' (allowed: {', '.join(known)})",
            )
        )
    return known[scenario_id]


def _row(w: Work, run_id: str, lock: bool = False, action: str = "read") -> ExerciseRun:
    row = w.session.get(ExerciseRun, run_id, with_for_update=lock)
    if row is None or not w.read("exercise_run", run_id, row.marking, action):
        raise WorkError(Text(f"演習「{run_id}」はありません", f"no exercise run '{run_id}'"), code="not_found")
    return row


def _engine(w: Work, row: ExerciseRun, actor: Principal | None) -> Run:
    run = Run(_scenario(row.scenario), row.seed, w.fw, scope=row.id, session=w.session, actor=actor)
    run.denied = w.denied
    run.marking = row.marking
    run.case_ids = dict(load(row.case_ids) or {})
    run.events = [Event.from_json(e) for e in load(row.events) or []]
    run.clock = row.clock
    return run


def _save(row: ExerciseRun, run: Run) -> None:
    row.case_ids = dump(run.case_ids)
    row.events = json.dumps([e.as_json() for e in run.events], ensure_ascii=False)
    row.clock = run.clock


def start(
    w: Work, scenario_id: str, seed: int = 0, marking: Marking = PUBLIC, at: dt.datetime | None = None
) -> dict[str, Any]:
    """Start a live run of a shipped scenario; the caller becomes its controller. The run's
    marking is its cases', protection records' and bookings' too."""
    w.require(CONTROL, marking, ("exercise_run", scenario_id))
    scenario = _scenario(scenario_id)
    if not 0 <= seed <= 2**31 - 1:
        raise WorkError(Text("seedは0以上の整数です", "the seed is a whole number from 0"))
    w.serialise("work_exercise_runs")
    run_id = new_id(w.session, ExerciseRun, "run_")
    row = ExerciseRun(
        id=run_id,
        scenario=scenario.id,
        seed=seed,
        status="running",
        next_inject=0,
        clock=scenario.start,
        case_ids="{}",
        events="[]",
        controller=w.principal.user_id,
        started_at=(at or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0),
    )
    row.set_marking(marking)
    w.session.add(row)
    w.session.flush()
    w.audit(CONTROL, "exercise_run", run_id, marking, {"op": "start", "scenario": scenario.id, "seed": seed})
    return run_json(w, row)


def step(w: Work, run_id: str, play_script: bool = False) -> dict[str, Any]:
    """Release the next inject: the clock moves to it and its cases open. With `play_script` its
    scripted actions are played too (the controller stands in for absent players)."""
    row = _row(w, run_id, lock=True, action=CONTROL)
    w.require(CONTROL, row.marking, ("exercise_run", row.id))
    _running(row)
    scenario = _scenario(row.scenario)
    if row.next_inject >= len(scenario.injects):
        raise WorkError(Text("これ以上の状況付与はありません", "there are no more injects"), code="conflict")
    inject = scenario.injects[row.next_inject]
    run = _engine(w, row, None if play_script else w.principal)
    run.rng.seed(f"{row.seed}:{row.next_inject}")
    run.script_as = f"script({w.principal.user_id})"
    at = scenario.start + dt.timedelta(minutes=inject.at)
    run.clock = max(run.clock, at)
    run.events.append(Event(run.clock, inject.id, "inject", "inject", "control", "inject", inject.text))
    for action in inject.actions:
        if play_script:
            run._act(inject.id, at, action, inject.jitter)
        elif action.do == "open_case" and str(action.args["case"]) not in run.case_ids:
            run.act(inject.id, action)  # the controller opens the inject's cases; players do the rest
    row.next_inject += 1
    _save(row, run)
    w.audit(CONTROL, "exercise_run", row.id, row.marking, {"op": "step", "inject": inject.id, "script": play_script})
    return run_json(w, row)


def act(w: Work, run_id: str, form: dict[str, Any]) -> dict[str, Any]:
    """A player's action from a form (`do` and the action's fields); returns the event, a refusal
    included. Players act for their own party; the controller may act for either."""
    row = _row(w, run_id, lock=True, action=ACT)
    w.require(ACT, row.marking, ("exercise_run", row.id))
    _running(row)
    controller = w.principal.has_role("exercise_controller") or w.principal.has_role("administrator")
    allowed = CONTROLLER_ACTIONS if controller else PLAYER_ACTIONS
    do = str(form.get("do", ""))
    if do not in allowed:
        raise WorkError(
            Text(
                f"行動「{do}」は使えません（{', '.join(allowed)}）",
                f"unknown action '{do}' (allowed: {', '.join(allowed)})",
            )
        )
    party = str(form.get("party") or w.principal.party or "")
    if not controller and party != w.principal.party:
        w.denied.append((ACT, "exercise_run", row.id, row.marking))
        raise WorkError(
            Text("プレーヤーは自国の立場でのみ行動できます", "a player acts for their own party only"), code="forbidden"
        )
    if party not in ("jpn", "usa"):
        raise WorkError(Text("当事国（jpn, usa）が必要です", "a party is needed (jpn, usa)"))
    scenario = _scenario(row.scenario)
    action = _action(do, form, party, scenario)
    run = _engine(w, row, w.principal)
    # a run of a shipped scenario that has since lost injects (an upgrade) was an IndexError, a 500
    inject = scenario.injects[row.next_inject - 1].id if 0 < row.next_inject <= len(scenario.injects) else "-"
    event = run.act(inject, action)
    _save(row, run)
    w.audit(ACT, "exercise_run", row.id, row.marking, {"do": do, "outcome": event.outcome})
    return {"run": row.id, "event": event.as_json()}


def _action(do: str, form: dict[str, Any], party: str, scenario: Scenario) -> Action:
    """Build the action from form fields and check it as a scenario file's action is checked."""
    required, optional = ACTIONS[do]
    item: dict[str, Any] = {"do": do, "party": party}
    for key in required + optional:
        if key == "party":
            continue
        value = form.get(key)
        if value is None or value == "":
            if key == "text" and (form.get("text_ja") or form.get("text_en")):
                ja, en = str(form.get("text_ja") or ""), str(form.get("text_en") or "")
                item["text"] = {"ja": ja or en, "en": en or ja}
            continue
        if key == "text":
            item["text"] = value if isinstance(value, dict) else {"ja": str(value), "en": str(value)}
        elif key in FLAGS:
            if not isinstance(value, bool):  # "2024-06-10", "yesterday", "yes", 1 were read by spelling
                raise WorkError(msg("work.not_boolean", field=key))
            item[key] = value
        elif key == "hours":
            try:
                item[key] = int(value)
            except (TypeError, ValueError):
                item[key] = None
            if not isinstance(item[key], int) or not 1 <= item[key] <= 24 * 31:
                raise WorkError(Text("時間は1〜744の整数です", "hours must be a whole number from 1 to 744"))
        elif key == "params":
            item[key] = _params(value)
        else:
            item[key] = str(value)
    problems: list[str] = []
    actions = parse_actions([item], "action", scenario.cases, problems)
    if problems:
        texts = [_in_each_language(p) for p in problems]
        raise WorkError(
            Text(
                "行動に問題があります: " + "; ".join(j for j, _ in texts),
                "bad action: " + "; ".join(e for _, e in texts),
            )
        )
    return actions[0]


def _in_each_language(problem: str) -> tuple[str, str]:
    """A scenario problem, "place: English / 日本語" (a file's problems list both languages on
    each line), split into its Japanese and English: an API error gives each language its own."""
    place, sep, both = problem.partition(": ")
    en, slash, ja = both.rpartition(" / ")
    if not (sep and slash):
        return problem, problem
    return f"{place}: {ja}", f"{place}: {en}"


def _params(value: Any) -> dict[str, str]:
    """Question parameters as a mapping, or as text `name=value` separated by spaces, commas or lines."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    out = {}
    for part in str(value).replace(",", " ").split():
        name, sep, val = part.partition("=")
        if not sep or not name:
            raise WorkError(
                Text(f"パラメータ「{part}」は name=value の形で", f"parameter '{part}' must be written name=value")
            )
        out[name] = val
    return out


def end(w: Work, run_id: str) -> dict[str, Any]:
    row = _row(w, run_id, lock=True, action=CONTROL)
    w.require(CONTROL, row.marking, ("exercise_run", row.id))
    _running(row)
    row.status = "ended"
    w.audit(CONTROL, "exercise_run", row.id, row.marking, {"op": "end"})
    return run_json(w, row)


def _running(row: ExerciseRun) -> None:
    if row.status != "running":
        raise WorkError(Text("この演習は終了しています", "this exercise run has ended"), code="conflict")


def run_json(w: Work, row: ExerciseRun) -> dict[str, Any]:
    scenario = _scenario(row.scenario)
    events = load(row.events) or []
    nxt = scenario.injects[row.next_inject] if row.next_inject < len(scenario.injects) else None
    return {
        "id": row.id,
        "version": version(row),
        "scenario": {
            "id": scenario.id,
            "title": scenario.title.as_json(),
            "summary": scenario.summary.as_json(),
            "date": scenario.date.isoformat(),
        },
        "seed": row.seed,
        "status": row.status,
        "controller": row.controller,
        "clock": row.clock.isoformat(timespec="minutes"),
        "injects": {"released": row.next_inject, "total": len(scenario.injects)},
        "next_inject": {"id": nxt.id, "at": nxt.at} if nxt else None,
        "cases": {k: v for k, v in (load(row.case_ids) or {}).items()},
        "case_keys": {k: {"title": c.title.as_json(), "type": c.case_type} for k, c in scenario.cases.items()},
        "timeline": events,
        "refusals": [e for e in events if e["outcome"] == "refused"],
        "marking": marking_json(row.marking, w.levels),
    }


def version(row: ExerciseRun) -> str:
    return f"{len(load(row.events) or [])}.{row.next_inject}.{row.status}"


def run_marking(w: Work, run_id: str) -> Marking:
    """The marking of a run the caller may read, for a response that names it without its JSON
    (`get`'s "unchanged"); public for one it may not read, of which nothing is shown."""
    row = w.session.get(ExerciseRun, run_id)
    return row.marking if row is not None and w.can_read(row.marking) else PUBLIC


def get(w: Work, run_id: str, known: str | None = None) -> dict[str, Any]:
    """A run; with `known` (the `version` a page already shows) an unchanged run answers only
    that it is unchanged, so a page that polls is checked every time but audited once per change."""
    row = w.session.get(ExerciseRun, run_id)
    if known and row is not None and w.can_read(row.marking) and version(row) == known:
        return {"id": row.id, "version": known, "unchanged": True}
    return run_json(w, _row(w, run_id))


def list_runs(w: Work) -> list[dict[str, Any]]:
    rows = w.session.execute(select(ExerciseRun).order_by(ExerciseRun.started_at, ExerciseRun.id)).scalars()
    return [
        {
            "id": r.id,
            "scenario": r.scenario,
            "seed": r.seed,
            "status": r.status,
            "clock": r.clock.isoformat(timespec="minutes"),
            "controller": r.controller,
            "marking": marking_json(r.marking, w.levels),
        }
        for r in rows
        if w.can_read(r.marking)
    ]


def report(w: Work, run_id: str) -> dict[str, Any]:
    """The after-action report's data of a live run (the same shape as a scripted run's)."""
    row = _row(w, run_id)
    run = _engine(w, row, w.principal)
    result = run.result()
    result["run"] = {"id": row.id, "status": row.status, "controller": row.controller}
    return result


__all__ = ["ScenarioError", "act", "end", "get", "list_runs", "report", "run_marking", "scenarios", "start", "step"]
