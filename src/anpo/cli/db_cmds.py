"""`anpo db ...`, `anpo audit verify` and `anpo audit list`: create or upgrade a database, check
the audit chain, read the audit log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, app, emit, fail, framework, require_database

if TYPE_CHECKING:
    from sqlalchemy import Engine

db_app = typer.Typer(no_args_is_help=True, help="The database. / データベース")
audit_app = typer.Typer(no_args_is_help=True, help="The audit log. / 監査ログ")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")

UrlOpt = Annotated[
    str | None,
    typer.Option("--url", help="Database URL (default: ANPO_DATABASE_URL or ./anpo.sqlite3). / 接続先"),
]


@db_app.command("init")
def db_init(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Create or upgrade the database and bring the pack's historical records up to date. / DBの作成"""
    from anpo.i18n import t
    from anpo.store.db import database_url, make_engine
    from anpo.store.migrate import init_database

    target = url or database_url()
    engine = make_engine(target)
    try:
        reports = init_database(engine)
    finally:
        engine.dispose()
    shown = target.split("@")[-1]
    data: dict[str, object] = {"database": shown, "status": "ready"}
    data.update({r.name: r.as_json() for r in reports})  # what each importer added, updated, withdrew
    lines = [t("db.ready", lang.value, database=shown)]
    lines += [f"  {line}" for r in reports for line in r.lines(lang.value)]
    emit(data, as_json, lambda: "\n".join(lines))


