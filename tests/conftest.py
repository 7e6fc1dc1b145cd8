"""Shared fixtures: the shipped framework, a CLI runner and an in-process web client."""

from __future__ import annotations

import gc
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anpo.framework.framework import Framework
from anpo.framework.pack import default_framework


@pytest.fixture(scope="session")
def fw() -> Framework:
    return default_framework()


_THRESHOLDS = gc.get_threshold()


@pytest.fixture(autouse=True)
def _collector_unfrozen() -> Iterator[None]:
    """A command run in-process (`anpo demo`) may settle the collector as its process would
    (`anpo.startup.settle`): thaw it and restore its thresholds, so no later test runs with the
    objects of this one frozen."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
    gc.set_threshold(*_THRESHOLDS)


class Cli:
    """Runs `anpo` in-process and decodes --json output."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def run(self, *args: str) -> Any:
        from anpo.cli import app

        return self.runner.invoke(app, list(args))

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture(scope="session")
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def client(fw: Framework) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    from anpo.web.app import create_app

    with TestClient(create_app(fw)) as c:
        yield c


# -- databases: every store test runs on SQLite and on PostgreSQL ---------------------------------

PG_ADMIN_URL = os.environ.get("ANPO_TEST_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@contextmanager
def _fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'anpo.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    name = f"anpo_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _pg_url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_database() -> Any:
    """`fresh_database(backend, directory)`: a context giving the URL of a new, empty database, for
    fixtures of a wider scope than one test's."""
    return _fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of a new, empty database on each backend (migrated by the `engine` fixture)."""
    with _fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    """An engine on a new database with every migration applied and the pack's records imported."""
    from anpo.store.db import make_engine
    from anpo.store.migrate import init_database

    eng = make_engine(db_url)
    init_database(eng)
    yield eng
    eng.dispose()
