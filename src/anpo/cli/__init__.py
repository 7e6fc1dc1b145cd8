"""The `anpo` command line: each module registers its commands on the shared Typer app."""

from __future__ import annotations

import sys
from typing import Any

import typer

from anpo.cli import acsa_cmds as acsa_cmds
from anpo.cli import ask_cmd, db_cmds, framework_cmds, serve_cmd
from anpo.cli import compare_cmd as compare_cmd
from anpo.cli import users_cmds as users_cmds
from anpo.cli import work_cmds as work_cmds
from anpo.cli.app import app
from anpo.i18n import msg

__all__ = ["app", "ask_cmd", "db_cmds", "framework_cmds", "main", "serve_cmd"]


def main() -> None:
    """Run the command line. An argument whose bytes are not UTF-8 is refused before any command
    runs: Python hands such bytes over as lone surrogates, which no database can store (the
    commands that write one failed with a traceback)."""
    for arg in sys.argv[1:]:
        try:
            arg.encode()
        except UnicodeEncodeError:
            shown = ascii(arg)
            sys.stderr.write(f"anpo: 引数 {shown} はUTF-8ではありません / argument {shown} is not UTF-8\n")
            raise SystemExit(2) from None
    try:
        # not standalone: Click's own errors come here, to be said in both languages (`_usage`)
        returned = app(standalone_mode=False)
    except typer.Abort:  # Ctrl-C or the end of input at a prompt
        sys.stderr.write(f"\nanpo: {msg('cli.aborted').ja} / {msg('cli.aborted').en}\n")
        raise SystemExit(1) from None
    except Exception as exc:
        if "ClickException" in _kinds(exc):
            _usage(exc)
            raise SystemExit(exc.exit_code) from None  # type: ignore[attr-defined]
        if _rates_unusable(exc):
            raise SystemExit(1) from None
        status = _database_unusable(exc)
        if status is None:
            raise
        detail = getattr(exc, "orig", None) or exc
        sys.stderr.write(f"anpo: データベースを使えません / cannot use the database: {detail}\n")
        raise SystemExit(status) from None
    raise SystemExit(returned if isinstance(returned, int) else 0)  # a command's `typer.Exit(code)`


def _kinds(exc: Exception) -> set[str]:
    """The names of an error's classes: Click's, which Typer re-exports from a module of its own in
    some versions and takes from Click in others, are told apart by name."""
    return {cls.__name__ for cls in type(exc).__mro__}


USAGE_KEYS = (  # the most specific first
    ("NoArgsIsHelpError", ""),  # a group called without a command: it has printed its help
    ("NoSuchOption", "cli.usage.no_such_option"),
    ("MissingParameter", "cli.usage.missing"),
    ("BadParameter", "cli.usage.bad_value"),
)


def _usage(exc: Any) -> None:
    """Click's error, its usage line first as Click writes it, then its message in Japanese and its
    own English (it was English only)."""
    kinds = _kinds(exc)
    detail = exc.format_message()
    key = next((key for kind, key in USAGE_KEYS if kind in kinds), None)
    if key is None:
        key = "cli.usage.no_such_command" if detail.startswith("No such command") else "cli.usage.other"
    if not key:
        return
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        sys.stderr.write(f"{ctx.get_usage()}\nTry '{ctx.command_path} --help' for help.\n\n")
    sys.stderr.write(f"anpo: {msg(key).ja} / {detail}\n")  # Click's English names what is wrong


def _rates_unusable(exc: Exception) -> bool:
    """Say a rate file's problems (`anpo.ledger.rates.RatesError`), each with its file and line, in
    both languages (a settlement that needed a rate printed a traceback in English); False for any
    other error."""
    rates = sys.modules.get("anpo.ledger.rates")  # not imported: no rate file was read
    if rates is None or not isinstance(exc, rates.RatesError):
        return False
    head = msg("rates.unusable")
    sys.stderr.write(f"anpo: {head.ja} / {head.en}\n{exc.text.ja}\n{exc.text.en}\n")
    return True


def _database_unusable(exc: Exception) -> int | None:
    """The exit status for a database that cannot be used (2: a URL SQLAlchemy cannot read or has
    no driver for, `--url bogus://`; 1: one it cannot open, a missing directory, a server that is
    down or a file that is no database), which printed a traceback; None for any other error."""
    sa_exc = sys.modules.get("sqlalchemy.exc")  # not imported: not a database error
    if sa_exc is None:
        return None
    if isinstance(exc, sa_exc.ArgumentError):
        return 2
    # exactly DatabaseError, not its kinds (IntegrityError...): SQLite's "file is not a database"
    if isinstance(exc, sa_exc.OperationalError) or type(exc) is sa_exc.DatabaseError:
        return 1
    return None
