"""Creating and upgrading a database with the Alembic migrations shipped in the package.

Features add their own revisions (branches from 0001_audit are fine: `upgrade` goes to all heads),
and may register an importer that `anpo db init` runs after the schema is in place; an importer
returns a report of what it changed, which `anpo db init` shows.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).parent / "migrations"


class InitReport(Protocol):
    """What an importer added, updated or withdrew, for `anpo db init` to show."""

    @property
    def name(self) -> str:
        """Its key in `anpo db init --json`."""
        ...

    def as_json(self) -> dict[str, Any]: ...

    def lines(self, lang: str) -> list[str]:
        """Its lines of `anpo db init`'s text output, in `lang` (ja or en)."""
        ...


# Importers of the pack's historical records, run in order by `anpo db init`.
INIT_HOOKS: list[Callable[[Session], InitReport | None]] = []
# The features that bring records of their own: importing one registers its importer. Loaded by
# `init_database` itself, so that no caller depends on having imported them first.
FEATURES = ("anpo.work",)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def init_database(engine: Engine) -> list[InitReport]:
    """Bring the schema up to date, then run every registered importer in one transaction; their
    reports."""
    from anpo.store.db import session_factory, transaction

    for feature in FEATURES:
        importlib.import_module(feature)
    upgrade(engine)
    reports: list[InitReport] = []
    with transaction(session_factory(engine)) as session:
        for hook in INIT_HOOKS:
            report = hook(session)
            if report is not None:
                reports.append(report)
    return reports
