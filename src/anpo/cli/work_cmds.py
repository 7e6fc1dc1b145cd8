"""Commands of the alliance's work: meetings, commitments, asset protection, coordination cases,
facilities and bookings, the calendar export and tabletop exercises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from anpo.cli.app import (
    JsonOpt,
    Lang,
    LangOpt,
    OnOpt,
    app,
    as_of,
    cannot_write,
    cite_line,
    emit,
    fail,
    framework,
    label,
    missing_database,
)
from anpo.framework.model import Text

if TYPE_CHECKING:
    from anpo.work.common import Work

meetings_app = typer.Typer(no_args_is_help=True, help="Meetings and their outcomes. / 会合と成果")
commitments_app = typer.Typer(no_args_is_help=True, help="Commitments made at meetings. / 会合での約束")
protection_app = typer.Typer(no_args_is_help=True, help="Asset protection (SDF Act Art. 95-2). / 武器等防護")
cases_app = typer.Typer(no_args_is_help=True, help="Coordination cases (ACM). / 調整案件")
facilities_app = typer.Typer(no_args_is_help=True, help="Facilities, joint use and bookings. / 施設・共同使用・予約")
calendar_app = typer.Typer(no_args_is_help=True, help="iCalendar export. / カレンダー出力")
exercise_app = typer.Typer(no_args_is_help=True, help="Exercises and tabletop runs. / 演習と机上演習")
for _sub, _name in (
    (meetings_app, "meetings"),
    (commitments_app, "commitments"),
    (protection_app, "protection"),
    (cases_app, "cases"),
    (facilities_app, "facilities"),
    (calendar_app, "calendar"),
    (exercise_app, "exercise"),
):
    app.add_typer(_sub, name=_name)

UrlOpt = Annotated[
    str | None, typer.Option("--url", help="Database URL (default: ANPO_DATABASE_URL or ./anpo.sqlite3). / 接続先")
]
NO_DB = Text(
    "データベースが初期化されていません。先に `anpo db init` を実行してください",
    "the database is not initialised: run `anpo db init` first",
)


@contextmanager
def work_session(url: str | None, lang: Lang, reading: bool = False) -> Iterator[Work]:
    """A Work context in one transaction as trusted local tooling; a refusal exits 2, nothing written;
    a database that does not exist or is not initialised exits 1 (as `users list` does). `reading`:
    a command that only reads (and records nothing: not one that reads a marked record by id, which
    is audited), in a snapshot that neither takes nor waits for SQLite's write lock (it waited for
    any writer, up to the 30 s busy timeout)."""
    from sqlalchemy import inspect

    import anpo.work  # noqa: F401  (registers the importer for `anpo db init`)
    from anpo.security.principal import system_principal
    from anpo.store.db import make_engine, read_only, session_factory, transaction
    from anpo.work.common import Work, WorkError

    fw = framework(lang)
    missing = missing_database(url)  # opening it would create an empty SQLite file, and leave it
    if missing is not None:
        fail(missing, lang, 1)
    engine = make_engine(url)
    try:
        if not inspect(read_only(engine)).has_table("work_meetings"):
            fail(NO_DB, lang, 1)
        with transaction(session_factory(read_only(engine) if reading else engine)) as session:
            yield Work(fw, session, system_principal())
    except WorkError as exc:
        fail(exc.text, lang)
    finally:
        engine.dispose()


def _t(data: Any, lang: Lang) -> str:
    return label(data, lang) if isinstance(data, dict) else str(data or "")


# -- meetings and commitments ----------------------------------------------------------------------


@meetings_app.command("list")
def meetings_list(
    start: Annotated[str | None, typer.Option("--from", help="First date (inclusive). / 開始日")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date (inclusive). / 終了日")] = None,
    body: Annotated[
        str | None, typer.Option("--body", help="Only meetings of this body (e.g. scc). / 協議の場")
    ] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Meetings over a period with their outcomes: what each body decided. / 期間中の会合と成果"""
    from anpo.work.consultations import list_meetings

    first = as_of(start, lang) if start else None
    last = as_of(end, lang) if end else None
    with work_session(url, lang, reading=True) as w:
        rows = list_meetings(w, first, last, body)

    def render() -> str:
        lines = []
        for m in rows:
            lines.append(f"{m['date']}  {_t(m['label'], lang)}  [{m['id']}]")
            lines += [f"    - {_t(o['text'], lang)}" for o in m["outcomes"]]
            lines += [f"    → {c}" for c in m["commitments"]]
        return "\n".join(lines) or ("（該当なし）" if lang == Lang.ja else "(none)")

    emit({"meetings": rows}, as_json, render)


