"""A scenario file: the exercise's date (whose law applies), its cases, and timed injects with the
scripted players' actions. Every problem in a file is reported at once, each with its place."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anpo.framework.model import Text
from anpo.framework.yamlsrc import LineMap, YamlFileError, read_yaml_file

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
    where: str = ""  # its file, line and place, to name them when the run refuses it


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


# A scenario's times (at, after, jitter) are minutes: hours to days of play. A year is generous, and
# bounds them so every time of the run is still a date (a huge `at` was an OverflowError).
MAX_MINUTES = 366 * 24 * 60
MAX_HOURS = 24 * 31  # a booking's hours, as a live player's (`anpo.exercise.live`)
# The scenario id and the case keys name the run's records (`ex_<id>_<seed>_<key>`, 64 characters at
# most): a longer one made PostgreSQL refuse the first case, with a traceback. Lowercase snake_case:
# the id also names the report files (`aar_<id>_seed<n>.json`), so it holds no `/`.
ID_CHARS = 24
_ID = re.compile(r"[a-z][a-z0-9_]*")
PARTIES = ("jpn", "usa")


def _place(file: str, path: str, node: Any = None, key: str | None = None, line: int = 0) -> str:
    """`file:line: path`: the line of `key` in `node`, or of `node` (a mapping read with its lines);
    else `line`; `file: path` without one, and `path` alone for an action from no file (a live form)."""
    if isinstance(node, LineMap):
        line = node.line_of(key) if key is not None else node.line
    if not file:
        return path
    return f"{file}:{line}: {path}" if line else f"{file}: {path}"


def _line(node: Any, key: str) -> int:
    return node.line_of(key) if isinstance(node, LineMap) else 0


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= ID_CHARS and _ID.fullmatch(value) is not None


def _minutes(value: Any, where: str, what: str, problems: list[str]) -> int:
    """A whole number of minutes from 0 to MAX_MINUTES (`true` is not one: YAML reads it as 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MINUTES:
        problems.append(
            f"{where}: {what} must be a whole number of minutes from 0 to {MAX_MINUTES} "
            f"/ {what}は0〜{MAX_MINUTES}の整数（分）です"
        )
        return 0
    return value


def _duplicates(node: Any, file: str, problems: list[str], seen: set[int]) -> None:
    """Every key given twice in a mapping of the file (YAML keeps the last one, silently)."""
    if id(node) in seen:  # an alias points back to a node already walked (`&a [*a]`)
        return
    seen.add(id(node))
    if isinstance(node, LineMap):
        problems += [f"{file}:{line}: duplicate key '{k}' / キー「{k}」が重複しています" for k, line in node.duplicates]
    if isinstance(node, dict):
        for value in node.values():
            _duplicates(value, file, problems, seen)
    elif isinstance(node, list):
        for value in node:
            _duplicates(value, file, problems, seen)


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        raw = read_yaml_file(p)  # with the lines of its mappings and keys: every problem names its line
    except YamlFileError as exc:
        raise ScenarioError([_unreadable(p, exc)]) from exc
    problems: list[str] = []
    _duplicates(raw, str(p), problems, set())
    if problems:
        raise ScenarioError(problems)
    return parse_scenario(raw, str(p))


def _unreadable(p: Path, exc: YamlFileError) -> str:
    """Why a scenario file could not be read, parsed or decoded, with its file and line."""
    if exc.key == "load.not_utf8":  # was a traceback: the line of the first bad byte
        byte = exc.params["byte"]
        return f"{p}:{exc.line}: a byte that is not UTF-8 ({byte}) / UTF-8ではないバイト {byte} があります"
    if exc.key == "load.yaml_syntax":
        detail = exc.params["detail"]
        return f"{p}:{exc.line}: YAML syntax error: {detail.en} / YAMLの構文エラー: {detail.ja}"
    reason = exc.params["detail"]  # a directory, a file that does not exist or may not be read
    return f"{p}: cannot read the file: {reason} / ファイルを読めません: {reason}"


def parse_scenario(raw: Any, where: str) -> Scenario:
    from anpo.dates import LATEST
    from anpo.work.coordination import CASE_TYPES, LEVELS

    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ScenarioError([f"{_place(where, '', raw)}a scenario is a mapping / シナリオはマッピングです"])
    allowed = {"id", "title", "summary", "date", "start", "cases", "injects", "sources"}
    problems += [
        f"{_place(where, 'scenario', raw, k)}: unknown key '{k}' (allowed: {', '.join(sorted(allowed))}) / 不明なキー「{k}」"
        for k in raw
        if k not in allowed
    ]
    for key in ("id", "title", "date", "start", "cases", "injects"):
        if key not in raw:
            problems.append(f"{_place(where, 'scenario', raw)}: missing key '{key}' / 必須のキー「{key}」がありません")
    if problems:
        raise ScenarioError(problems)

    def at(key: str, item: Any = raw) -> str:
        return _place(where, key, item, key)

    if not _is_id(raw["id"]):
        problems.append(
            f"{at('id')}: lowercase snake_case of at most {ID_CHARS} characters / {ID_CHARS}文字以内の小文字snake_case"
        )
    date = raw["date"]
    # a date, not a date and time (it was compared with the law's dates: a TypeError), up to LATEST
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime) or date > LATEST:
        problems.append(f"{at('date')}: expected YYYY-MM-DD up to {LATEST} / 日付（YYYY-MM-DD）")
        date = dt.date(2000, 1, 1)
    try:
        start = dt.datetime.fromisoformat(str(raw["start"]))
        # local time without an offset, as every time in the database (PostgreSQL shifted one with an offset)
        if start.tzinfo is not None or start.date() > LATEST:
            raise ValueError(start)
    except ValueError:
        problems.append(f"{at('start')}: expected YYYY-MM-DDTHH:MM / 開始日時（YYYY-MM-DDTHH:MM）")
        start = dt.datetime(2000, 1, 1)
    cases: dict[str, CaseSpec] = {}
    specs = raw["cases"] or {}
    if not isinstance(specs, dict):  # a list was an AttributeError
        problems.append(f"{at('cases')}: a mapping of case keys / 案件キーのマッピングです")
        specs = {}
    for key, spec in specs.items():
        w = _place(where, f"cases.{key}", specs, key)
        if not _is_id(key):
            problems.append(
                f"{w}: a case key is lowercase snake_case of at most {ID_CHARS} characters / 案件キーの形式"
            )
            continue
        if not isinstance(spec, dict) or set(spec) != {"title", "type", "level"}:
            problems.append(f"{w}: needs title, type and level (only) / title, type, levelが必要です")
            continue
        # checked here, with the line: at run time they failed at the open_case, after earlier records
        if not isinstance(spec["type"], str) or spec["type"] not in CASE_TYPES:
            problems.append(f"{w}: unknown type '{spec['type']}' (allowed: {', '.join(CASE_TYPES)}) / 不明な種類")
        if not isinstance(spec["level"], str) or spec["level"] not in LEVELS:
            problems.append(f"{w}: unknown level '{spec['level']}' (allowed: {', '.join(LEVELS)}) / 不明な階層")
        cases[key] = CaseSpec(key, _text(spec["title"], w, problems), str(spec["type"]), str(spec["level"]))
    injects = []
    items = raw["injects"] or []
    if not isinstance(items, list):
        problems.append(f"{at('injects')}: a list / リストです")
        items = []
    last = -1
    ids: set[str] = set()
    for i, item in enumerate(items):
        w = _place(where, f"injects[{i}]", item)
        if not isinstance(item, dict) or "id" not in item or "at" not in item:
            problems.append(f"{w}: needs id and at (minutes from the start) / idとat（開始からの分）が必要です")
            continue
        problems += [
            f"{_place(where, f'injects[{i}]', item, k)}: unknown key '{k}' / 不明なキー「{k}」"
            for k in item
            if k not in ("id", "at", "text", "jitter", "actions")
        ]
        if not _is_id(item["id"]) or item["id"] in ids:  # the timeline names its inject by id
            problems.append(f"{w}: id: a new lowercase snake_case id / 重複しない小文字snake_caseのid")
        ids.add(str(item["id"]))
        minute = _minutes(item["at"], w, "at", problems)
        if minute < last and minute == item["at"]:  # (a bad `at` is reported once, above)
            problems.append(
                f"{w}: at must be a whole number of minutes, not before the previous inject / 前の状況付与より前です"
            )
        last = minute = max(minute, last)
        actions = tuple(
            parse_actions(
                item.get("actions") or [], f"injects[{i}].actions", cases, problems, where, _line(item, "actions")
            )
        )
        jitter = _minutes(item.get("jitter", 0), w, "jitter", problems)
        text = _text(item.get("text"), f"{w}.text", problems)
        injects.append(Inject(str(item["id"]), minute, text, actions, jitter))
    title = _text(raw["title"], at("title"), problems)
    summary = _text(raw.get("summary", {"ja": "", "en": ""}), at("summary"), problems)
    sources = raw.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):  # `sources: 5`: a TypeError
        problems.append(f"{at('sources')}: a list of source ids / 出典IDのリストです")
        sources = []
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
        sources=tuple(sources),
    )


