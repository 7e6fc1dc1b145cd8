"""`anpo db ...` and `anpo audit verify`: create or upgrade a database, check the audit chain."""

from __future__ import annotations

from typing import Annotated

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, app, emit, fail, missing_database

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
    """Create or upgrade the database and import the pack's historical records. / DBの作成"""
    from anpo.store.db import database_url, make_engine
    from anpo.store.migrate import init_database

    target = url or database_url()
    init_database(make_engine(target))
    shown = target.split("@")[-1]
    emit(
        {"database": shown, "status": "ready"},
        as_json,
        lambda: f"{'準備完了' if lang == Lang.ja else 'ready'}: {shown}",
    )


@audit_app.command("verify")
def audit_verify(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """Recompute the audit log's hash chain; name the first bad entry and exit 1 if any. / 監査ログの検証"""
    from anpo.security.audit import verify
    from anpo.store.db import make_engine, read_only, session_factory, transaction

    missing = missing_database(url)  # a read creates no empty SQLite file
    if missing is not None:
        fail(missing, lang, 1)  # as "cannot use the database" (no audit log) did
    # it only reads (one SELECT, one snapshot): on SQLite, without the write lock
    with transaction(session_factory(read_only(make_engine(url)))) as session:
        bad = verify(session)
    ok_text = "監査ログは改ざんされていません" if lang == Lang.ja else "audit log intact"
    bad_text = f"監査ログのエントリ{bad}が一致しません" if lang == Lang.ja else f"audit entry {bad} does not match"
    emit({"ok": bad is None, "first_bad_entry": bad}, as_json, lambda: ok_text if bad is None else bad_text)
    if bad is not None:
        raise typer.Exit(1)