@commitments_app.command("list")
def commitments_list(
    open_only: Annotated[
        bool, typer.Option("--open", help="Only commitments not yet done (open or late). / 未完了のみ")
    ] = False,
    late_only: Annotated[
        bool, typer.Option("--late", help="Only commitments past due and not done. / 期限超過のみ")
    ] = False,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", help="Only those owned by this body, mechanism, organisation, party or position. / 担当"
        ),
    ] = None,
    on: OnOpt = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Commitments as of a date with owner, due date, status and citations. / 約束の一覧（基準日時点）"""
    from anpo.work.consultations import list_commitments

    day = as_of(on, lang)
    with work_session(url, lang, reading=True) as w:
        rows = list_commitments(w, day, "late" if late_only else None, owner)
    if open_only:
        rows = [r for r in rows if r["status"] in ("open", "late")]

    def render() -> str:
        from anpo.i18n import msg

        lines = []
        for c in rows:
            done = f" · {DONE_ON.get(lang.value)} {c['done_on']} ← {c['done_by']['id']}" if c["done_by"] else ""
            status = msg(f"ui.work.status.{c['status']}").get(lang.value)
            if c["late"] and c["status"] == "done":
                status = DONE_LATE.get(lang.value)
            lines.append(f"[{status}] {_t(c['label'], lang)}  [{c['id']}]")
            lines.append(f"    {_t(c['owner']['label'], lang)} · {DUE.get(lang.value)} {c['due'] or '-'}{done}")
            lines.append(f"    {cite_line(c['citations'])}")
        return "\n".join(lines) or ("（該当なし）" if lang == Lang.ja else "(none)")

    emit({"on": day.isoformat(), "commitments": rows}, as_json, render)


# The words of a commitment's line (its status by `ui.work.status.*`).
DONE_LATE = Text("完了（期限後）", "Done late")
DUE = Text("期限", "due")
DONE_ON = Text("完了", "done")


@commitments_app.command("done")
def commitments_done(
    commitment: Annotated[str, typer.Argument(help="Commitment id. / 約束のID")],
    on: Annotated[str, typer.Option("--on", help="Date it was done. / 完了日")],
    by: Annotated[
        str | None, typer.Option("--by", help="Instrument, event or meeting that did it. / 完了させたもの")
    ] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Mark a commitment done. / 約束を完了にする"""
    from anpo.work.consultations import complete_commitment

    with work_session(url, lang) as w:
        row = complete_commitment(w, commitment, as_of(on, lang), by)
    emit(row, as_json, lambda: f"{row['id']}: {row['status']} {row['done_on']}")


MarkingOpt = Annotated[str, typer.Option("--marking", help="Marking level. / 区分")]
RelOpt = Annotated[str, typer.Option("--rel", help="Releasable to: jpn,usa. / 開示先")]


def _outcome_option(value: str, lang: Lang) -> tuple[str, Text]:
    """`--outcome 'ID|日本語|English'` as the outcome's id and text (exit 2 for anything else)."""
    parts = value.split("|")
    if len(parts) != 3:
        fail(
            Text(
                f"成果は「ID|日本語の文|英語の文」の形で指定してください（{value}）",
                f"give an outcome as 'ID|Japanese text|English text' ({value})",
            ),
            lang,
        )
    return parts[0].strip(), Text(parts[1].strip(), parts[2].strip())


