"""`anpo db ...` and `anpo audit verify`: create or upgrade a database, check the audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, app, emit, fail, require_database

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
    from sqlalchemy import inspect
    from sqlalchemy.exc import DatabaseError

    from anpo.framework.model import Text
    from anpo.security.audit import check
    from anpo.store.db import make_engine, read_only, session_factory, transaction

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
                "no audit log (the database is not initialised): run `anpo db init` first",
            ),
            lang,
            1,
        )
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