@audit_app.command("verify")
def audit_verify(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Recompute the audit log's hash chain; name the first bad entry and exit 1 if any. / 監査ログの検証"""
    from anpo.framework.model import Text
    from anpo.security.audit import check
    from anpo.store.db import session_factory, transaction

    engine = _log_engine(url, lang)
    # it only reads (one SELECT, one snapshot): on SQLite, without the write lock
    with transaction(session_factory(engine)) as session:
        found = check(session)
    bad = found.bad
    # which entry, and what is wrong with it (it said "does not match" for every kind of change)
    why = {
        "changed": Text("内容またはハッシュが変更されています", "its fields or hash were changed"),
        "missing_before": Text(
            "直前に書かれたエントリがありません（削除、または変更してハッシュを再計算）",
            "the entry it was written after is gone (removed, or changed and rehashed)",
        ),
        "out_of_order": Text(
            "書かれた時とは別のエントリの後にあります（順序の変更）",
            "it follows another entry than the one it was written after (reordered)",
        ),
    }.get(found.problem, Text("", ""))
    # the head: removing entries at the end leaves a chain that holds; compare it with one noted before
    head = f"{found.last}, {found.head[:16]}"
    ok_text = (
        f"監査ログは改ざんされていません（{found.entries}件、最後のエントリ {head}）"
        if lang == Lang.ja
        else f"audit log intact ({found.entries} entries, the last {head})"
    )
    bad_text = (
        f"監査ログのエントリ{bad}が一致しません: {why.ja}"
        if lang == Lang.ja
        else f"audit entry {bad} does not match: {why.en}"
    )
    data: dict[str, object] = {"ok": bad is None, "first_bad_entry": bad}
    if bad is not None:
        data["problem"] = found.problem
    emit(data, as_json, lambda: ok_text if bad is None else bad_text)
    if bad is not None:
        raise typer.Exit(1)


def _log_engine(url: str | None, lang: Lang) -> Engine:
    """A read-only engine on a database that has the audit log; exit 1 (a message, no traceback)
    for one that does not exist, is no database, or has no log."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import DatabaseError

    from anpo.framework.model import Text
    from anpo.store.db import make_engine, read_only

    require_database(url, lang)  # a read creates no empty SQLite file
    engine = read_only(make_engine(url))
    try:
        # a database without the log (PostgreSQL's empty one was a traceback, UndefinedTable), or a
        # file that is no database (`file is not a database`, also a traceback)
        has_log = inspect(engine).has_table("audit_log")
    except DatabaseError as exc:
        reason = str(getattr(exc, "orig", None) or exc)
        fail(Text(f"データベースを使えません: {reason}", f"cannot use the database: {reason}"), lang, 1)
    if not has_log:
        fail(
            Text(
                "監査ログがありません（データベースが初期化されていません）。先に `anpo db init` を実行してください",
                "no audit log (the database is not initialized): run `anpo db init` first",
            ),
            lang,
            1,
        )
    return engine


@audit_app.command("list")
def audit_list(
    record: Annotated[
        str | None, typer.Option("--record", help="Only entries about this record: TYPE or TYPE:ID. / 対象の記録")
    ] = None,
    actor: Annotated[
        str | None, typer.Option("--actor", help="Only this actor (user id, or `system`). / 実行者")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action (e.g. login, acsa.order, read). / 操作")
    ] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="Only this outcome: ok or denied. / 結果")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="From this UTC day (YYYY-MM-DD, era date) or ISO date-time. / 開始")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Up to this UTC day, included, or ISO date-time. / 終了")
    ] = None,
    limit: Annotated[
        str | None, typer.Option("--limit", help="Entries per page, 1 to 1000 (default 50). / 件数")
    ] = None,
    cursor: Annotated[
        str | None, typer.Option("--cursor", help="Older than this entry id: a page's next_cursor. / 続き")
    ] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Entries of the audit log, newest first, a page at a time, under the banner of what they are
    about. It only reads (one snapshot), as trusted local tooling, as `audit verify` and the other
    lists do. / 監査ログの閲覧"""
    from anpo.i18n import msg
    from anpo.security.audit_read import (
        ACTION_LABELS,
        OUTCOMES,
        AuditQueryError,
        action_label,
        actor_label,
        build_query,
        detail_text,
        page_json,
        read_entries,
        shown_at,
    )
    from anpo.security.markings import Levels
    from anpo.security.principal import system_principal
    from anpo.store.db import session_factory, transaction

    try:  # a filter it cannot read is a mistake, not an empty list
        query = build_query(
            record=record, actor=actor, action=action, outcome=outcome, start=start, end=end, limit=limit, cursor=cursor
        )
    except AuditQueryError as exc:
        fail(exc.text, lang)
    levels = Levels(framework(lang))
    engine = _log_engine(url, lang)
    try:
        with transaction(session_factory(engine)) as session:
            page = read_entries(session, levels, system_principal(), query)
    finally:
        engine.dispose()
    data = page_json(levels, query, page)

    def render() -> str:
        code = lang.value
        lines = [levels.banner(page.marking).get(code)]
        for e in data["entries"]:
            who = actor_label(e["actor"]).get(code) + (f" ({e['party'].upper()})" if e["party"] else "")
            banner = e["marking"][f"banner_{code}"]
            # the action in words, its id beside it (what `--action` takes) unless the same word
            # ("login"); an action it does not know as it is
            action_text = e["action"]
            if e["action"] in ACTION_LABELS and action_label(e["action"]).get(code) != e["action"]:
                action_text = f"{action_label(e['action']).get(code)} [{e['action']}]"
            outcome_text = (
                msg(f"ui.audit.outcome.{e['outcome']}").get(code) if e["outcome"] in OUTCOMES else e["outcome"]
            )
            record_text = f"{e['record']['type']}:{e['record']['id']}"
            detail = detail_text(e["detail"], code)
            lines.append(
                f"{e['id']}  {shown_at(e['at'])} UTC  {who}  {action_text}  {outcome_text}  {record_text}  [{banner}]"
                + (f"  {detail}" if detail else "")
            )
        if not data["entries"]:
            lines.append(msg("audit.none").get(code))
        if data["next_cursor"] is not None:
            lines.append(msg("audit.more", cursor=data["next_cursor"]).get(code))
        return "\n".join(lines)

    emit(data, as_json, render)