@meetings_app.command("record")
def meetings_record(
    meeting: Annotated[str, typer.Argument(help="The new meeting's id (e.g. scc_2026_01). / 会合のID")],
    body: Annotated[str, typer.Option("--body", help="Consultation body or channel (e.g. scc). / 協議の場")],
    date: Annotated[str, typer.Option("--date", help="Date of the meeting. / 開催日")],
    label_ja: Annotated[str, typer.Option("--label-ja", help="Name in Japanese. / 名称（日本語）")],
    label_en: Annotated[str, typer.Option("--label-en", help="Name in English. / 名称（英語）")],
    source: Annotated[
        str,
        typer.Option("--source", help="Where it is known from: a pack source id, or a document's title or URL. / 出典"),
    ],
    locator: Annotated[str, typer.Option("--locator", help="Where in the source. / 出典の箇所")] = "",
    end: Annotated[str | None, typer.Option("--end-date", help="Last day, if more than one. / 終了日")] = None,
    venue_ja: Annotated[str, typer.Option("--venue-ja", help="Venue in Japanese. / 場所（日本語）")] = "",
    venue_en: Annotated[str, typer.Option("--venue-en", help="Venue in English. / 場所（英語）")] = "",
    mode: Annotated[str | None, typer.Option("--mode", help="in_person, telephone or video. / 形式")] = None,
    participant: Annotated[
        list[str] | None, typer.Option("--participant", help="A position taking part (repeatable). / 出席者の役職")
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="An outcome as 'ID|日本語|English' (repeatable). / 成果"),
    ] = None,
    marking: MarkingOpt = "public",
    rel: RelOpt = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Record a meeting of a consultation body (a new "2+2") with its outcomes. / 会合の記録"""
    from anpo.work.common import marking_of
    from anpo.work.consultations import record_meeting

    day, last = as_of(date, lang), as_of(end, lang) if end is not None else None
    outcomes = [_outcome_option(o, lang) for o in outcome or []]
    venue = Text(venue_ja, venue_en) if venue_ja or venue_en else None
    with work_session(url, lang) as w:
        row = record_meeting(
            w, meeting, body, day, Text(label_ja, label_en), source, locator=locator, end_date=last,
            venue=venue, mode=mode, participants=participant or [], outcomes=outcomes,
            marking=marking_of(marking, rel, w.levels),
        )  # fmt: skip

    def render() -> str:
        lines = [f"{row['date']}  {_t(row['label'], lang)}  [{row['id']}]"]
        lines += [f"    - {_t(o['text'], lang)}  [{o['key']}]" for o in row["outcomes"]]
        return "\n".join([*lines, f"    {cite_line(row['citations'])}"])

    emit(row, as_json, render)


@commitments_app.command("add")
def commitments_add(
    commitment: Annotated[str, typer.Argument(help="The new commitment's id. / 約束のID")],
    meeting: Annotated[str, typer.Option("--meeting", help="The meeting that made it. / 会合のID")],
    owner: Annotated[
        str,
        typer.Option("--owner", help="Who is tasked: a body, mechanism, organisation, party or position. / 担当"),
    ],
    label_ja: Annotated[str, typer.Option("--label-ja", help="What, in Japanese. / 内容（日本語）")],
    label_en: Annotated[str, typer.Option("--label-en", help="What, in English. / 内容（英語）")],
    due: Annotated[str | None, typer.Option("--due", help="Due date. / 期限")] = None,
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="The meeting's outcome it comes from (its id). / 成果")
    ] = None,
    marking: Annotated[
        str | None,
        typer.Option("--marking", help="Marking level (the meeting's when absent). / 区分（省略時は会合の区分）"),
    ] = None,
    rel: RelOpt = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Record a commitment a meeting made: who is tasked with what, by when. / 約束の記録"""
    from anpo.work.common import marking_of
    from anpo.work.consultations import add_commitment

    day = as_of(due, lang) if due is not None else None
    with work_session(url, lang) as w:
        row = add_commitment(
            w, commitment, meeting, owner, Text(label_ja, label_en), day, outcome,
            marking_of(marking, rel, w.levels) if marking is not None or rel else None,
        )  # fmt: skip

    def render() -> str:
        status = DUE.get(lang.value) + f" {row['due'] or '-'}"
        return f"{row['id']}: {_t(row['label'], lang)} · {_t(row['owner']['label'], lang)} · {status}"

    emit(row, as_json, render)


# -- asset protection -----------------------------------------------------------------------------


