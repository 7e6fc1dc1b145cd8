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
    app()
