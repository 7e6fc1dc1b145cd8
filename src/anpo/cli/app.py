"""The Typer application and the options every command shares (--json, --lang, --on)."""

from __future__ import annotations

import datetime as dt
import enum
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from anpo.dates import DateError, parse_date, today
from anpo.framework.framework import Framework
from anpo.framework.model import Text

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="anpo: the Japan-U.S. Security Arrangements, executable (日米安全保障体制).",
    pretty_exceptions_enable=False,
)


class Lang(enum.StrEnum):
    ja = "ja"
    en = "en"


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text. / JSONで出力")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of the output: ja or en. / 出力の言語")]
OnOpt = Annotated[
    str | None,
    typer.Option("--on", help="As-of date: YYYY-MM-DD or an era date (平成28年12月27日); default today. / 基準日"),
]


def fail(text: Text, lang: Lang | str, code: int = 2) -> NoReturn:
    """Print a bilingual error's message in `lang` to stderr and exit with `code`."""
    lang_value = lang.value if isinstance(lang, Lang) else lang
    typer.echo(f"anpo: {text.get(lang_value)}", err=True)
    raise typer.Exit(code)


def as_of(value: str | None, lang: Lang) -> dt.date:
    if value is None:
        return today()
    try:
        return parse_date(value)
    except DateError as exc:
        fail(exc.text, lang)


def emit(data: Any, as_json: bool, render: Callable[[], str]) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(render().rstrip("\n") + "\n")


def framework(lang: Lang) -> Framework:
    from anpo.framework.pack import PackError, default_framework

    try:
        return default_framework()
    except PackError as exc:
        typer.echo("\n".join(p.render(lang.value) for p in exc.problems), err=True)
        raise typer.Exit(2) from exc


def missing_database(url: str | None) -> Text | None:
    """For a command that needs a database made by `anpo db init`: "does not exist, run `anpo db
    init`" for a SQLite file that does not exist (opening it created an empty one, left behind);
    None for any other database, and for a file in a directory that does not exist (the engine's
    "cannot use the database" says so)."""
    from sqlalchemy.engine import make_url

    from anpo.i18n import msg
    from anpo.store.db import database_url

    target = make_url(url or database_url())  # a URL it cannot read: "cannot use the database" (anpo.cli.main)
    path = target.database
    if target.get_backend_name() != "sqlite" or not path or path == ":memory:" or target.query.get("uri"):
        return None
    file = Path(path)
    if file.exists() or not file.parent.is_dir():
        return None
    return msg("db.missing", path=path)


def require_database(url: str | None, lang: Lang) -> None:
    """Exit 1 with `missing_database`'s message, for the commands that read or write accounts and
    the audit log (as "cannot use the database" does); opening the file would leave an empty one."""
    missing = missing_database(url)
    if missing is not None:
        fail(missing, lang, 1)


def cannot_write(path: Path, exc: OSError) -> Text:
    """The message for an output file the command could not write (a missing directory, a directory)."""
    from anpo.i18n import msg

    return msg("cli.cannot_write", path=str(path), reason=exc.strerror or str(exc))


def label(data: dict[str, str] | None, lang: Lang) -> str:
    if not data:
        return ""
    return data.get(lang.value, "")


def cite_line(citations: list[dict[str, str]]) -> str:
    return "; ".join(f"{c['source']} {c['locator']}".strip() for c in citations)
