"""The `anpo` command line: each module registers its commands on the shared Typer app."""

from __future__ import annotations

from anpo.cli import acsa_cmds as acsa_cmds
from anpo.cli import ask_cmd, db_cmds, framework_cmds, serve_cmd
from anpo.cli import users_cmds as users_cmds
from anpo.cli import work_cmds as work_cmds
from anpo.cli.app import app

__all__ = ["app", "ask_cmd", "db_cmds", "framework_cmds", "main", "serve_cmd"]


def main() -> None:
    app()
