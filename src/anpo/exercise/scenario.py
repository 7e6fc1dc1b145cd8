"""A scenario file: the exercise's date (whose law applies), its cases, and timed injects with the
scripted players' actions. Every problem in a file is reported at once, each with its place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from anpo.framework.model import Text

SCENARIO_DIR = Path(__file__).parent / "scenarios"
# action -> (required keys, optional keys)
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "open_case": (("case",), ("party",)),
    "message": (("case", "party", "text"), ()),
    "decision": (("case", "party", "text"), ()),
    "tasking": (("case", "party", "text"), ("to",)),
    "determine": (("case", "situation"), ("party", "cabinet_decision", "diet_approval", "decided_by")),
    "ask": (("case", "question"), ("party", "params")),
    "supply": (("case", "provider", "category"), ("party", "context", "text")),
    "protect": (("case", "protected_party", "activity", "asset", "by"), ("party", "unit", "text")),
    "rear_support": (("case", "area", "combat"), ("party", "text")),
    "book": (("case", "facility", "party", "hours"), ("unit", "purpose")),
    "close_case": (("case",), ("party",)),
    "choose": (("options",), ()),
}
COMMON = ("do", "expect", "after")
EXPECT = ("allowed", "refused")


class ScenarioError(ValueError):
    """A scenario file that cannot be run; `problems` lists every one with its place."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.text = Text(
            "シナリオに問題があります:\n" + "\n".join(problems), "problems in the scenario:\n" + "\n".join(problems)
        )
        super().__init__(self.text.en)


@dataclass(frozen=True)
class Action:
    do: str
    args: dict[str, Any]
    expect: str | None = None
    after: int = 0  # minutes after the inject (before the seeded jitter)


@dataclass(frozen=True)
class Inject:
    id: str
    at: int  # minutes from the start
    text: Text
    actions: tuple[Action, ...]
    jitter: int = 0  # each action is delayed by a seeded 0..jitter minutes


@dataclass(frozen=True)
class CaseSpec:
    key: str
    title: Text
    case_type: str
    level: str


@dataclass(frozen=True)
class Scenario:
    id: str
    title: Text
    summary: Text
    date: dt.date
    start: dt.datetime
    cases: dict[str, CaseSpec]
    injects: tuple[Inject, ...]
    path: str = ""
    sources: tuple[str, ...] = field(default=())


def _text(value: Any, where: str, problems: list[str]) -> Text:
    if isinstance(value, dict) and isinstance(value.get("ja"), str) and isinstance(value.get("en"), str):
        return Text(value["ja"], value["en"])
    problems.append(f"{where}: needs a text with both ja and en / 日本語(ja)と英語(en)の両方が必要です")
    return Text("", "")


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        data = p.read_bytes()
        raw = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:  # was a traceback: the line of the first bad byte
        line, byte = data.count(b"\n", 0, exc.start) + 1, f"0x{data[exc.start]:02x}"
        problem = f"{p}:{line}: a byte that is not UTF-8 ({byte}) / UTF-8ではないバイト {byte} があります"
        raise ScenarioError([problem]) from exc
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError([f"{p}: {exc}"]) from exc
    return parse_scenario(raw, str(p))


def parse_scenario(raw: Any, where: str) -> Scenario:
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ScenarioError([f"{where}: a scenario is a mapping / シナリオはマッピングです"])
    allowed = {"id", "title", "summary", "date", "start", "cases", "injects", "sources"}
    problems += [f"{where}: unknown key '{k}' (allowed: {', '.join(sorted(allowed))})" for k in raw if k not in allowed]
    for key in ("id", "title", "date", "start", "cases", "injects"):
        if key not in raw:
            problems.append(f"{where}: missing key '{key}'")
    if problems:
        raise ScenarioError(problems)
    date = raw["date"]
    if not isinstance(date, dt.date):
        problems.append(f"{where}: date: expected YYYY-MM-DD")
        date = dt.date(2000, 1, 1)
    try:
        start = dt.datetime.fromisoformat(str(raw["start"]))
    except ValueError:
        problems.append(f"{where}: start: expected YYYY-MM-DDTHH:MM")
        start = dt.datetime(2000, 1, 1)
    cases: dict[str, CaseSpec] = {}
    for key, spec in (raw["cases"] or {}).items():
        w = f"{where}: cases.{key}"
        if not isinstance(spec, dict) or not {"title", "type", "level"} <= set(spec):
            problems.append(f"{w}: needs title, type and level")
            continue
        cases[key] = CaseSpec(key, _text(spec["title"], w, problems), str(spec["type"]), str(spec["level"]))
    injects = []
    last = -1
    for i, item in enumerate(raw["injects"] or []):
        w = f"{where}: injects[{i}]"
        if not isinstance(item, dict) or "id" not in item or "at" not in item:
            problems.append(f"{w}: needs id and at (minutes from the start)")
            continue
        at = item["at"]
        if not isinstance(at, int) or at < last:
            problems.append(f"{w}: at must be a whole number of minutes, not before the previous inject")
            at = max(last, 0)
        last = at
        actions = tuple(parse_actions(item.get("actions") or [], f"{w}.actions", cases, problems))
        injects.append(
            Inject(
                str(item["id"]), at, _text(item.get("text"), f"{w}.text", problems), actions, int(item.get("jitter", 0))
            )
        )
    title = _text(raw["title"], f"{where}: title", problems)
    summary = _text(raw.get("summary", {"ja": "", "en": ""}), f"{where}: summary", problems)
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        id=str(raw["id"]),
        title=title,
        summary=summary,
        date=date,
        start=start,
        cases=cases,
        injects=tuple(injects),
        path=where,
        sources=tuple(str(s) for s in raw.get("sources", [])),
    )


def parse_actions(items: list[Any], where: str, cases: dict[str, CaseSpec], problems: list[str]) -> list[Action]:
    """Check and build actions (of a file, or of a live player's form); problems are appended."""
    out = []
    for j, item in enumerate(items):
        w = f"{where}[{j}]"
        if not isinstance(item, dict) or item.get("do") not in ACTIONS:
            problems.append(f"{w}: 'do' must be one of {', '.join(ACTIONS)}")
            continue
        required, optional = ACTIONS[item["do"]]
        for key in required:
            if key not in item:
                problems.append(f"{w}: {item['do']} needs '{key}'")
        for key in item:
            if key not in required + optional + COMMON:
                problems.append(f"{w}: unknown key '{key}' for {item['do']}")
        if "case" in item and item["case"] not in cases:
            problems.append(f"{w}: unknown case '{item['case']}' (defined: {', '.join(cases)})")
        if item.get("expect") not in (None, *EXPECT):
            problems.append(f"{w}: expect must be allowed or refused")
        args = {k: v for k, v in item.items() if k not in COMMON}
        if item["do"] == "choose":
            options = []
            for k, opt in enumerate(item.get("options") or []):
                if not isinstance(opt, dict) or not isinstance(opt.get("weight", 1), int):
                    problems.append(f"{w}.options[{k}]: needs weight (int) and actions")
                    continue
                options.append(
                    (
                        int(opt.get("weight", 1)),
                        tuple(parse_actions(opt.get("actions") or [], f"{w}.options[{k}]", cases, problems)),
                    )
                )
            args = {"options": options}
        for key in ("text",):
            if key in args:
                args[key] = _text(args[key], f"{w}.{key}", problems)
        out.append(Action(item["do"], args, item.get("expect"), int(item.get("after", 0))))
    return out


def shipped() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml"))
