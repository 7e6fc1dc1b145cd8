"""`anpo users create|list|disable|enable|token`: accounts, made from the shell (there are no default ones).

The first administrator is made here: `anpo users create admin --party none --clearance public
--role administrator` (the password is asked twice, or read from stdin with `--password-stdin`).
Every change is audited as the local system principal.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from anpo.cli.app import JsonOpt, Lang, LangOpt, app, emit, fail, require_database
from anpo.cli.db_cmds import UrlOpt

users_app = typer.Typer(no_args_is_help=True, help="User accounts and API tokens. / ユーザーアカウント")
app.add_typer(users_app, name="users")


def _factory(url: str | None, reading: bool = False):  # type: ignore[no-untyped-def]
    """Sessions on the database at `url`; `reading`: for transactions that only read, which on
    SQLite then neither take nor wait for the write lock (`read_only`)."""
    from anpo.store.db import make_engine, read_only, session_factory

    engine = make_engine(url)
    return session_factory(read_only(engine) if reading else engine)


def _password(stdin: bool, lang: Lang) -> str:
    from anpo.framework.model import Text

    try:
        if stdin:
            return sys.stdin.readline().rstrip("\r\n")
        first: str = typer.prompt("Password / パスワード", hide_input=True)
        second: str = typer.prompt("Again / 再入力", hide_input=True)
    except UnicodeDecodeError:  # bytes that are not UTF-8 under a strict locale (a traceback)
        from anpo.security.accounts import PASSWORD_NOT_UTF8

        fail(PASSWORD_NOT_UTF8, lang)
    if first != second:
        fail(Text("パスワードが一致しません", "the passwords do not match"), lang)
    return first


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Username (lowercase). / ユーザー名")],
    party: Annotated[str, typer.Option("--party", help="jpn, usa or none. / 所属")] = "none",
    clearance: Annotated[str, typer.Option("--clearance", help="A marking level of the pack. / 資格")] = "public",
    role: Annotated[list[str] | None, typer.Option("--role", help="A role; repeat for several. / 役割")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin. / 標準入力から読む")
    ] = False,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Create an account. / アカウントを作成"""
    from anpo.framework.pack import default_framework
    from anpo.security.accounts import AccountError, create_user
    from anpo.security.markings import Levels
    from anpo.store.db import transaction

    require_database(url, lang)  # opening it left an empty file, and said only "no such table: users"
    password = _password(password_stdin, lang)
    try:
        with transaction(_factory(url)) as session:
            user = create_user(
                session,
                Levels(default_framework()),
                username,
                password,
                party=None if party == "none" else party,
                clearance=clearance,
                roles=role or [],
            )
            data = user.as_json()
    except AccountError as exc:
        fail(exc.text, lang)
    emit(data, as_json, lambda: f"{'作成しました' if lang == Lang.ja else 'created'}: {username}")


@users_app.command("list")
def users_list(url: UrlOpt = None, as_json: JsonOpt = False, lang: LangOpt = Lang.en) -> None:
    """List accounts. / アカウントの一覧"""
    from anpo.security.accounts import list_users
    from anpo.store.db import transaction

    require_database(url, lang)  # a read creates no empty SQLite file
    with transaction(_factory(url, reading=True)) as session:
        rows = [u.as_json() for u in list_users(session)]

    def text() -> str:
        if not rows:
            return "アカウントはありません" if lang == Lang.ja else "no accounts"
        state = {True: "無効" if lang == Lang.ja else "disabled", False: ""}
        return "\n".join(
            f"{r['id']}\t{r['party'] or 'none'}\t{r['clearance']}\t{','.join(r['roles'])}\t{state[bool(r['disabled'])]}"  # type: ignore[arg-type]
            for r in rows
        )

    emit({"users": rows}, as_json, text)


@users_app.command("disable")
def users_disable(
    username: Annotated[str, typer.Argument(help="Username. / ユーザー名")],
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Disable an account and end its sessions and API tokens. / アカウントを無効化"""
    from anpo.security.accounts import AccountError, disable_user
    from anpo.store.db import transaction

    require_database(url, lang)
    try:
        with transaction(_factory(url)) as session:
            data = disable_user(session, username).as_json()
    except AccountError as exc:
        fail(exc.text, lang)
    emit(data, as_json, lambda: f"{'無効にしました' if lang == Lang.ja else 'disabled'}: {username}")


@users_app.command("enable")
def users_enable(
    username: Annotated[str, typer.Argument(help="Username. / ユーザー名")],
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Enable a disabled account again (its failed logins cleared; its ended sessions and tokens
    stay ended). / アカウントを再び有効化"""
    from anpo.framework.pack import default_framework
    from anpo.security.accounts import AccountError, enable_user
    from anpo.security.markings import Levels
    from anpo.store.db import transaction

    require_database(url, lang)
    try:
        with transaction(_factory(url)) as session:
            user, changed = enable_user(session, Levels(default_framework()), username)
            data = {**user.as_json(), "changed": changed}
    except AccountError as exc:
        fail(exc.text, lang)
    ja = lang == Lang.ja
    said = ("有効にしました" if ja else "enabled") if changed else ("既に有効です" if ja else "already enabled")
    emit(data, as_json, lambda: f"{said}: {username}")


@users_app.command("token")
def users_token(
    username: Annotated[str, typer.Argument(help="Username. / ユーザー名")],
    name: Annotated[str, typer.Option("--name", help="What the token is for. / 用途")] = "script",
    url: UrlOpt = None,
    as_json: JsonOpt = False,
    lang: LangOpt = Lang.en,
) -> None:
    """Make an API token for scripts (shown once; send as `Authorization: Bearer TOKEN`). / APIトークン"""
    from anpo.security.accounts import AccountError, create_token
    from anpo.store.db import transaction

    require_database(url, lang)
    try:
        with transaction(_factory(url)) as session:
            token = create_token(session, username, name)
    except AccountError as exc:
        fail(exc.text, lang)
    emit({"user": username, "name": name, "token": token}, as_json, lambda: token)
