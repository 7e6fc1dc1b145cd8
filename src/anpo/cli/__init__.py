"""The `anpo` command line: each module registers its commands on the shared Typer app."""

from __future__ import annotations

import sys

from anpo.cli import acsa_cmds as acsa_cmds
from anpo.cli import ask_cmd, db_cmds, framework_cmds, serve_cmd
from anpo.cli import users_cmds as users_cmds
from anpo.cli import work_cmds as work_cmds
from anpo.cli.app import app

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
        app()
    except Exception as exc:
        status = _database_unusable(exc)
        if status is None:
            raise
        detail = getattr(exc, "orig", None) or exc
        sys.stderr.write(f"anpo: データベースを使えません / cannot use the database: {detail}\n")
        raise SystemExit(status) from None


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