def parse_actions(
    items: Any, where: str, cases: dict[str, CaseSpec], problems: list[str], file: str = "", line: int = 0
) -> list[Action]:
    """Check and build actions (of a file, or of a live player's form); problems are appended,
    each with its file and line when the actions come from `file` (`line`: of the list)."""
    out: list[Action] = []
    if not isinstance(items, list):  # a mapping was read as its keys
        problems.append(f"{_place(file, where, line=line)}: a list / リストです")
        return out
    for j, item in enumerate(items):
        w = _place(file, f"{where}[{j}]", item, line=line)
        do = item.get("do") if isinstance(item, dict) else None
        if not isinstance(do, str) or do not in ACTIONS:  # `do: [x]` was unhashable: a TypeError
            problems.append(f"{w}: 'do' must be one of {', '.join(ACTIONS)} / doの値が不正です")
            continue
        required, optional = ACTIONS[do]
        for key in required:
            if key not in item:
                problems.append(f"{w}: {do} needs '{key}' / 「{key}」が必要です")
        for key in item:
            if key not in required + optional + COMMON:
                problems.append(
                    f"{_place(file, f'{where}[{j}]', item, key)}: unknown key '{key}' for {do} / 不明なキー「{key}」"
                )
        if "case" in item and (not isinstance(item["case"], str) or item["case"] not in cases):
            defined = ", ".join(map(str, cases))
            problems.append(
                f"{w}: unknown case '{item['case']}' (defined: {defined}) / 案件「{item['case']}」は定義されていません"
            )
        if "party" in item and item["party"] not in PARTIES:  # was stored as the party of the entry
            problems.append(f"{w}: party must be jpn or usa / 当事国はjpnかusaです")
        if item.get("expect") not in (None, *EXPECT):
            problems.append(f"{w}: expect must be allowed or refused / expectはallowedかrefusedです")
        if do == "book" and "hours" in item:  # `hours: abc` and a huge number were tracebacks in the run
            hours = item["hours"]
            if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= MAX_HOURS:
                problems.append(
                    f"{w}: hours must be a whole number from 1 to {MAX_HOURS} / 時間は1〜{MAX_HOURS}の整数です"
                )
        for flag in ("cabinet_decision", "diet_approval"):  # `yes`, "no" or a date was read by its truth
            if flag in item and not isinstance(item[flag], bool):
                problems.append(f"{w}: {flag} must be true or false / {flag}はtrueかfalseです")
        if do == "ask" and not isinstance(item.get("params") or {}, dict):  # a list was an AttributeError
            problems.append(f"{w}: params: a mapping of name: value / name: value のマッピングです")
        after = _minutes(item.get("after", 0), w, "after", problems)
        args = {k: v for k, v in item.items() if k not in COMMON}
        if do == "choose":
            options = []
            for k, opt in enumerate(item.get("options") or []):
                weight = opt.get("weight", 1) if isinstance(opt, dict) else None
                if isinstance(weight, bool) or not isinstance(weight, int) or weight < 0:
                    problems.append(
                        f"{w}.options[{k}]: needs weight (a whole number from 0) and actions / weightとactionsが必要です"
                    )
                    continue
                options.append(
                    (
                        weight,
                        tuple(
                            parse_actions(
                                opt.get("actions") or [],
                                f"{where}[{j}].options[{k}]",
                                cases,
                                problems,
                                file,
                                _line(opt, "actions") or line,
                            )
                        ),
                    )
                )
            if sum(o[0] for o in options) <= 0:  # none to choose from: a ValueError in the run
                problems.append(f"{w}: choose needs an option of weight above 0 / 重みが0より大きい選択肢が必要です")
            args = {"options": options}
        for key in ("text",):
            if key in args:
                args[key] = _text(args[key], f"{w}.{key}", problems)
        out.append(Action(do, args, item.get("expect"), after, w))
    return out


def shipped() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml"))