@protection_app.command("report")
def protection_report(
    year: Annotated[int, typer.Option("--year", help="Calendar year. / 年")],
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Asset protection carried out in a year, computed from the records. / 武器等防護の年次実績"""
    from anpo.work.protection import yearly_report

    with work_session(url, lang, reading=True) as w:
        report = yearly_report(w, year)

    def render() -> str:
        head = f"{year}年 武器等防護の警護実績" if lang == Lang.ja else f"Asset protection, {year} (SDF Act Art. 95-2)"
        lines = [head]
        for r in report["rows"]:
            lines.append(f"  {_t(r['occasion_label'], lang)}: {_t(r['label'], lang)} × {r['count']}")
            lines.append(f"      {cite_line(r['citations'])}")
        lines.append(f"  {'合計' if lang == Lang.ja else 'Total'}: {report['total']}")
        return "\n".join(lines)

    emit(report, as_json, render)


@protection_app.command("list")
def protection_list(
    year: Annotated[int | None, typer.Option("--year", help="Calendar year. / 年")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Asset-protection records: requests, checks, decisions, protection carried out. / 武器等防護の記録"""
    from anpo.work.protection import list_protection

    with work_session(url, lang, reading=True) as w:
        rows = list_protection(w, year)
    emit(
        {"records": rows},
        as_json,
        lambda: "\n".join(f"{r['id']}  {r['status']:<15} {r['activity']['id']} ×{r['occasions']}" for r in rows),
    )


@protection_app.command("request")
def protection_request(
    protected_party: Annotated[str, typer.Option("--party", help="Whose forces: usa or aus. / 防護される部隊の国")],
    activity: Annotated[str, typer.Option("--activity", help="Their activity (see `anpo vocab activity`). / 活動")],
    protected_asset: Annotated[str, typer.Option("--asset", help="ship, aircraft, vehicle or other. / 防護対象")],
    protecting_asset: Annotated[str, typer.Option("--by", help="ship, aircraft, vehicle or other. / 警護する装備")],
    on: Annotated[str, typer.Option("--on", help="Date of the request. / 要請日")],
    unit: Annotated[str, typer.Option("--unit", help="The requesting unit. / 要請部隊")] = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Record a request and check it against SDF Act Art. 95-2; exit 1 if the law does not allow it. / 要請と法的確認"""
    from anpo.work.protection import request_protection

    with work_session(url, lang) as w:
        row = request_protection(
            w,
            protected_party=protected_party,
            activity=activity,
            protected_asset=protected_asset,
            protecting_asset=protecting_asset,
            requested_on=as_of(on, lang),
            requesting_unit=unit,
        )
    emit(row, as_json, lambda: _protection_text(row, lang))
    if row["status"] == "refused_by_law":
        raise typer.Exit(1)


def _protection_text(row: dict[str, Any], lang: Lang) -> str:
    lines = [f"{row['id']}: {row['status']}"]
    for r in (row.get("check") or {}).get("reasons", []):
        lines.append(f"  - {r[lang.value]}  ({cite_line(r['citations'])})")
    return "\n".join(lines)


@protection_app.command("decide")
def protection_decide(
    record: Annotated[str, typer.Argument(help="Protection record id. / 記録ID")],
    on: Annotated[str, typer.Option("--on", help="Date of the Minister's decision. / 決定日")],
    decline: Annotated[
        bool, typer.Option("--decline", help="Record a refusal instead of an approval. / 不承認")
    ] = False,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Record the Minister of Defense's decision on a request. / 防衛大臣の決定"""
    from anpo.work.protection import decide_protection

    with work_session(url, lang) as w:
        row = decide_protection(w, record, not decline, as_of(on, lang))
    emit(row, as_json, lambda: f"{row['id']}: {row['status']}")


@protection_app.command("carry-out")
def protection_carry_out(
    record: Annotated[str, typer.Argument(help="Protection record id. / 記録ID")],
    on: Annotated[str, typer.Option("--on", help="Date carried out. / 実施日")],
    units: Annotated[str, typer.Option("--units", help="Protecting SDF units. / 警護部隊")] = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Record the protection carried out. / 警護の実施"""
    from anpo.work.protection import carry_out

    with work_session(url, lang) as w:
        row = carry_out(w, record, as_of(on, lang), units)
    emit(row, as_json, lambda: f"{row['id']}: {row['status']} {row['carried_out_on']}")


# -- exercises ------------------------------------------------------------------------------------


@exercise_app.command("list")
def exercise_list(
    start: Annotated[str | None, typer.Option("--from", help="First date (inclusive). / 開始日")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date (inclusive). / 終了日")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """The exercises the documents name, and the shipped tabletop scenarios. / 演習と机上演習シナリオの一覧"""
    from anpo.exercise.scenario import ScenarioError, load_scenario, shipped
    from anpo.i18n import msg
    from anpo.work.calendar_dates import span_text
    from anpo.work.facilities import list_exercises

    fw = framework(lang)
    # `--from ''` was taken as no date at all; a period given backwards listed nothing, with status 0
    first = as_of(start, lang) if start is not None else None
    last = as_of(end, lang) if end is not None else None
    if first and last and last < first:
        fail(msg("date.end_before_start", start=first.isoformat(), end=last.isoformat()), lang)
    rows = list_exercises(fw, first, last)
    scenarios = []
    for path in shipped():
        try:
            s = load_scenario(path)
        except ScenarioError as exc:
            fail(exc.text, lang)
        # the period filters the scenarios too, by their scenario date (`--from 1986-01-01 --to
        # 1986-03-31` listed the 2024 and 2025 scenarios)
        if (first and s.date < first) or (last and s.date > last):
            continue
        scenarios.append(
            {
                "id": s.id,
                "file": str(path),
                "title": s.title.as_json(),
                "date": s.date.isoformat(),
                "injects": len(s.injects),
            }
        )

    def render() -> str:
        lines = ["[演習 / exercises]"]
        for r in rows:
            where = ", ".join(_t(f["label"], lang) for f in r["facilities"]) or _t(r["location"], lang)
            when = span_text(r["start"], r["end"], r["precision"], lang.value)  # never a day not given
            lines.append(f"  {when}  {_t(r['label'], lang)}  {where}")
        lines.append("[机上演習シナリオ / tabletop scenarios]")
        lines += [f"  {s['id']:<28} {s['date']}  {_t(s['title'], lang)}  {s['file']}" for s in scenarios]
        return "\n".join(lines)

    emit({"exercises": rows, "scenarios": scenarios}, as_json, render)


@exercise_app.command("run")
def exercise_run(
    file: Annotated[str, typer.Argument(help="Scenario YAML file, or the id of a shipped scenario. / シナリオ")],
    scripted: Annotated[
        bool, typer.Option("--scripted", help="Play the scripted player actions. / 台本どおり実行")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the run: same seed, same report. / 乱数の種")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Directory for the JSON, HTML and PDF reports. / 出力先")
    ] = None,
    report: Annotated[
        list[Path] | None,
        typer.Option(
            "--report",
            help="Write the after-action report to FILE: .html, .pdf or .json (repeatable). / 事後報告の出力ファイル",
        ),
    ] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Run a tabletop scenario and write its after-action report. / 机上演習を実行し事後報告を作成"""
    from anpo.exercise.engine import run_scripted
    from anpo.exercise.report import REPORT_FORMATS, write_report, write_reports
    from anpo.exercise.scenario import SCENARIO_DIR, ScenarioError, load_scenario
    from anpo.work.common import MAX_INTEGER, WorkError

    for target in report or []:
        if target.suffix.lower() not in REPORT_FORMATS:
            fail(
                Text(
                    f"報告の形式は拡張子で選びます（{', '.join(REPORT_FORMATS)}）: {target}",
                    f"the report's format comes from its extension ({', '.join(REPORT_FORMATS)}): {target}",
                ),
                lang,
            )

    if not scripted:
        fail(
            Text(
                "CLIでは --scripted での実行のみ可能です（ライブ実行はWeb画面で）",
                "the CLI runs scenarios with --scripted only (live runs are in the web app)",
            ),
            lang,
        )
    if not 0 <= seed <= MAX_INTEGER:  # as a live run's: -1 ran as 1; a huge one overflowed the run's ids (a traceback)
        fail(Text("seedは0〜2147483647の整数です", "the seed is a whole number from 0 to 2147483647"), lang)
    path = Path(file)
    if not path.exists() and (SCENARIO_DIR / f"{file}.yaml").exists():
        path = SCENARIO_DIR / f"{file}.yaml"
    try:
        scenario = load_scenario(path)
        result = run_scripted(scenario, seed, framework(lang), url)
    except ScenarioError as exc:
        fail(exc.text, lang)
    except WorkError as exc:
        fail(exc.text, lang)
    written: list[str] = []
    if out:
        try:
            written = [str(p) for p in write_reports(result, out).values()]
        except OSError as exc:
            fail(cannot_write(out, exc), lang)
    for target in report or []:
        try:
            write_report(result, target)
        except OSError as exc:
            fail(cannot_write(target, exc), lang)
        written.append(str(target))
    data = {**result, "files": written}

    def render() -> str:
        lines = [f"{_t(result['scenario']['title'], lang)} (seed {seed})"]
        for e in result["timeline"]:
            mark = {"refused": "✗", "allowed": "✓", "inject": "▶"}.get(e["outcome"], "·")
            lines.append(f"  {e['at'][11:]} {mark} [{e['party']}] {_t(e['text'], lang)}")
        lines.append(f"{'不可' if lang == Lang.ja else 'refusals'}: {result['counts']['refusals']}")
        lines += [f"  → {f}" for f in written]
        return "\n".join(lines)

    emit(data, as_json, render)


# -- coordination cases -------------------------------------------------------------------------


CaseArg = Annotated[str, typer.Argument(help="Case id. / 案件ID")]


@cases_app.command("list")
def cases_list(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Coordination cases. / 調整案件の一覧"""
    from anpo.work.coordination import list_cases

    with work_session(url, lang, reading=True) as w:
        rows = list_cases(w)
    emit(
        {"cases": rows},
        as_json,
        lambda: (
            "\n".join(f"{c['id']:<24} {c['status']:<7} {c['level']:<5} {c['on']}  {_t(c['title'], lang)}" for c in rows)
            or "-"
        ),
    )


@cases_app.command("show")
def cases_show(case: CaseArg, url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """A case's log, determinations and the questions that apply. / 案件の記録と関係する問い"""
    from anpo.work.coordination import case_json, get_case

    with work_session(url, lang) as w:  # not `reading`: a read of a marked case is audited
        data = case_json(w, get_case(w, case), with_questions=True)
        fw = w.fw

    def render() -> str:
        from anpo.i18n import msg
        from anpo.work.common import label_json

        def name(value: str | None) -> str:
            return label_json(fw, value)[lang.value] if value else "-"

        lines = [
            f"{_t(data['title'], lang)} [{data['id']}] · {_t(data['level']['label'], lang)} · {data['on']}",
            f"  {_t(data['situation']['label'], lang)}",
            *(f"  ! {_t(warning, lang)}" for warning in data["warnings"]),
        ]
        lines += [
            f"  {e['at'].replace('T', ' ')} #{e['seq']} {name(e['party'])}"
            f" [{msg('ui.work.entry.' + e['type']).get(lang.value)}] {_t(e['text'], lang)}"
            for e in data["entries"]
        ]
        lines += [_question_line(fw, q, lang) for q in data["questions"]]
        return "\n".join(lines)

    emit(data, as_json, render)


def _question_line(fw: Any, q: dict[str, Any], lang: Lang) -> str:
    """A question that applies to a case, in words: its summary, its parameters' values by their
    labels and its answer as the question page words it (はい/いいえ, labels for ids), the
    question's id in brackets (what `anpo ask` takes)."""
    from anpo.exercise.engine import PARAM_LABELS
    from anpo.i18n import msg
    from anpo.rules.core import get_question
    from anpo.work.common import label_json

    code = lang.value
    labels = q.get("labels") or {}

    def word(value: Any, field: str = "") -> str:
        if not isinstance(value, str):
            return str(value)
        if value in labels:
            return str(labels[value][code])
        if value in PARAM_LABELS.get(field, {}):
            return PARAM_LABELS[field][value].get(code)
        return label_json(fw, value)[code]

    value = q.get("answer")
    if q.get("undetermined"):
        answer = msg("ui.undetermined").get(code)
    elif value is True or value is False:
        answer = msg("ui.yes" if value else "ui.no").get(code)
    elif value is None:
        answer = "—"
    elif isinstance(value, dict):
        answer = ("、" if code == "ja" else ", ").join(f"{k}: {word(v)}" for k, v in value.items())
    elif isinstance(value, list):
        answer = ("、" if code == "ja" else ", ").join(word(v) for v in value) or "—"
    else:
        answer = word(value)
    try:
        summary = get_question(q["question"]).summary.get(code)
    except Exception:  # a question no longer defined: by its id
        summary = q["question"]
    given = ("、" if code == "ja" else ", ").join(word(v, k) for k, v in q["params"].items())
    return f"  ? {summary}" + (f" [{given}]" if given else "") + f" → {answer}  [{q['question']}]"


@cases_app.command("open")
def cases_open(
    title_ja: Annotated[str, typer.Option("--title-ja", help="Title in Japanese. / 件名（日本語）")],
    title_en: Annotated[str, typer.Option("--title-en", help="Title in English. / 件名（英語）")],
    case_type: Annotated[str, typer.Option("--type", help="missile_launch, gray_zone, disaster or other. / 種類")],
    level: Annotated[str, typer.Option("--level", help="ACM level: acg, bocc or ccc. / ACMの階層")],
    on: OnOpt = None,
    marking: Annotated[str, typer.Option("--marking", help="Marking level. / 区分")] = "public",
    rel: Annotated[str, typer.Option("--rel", help="Releasable to: jpn,usa. / 開示先")] = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Open a coordination case at an ACM level. / 調整案件を開始する"""
    from anpo.work.common import marking_of
    from anpo.work.coordination import open_case

    with work_session(url, lang) as w:
        data = open_case(
            w, Text(title_ja, title_en), case_type, level, as_of(on, lang), marking=marking_of(marking, rel, w.levels)
        )
    emit(data, as_json, lambda: "\n".join([data["id"], *(f"! {_t(warning, lang)}" for warning in data["warnings"])]))


@cases_app.command("post")
def cases_post(
    case: CaseArg,
    text: Annotated[str, typer.Option("--text", help="The entry's text. / 本文")],
    entry_type: Annotated[str, typer.Option("--type", help="message, decision or tasking. / 種類")] = "message",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Add an entry to a case's bilateral log. / 案件に記録を追加する"""
    from anpo.work.coordination import post_entry

    with work_session(url, lang) as w:
        data = post_entry(w, case, entry_type, Text(text, text))
    emit(data, as_json, lambda: f"{data['case']}#{data['seq']}")


@cases_app.command("determine")
def cases_determine(
    case: CaseArg,
    situation: Annotated[str, typer.Argument(help="Situation id (see `anpo vocab situation`). / 事態")],
    cabinet: Annotated[
        str | None, typer.Option("--cabinet-decision", help="Date of the Cabinet decision. / 閣議決定日")
    ] = None,
    diet: Annotated[
        str | None, typer.Option("--diet-approval", help="Date of the Diet's approval. / 国会承認日")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who decided. / 決定者")] = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Record the determination of a situation for a case, checked against the law of its date. / 事態の認定"""
    import datetime as dt

    from anpo.work.coordination import determine

    with work_session(url, lang) as w:
        data = determine(
            w,
            case,
            situation,
            dt.datetime.now().replace(microsecond=0),
            by,
            as_of(cabinet, lang) if cabinet else None,
            as_of(diet, lang) if diet else None,
        )
    emit(data, as_json, lambda: f"{data['situation']['id']} {data['determined_at']}")


@cases_app.command("determinations")
def cases_determinations(
    start: Annotated[str | None, typer.Option("--from", help="First date (inclusive). / 開始日")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date (inclusive). / 終了日")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Situation determinations that took effect in a period (the Cabinet decision's date, else the
    case's), in that order: who decided, Cabinet decision, Diet approval. / 事態の認定の経過"""
    from anpo.work.coordination import list_determinations

    with work_session(url, lang, reading=True) as w:
        rows = list_determinations(w, as_of(start, lang) if start else None, as_of(end, lang) if end else None)

    def render() -> str:
        lines = []
        for d in rows:
            until = f" – {d['ended_at']}" if d["ended_at"] else ""
            cabinet = f" · cabinet {d['cabinet_decision_on']}" if d["cabinet_decision_on"] else ""
            diet = f" · Diet {d['diet_approval_on']}" if d["diet_approval_on"] else ""
            lines.append(
                f"{d['on']}  {_t(d['situation']['label'], lang)}  [{d['case']}]{cabinet}{diet}"
                f"  ({'記録' if lang == Lang.ja else 'recorded'} {d['determined_at']}{until})"
            )
        return "\n".join(lines) or ("（該当なし）" if lang == Lang.ja else "(none)")

    emit({"determinations": rows}, as_json, render)


@cases_app.command("close")
def cases_close(case: CaseArg, url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Close a case. / 案件を終了する"""
    from anpo.work.coordination import close_case

    with work_session(url, lang) as w:
        data = close_case(w, case)
    emit({"id": data["id"], "status": data["status"]}, as_json, lambda: f"{data['id']}: {data['status']}")


# -- facilities, bookings, calendar -------------------------------------------------------------


@facilities_app.command("list")
def facilities_list(
    on: OnOpt = None,
    joint_use: Annotated[
        bool, typer.Option("--joint-use", help="Only facilities with joint use in force. / 共同使用中のみ")
    ] = False,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Facilities and their joint-use arrangements as of a date. / 施設と共同使用（基準日時点）"""
    from anpo.work.facilities import list_facilities

    day = as_of(on, lang)
    rows = list_facilities(framework(lang), day, joint_use)

    def render() -> str:
        lines = []
        for f in rows:
            lines.append(f"{_t(f['label'], lang)} [{f['id']}]")
            for u in f["joint_use"]:
                flag = "*" if u["in_force"] else " "
                who = _t(u["user"]["label"], lang) if u["user"] else "-"
                lines.append(
                    f"  {flag} {u['period']['from'] or '…'}–{u['period']['to'] or ''} {who}: {_t(u['purpose'], lang)}"
                )
        return "\n".join(lines)

    emit({"on": day.isoformat(), "facilities": rows}, as_json, render)


@facilities_app.command("book")
def facilities_book(
    facility: Annotated[str, typer.Argument(help="Facility id. / 施設ID")],
    party: Annotated[str, typer.Option("--party", help="jpn or usa. / 当事国")],
    start: Annotated[str, typer.Option("--start", help="YYYY-MM-DDTHH:MM")],
    end: Annotated[str, typer.Option("--end", help="YYYY-MM-DDTHH:MM (exclusive)")],
    unit: Annotated[str, typer.Option("--unit", help="Using unit. / 使用部隊")] = "",
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose. / 目的")] = "",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Book a facility; refused (exit 2) if it overlaps another booking, taken with a warning if the
    pack records no legal basis (SOFA Art. 2-4). / 施設の使用予約（重複は不可、根拠の記録がなければ警告）"""
    from anpo.work.common import parse_time
    from anpo.work.facilities import book

    with work_session(url, lang) as w:
        data = book(w, facility, party, parse_time(start), parse_time(end), unit, purpose)
    if not as_json:  # in the JSON the warnings are in the object
        for warning in data["warnings"]:
            typer.echo(f"anpo: {_t(warning, lang)}", err=True)
    basis = f"  {_t(data['basis']['text'], lang)} [{cite_line(data['basis']['citations'])}]"
    emit(data, as_json, lambda: f"booking {data['id']}: {data['start']} – {data['end']}\n{basis}")


@facilities_app.command("bookings")
def facilities_bookings(
    facility: Annotated[str | None, typer.Argument(help="Facility id (all when absent). / 施設ID")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Bookings of facilities. / 施設の予約一覧"""
    from anpo.work.facilities import list_bookings

    with work_session(url, lang, reading=True) as w:
        rows = list_bookings(w, facility)
    emit(
        {"bookings": rows},
        as_json,
        lambda: (
            "\n".join(
                f"{b['id']:>4} {b['facility']['id']:<24} {b['party']} {b['start']} – {b['end']} {b['status']}"
                f" {b['basis']['kind']}"
                for b in rows
            )
            or "-"
        ),
    )


@facilities_app.command("cancel")
def facilities_cancel(
    booking: Annotated[int, typer.Argument(help="Booking id. / 予約ID")],
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Cancel a booking. / 予約の取消"""
    from anpo.work.facilities import cancel_booking

    with work_session(url, lang) as w:
        data = cancel_booking(w, booking)
    emit(data, as_json, lambda: f"booking {data['id']}: {data['status']}")


@calendar_app.command("export")
def calendar_export(
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: standard output). / 出力ファイル")
    ] = None,
    url: UrlOpt = None,
    lang: LangOpt = Lang.en,
) -> None:
    """Meetings and exercises as iCalendar (RFC 5545). / 会合と演習をiCalendarで出力"""
    import sys

    from anpo.files import write_atomic
    from anpo.work.calendar import export, marking_of
    from anpo.work.consultations import list_meetings
    from anpo.work.facilities import list_exercises

    with work_session(url, lang, reading=True) as w:
        meetings = list_meetings(w)
        banner = w.levels.banner(marking_of(meetings, w.levels))
        body = export(meetings, list_exercises(w.fw), lang.value, banner)
    if out:
        try:
            write_atomic(out, body)
        except OSError as exc:
            fail(cannot_write(out, exc), lang)
        typer.echo(f"{out} ({banner.get(lang.value)})")  # the path written, as `acsa export --output` says
    else:
        sys.stdout.write(body.decode("utf-8"))
